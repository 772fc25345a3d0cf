// A sweep directory on disk and the state of each of its runs:
//   DIR/sweep.yaml       the spec as given
//   DIR/plan.json        the expanded runs
//   DIR/sweep.log        the log
//   DIR/runs/<id>/       one run directory: scalelab train's layout plus the driver's lock,
//                        failed.json and train.log (core/run_paths.h)
// A run is done when summary.json exists (status done or diverged).
#pragma once
#include <string>

#include "core/run_paths.h"
#include "core/status.h"
#include "nlohmann/json.hpp"
#include "sweeps/spec.h"

namespace sl {

enum class RunState { kPending, kPartial, kRunning, kDone, kDiverged, kFailed };
const char* run_state_name(RunState s);

struct RunInfo {
  RunState state = RunState::kPending;
  std::string reason;  // failed / diverged: why
  int64_t step = 0, total_steps = 0;
  double train_loss = NAN, val_loss = NAN, tokens_per_s = 0;
  nlohmann::json summary;  // summary.json when finished
  std::string lock_owner;  // "host pid N" while running
};
// Reads a run's state from its directory (summary.json, failed.json, lock, metrics.jsonl).
RunInfo inspect_run(const std::string& sweep_dir, const PlannedRun& run, bool read_metrics = true);

// --- locks ---
struct LockInfo {
  std::string host;
  int64_t driver_pid = 0, child_pid = 0;
  uint64_t driver_start = 0, child_start = 0;  // /proc/<pid>/stat start times (detect pid reuse)
};
std::string this_host();
// Start time of a live process (clock ticks since boot), 0 if it does not exist.
uint64_t process_start_time(int64_t pid);
// True if the lock's owners are gone: on this host neither pid is alive with its start time; on
// another host the lock has not been refreshed for `remote_stale_s` seconds. A lock that does not
// parse is stale (locks appear whole, so it was damaged).
bool lock_is_stale(const std::string& lock_path, double remote_stale_s = 600);
// Creates the lock whole (a synced temporary file link(2)ed into place: a crash never leaves an
// empty or torn lock), taking over a stale one. False if a live owner holds it.
absl::StatusOr<bool> acquire_lock(const std::string& lock_path, const LockInfo& me);
absl::Status update_lock(const std::string& lock_path,
                         const LockInfo& me);  // e.g. add the child pid
void release_lock(const std::string& lock_path);
void touch_lock(const std::string& lock_path);  // heartbeat for other hosts
bool lock_held_live(const std::string& lock_path, std::string* owner = nullptr);
}  // namespace sl
