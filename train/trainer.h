// One training run, start to finish or to the next interruption. The run directory holds:
//   config.yaml     the resolved config (a different config in the same directory is refused)
//   metrics.jsonl   one row per logged step (docs/train.md lists the fields)
//   checkpoint.bin  model, optimizer, step and scalars; every checkpoint_every steps and at the end
//   summary.json    written last, atomically: its presence means the run is finished
// Calling train_run again on an interrupted run resumes from its checkpoint; on the CPU the resumed
// run's losses equal an uninterrupted run's exactly.
#pragma once
#include <string>

#include "core/status.h"
#include "nlohmann/json.hpp"
#include "train/train_config.h"

namespace sl {
enum class RunStatus { kDone, kDiverged, kInterrupted };
const char* run_status_name(RunStatus s);

struct TrainOptions {
  std::string run_dir;
  bool progress = true;          // the updating progress line
  int64_t stop_after_step = -1;  // behave as if interrupted once this many steps are done (tests, branching)
};

struct RunOutcome {
  RunStatus status = RunStatus::kDone;
  nlohmann::json summary;  // summary.json's content (empty when interrupted)
};

// Validates everything (config, data, vocab, run directory, checkpoint) before the first step.
absl::StatusOr<RunOutcome> train_run(const TrainConfig& cfg, const TrainOptions& opts);

// Writes config.yaml into `run_dir`, or checks that the one there describes the same run.
absl::Status check_or_write_run_config(const TrainConfig& cfg, const std::string& run_dir);
}  // namespace sl
