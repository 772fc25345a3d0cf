// The local sweep driver: runs a plan's runs as child processes (`scalelab train
// RUN_DIR/config.yaml --run-dir RUN_DIR --no-progress`), K at a time, largest first, each with its
// share of the CPU threads (or a GPU, round-robin). Crash isolation: a child's crash is recorded
// (failed.json) and the others go on. Resumable: finished runs are skipped, interrupted ones resume
// from their checkpoints, failed ones wait for --retry-failed. Per-run lock files keep two drivers
// (or Slurm array tasks) off the same run. SIGINT/SIGTERM: children get SIGTERM (they checkpoint
// and exit 75), then the driver returns. Children also get SIGTERM if the driver dies
// (PR_SET_PDEATHSIG), so a killed driver leaves no orphan training.
#pragma once
#include <string>
#include <vector>

#include "core/status.h"
#include "sweeps/spec.h"

namespace sl {
struct SweepOptions {
  std::string dir;  // sweep directory
  int workers = 0;  // runs at once; 0 = one per core (CPU) or one per GPU (CUDA)
  bool retry_failed = false;
  bool progress = true;     // the sweep's progress line
  std::string binary;       // the scalelab binary for children; "" = /proc/self/exe
  std::string device;       // "", "cpu" or "cuda": overrides train.device of every run
  int threads_per_run = 0;  // 0 = cores / workers (at least 1)
  double poll_s = 0.2;
  bool wait_for_others =
      true;  // wait for runs other drivers hold (else return when nothing is left to start)
};

struct SweepResult {
  int total = 0, done = 0, diverged = 0, failed = 0, pending = 0;
  bool interrupted = false;
};

// Default sweep directory: out/sweeps/<name>.
std::string default_sweep_dir(const SweepPlan& plan);
// Writes DIR/sweep.yaml, DIR/plan.json and each run's config.yaml (checking existing ones).
absl::Status prepare_sweep_dir(const SweepPlan& plan, const std::string& dir);
absl::StatusOr<SweepResult> run_sweep(const SweepPlan& plan, const SweepOptions& opts);
// The scalelab binary of this process (/proc/self/exe).
std::string self_binary();

// A run this driver saw finish, for the progress line: its config name and how it ended.
struct FinishedRun {
  std::string name;
  std::string result;  // "3.4127" (final val loss) or "diverged"
};
// "last: s1-d128 3.4127, s1-d64 diverged": the most recent first, at most `max` of them; "" when
// none has finished yet.
std::string latest_runs_text(const std::vector<FinishedRun>& finished, size_t max = 3);
}  // namespace sl
