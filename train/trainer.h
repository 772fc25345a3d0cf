// One training run, start to finish or to the next interruption, in a run directory laid out as
// core/run_paths.h says: config.yaml (a different config in the same directory is refused),
// metrics.jsonl (docs/train.md lists the fields), checkpoint.bin (every checkpoint_every steps and
// at the end), summary.json (written last, atomically: its presence means the run is finished) and,
// with train.log: tensorboard, tensorboard/ (the same rows as event files; train/tensorboard_log.h).
// Calling train_run again on an interrupted run resumes from its checkpoint; on the CPU the resumed
// run's losses equal an uninterrupted run's exactly.
//
// Data-parallel (TrainOptions::parallel, train/data_parallel.h): every rank calls train_run with the
// same config. Rank 0 alone locks and writes the run directory, decides where the run starts and
// sends its parameters and optimizer state to the others; each rank trains train.batch_size /
// world_size of every micro-batch (disjoint windows of the same sampler stream), the gradients are
// averaged, and every rank stops at the same step. The checkpoint is the one a single process
// writes, so a run resumes with any world size that divides train.batch_size.
#pragma once
#include <string>
#include <vector>

#include "core/status.h"
#include "nlohmann/json.hpp"
#include "train/data_parallel.h"
#include "train/train_config.h"

namespace sl {
enum class RunStatus { kDone, kDiverged, kInterrupted };
const char* run_status_name(RunStatus s);

struct TrainOptions {
  std::string run_dir;
  bool progress = true;  // the updating progress line
  int64_t stop_after_step =
      -1;  // behave as if interrupted once this many steps are done (tests, branching)
  // Also save a copy of the checkpoint as checkpoint-step<N>.bin after each of these steps (the
  // sweep's shared WSD stable phase branches shorter runs from them).
  std::vector<int64_t> snapshot_steps;
  // Start a fresh run from another run's checkpoint (a checkpoint-step<N>.bin or checkpoint.bin,
  // with that run's config.yaml next to it) instead of from step 0: a WSD cooldown branched off a
  // longer run's stable phase. Allowed when the two configs differ only in name and train.tokens,
  // their warmups have the same number of steps, and the checkpoint's step is at or before this
  // run's decay start (see check_branch_source). Ignored once this run has its own checkpoint
  // (resume).
  std::string branch_from;
  // This process's rank of a data-parallel job (not owned); nullptr: a single process.
  DataParallel* parallel = nullptr;
};

// OK if `world_size` ranks can share the config's micro-batch (train.batch_size a multiple of it);
// else an error that says what to set. Checked before the ranks meet.
absl::Status check_world_size(const TrainConfig& cfg, int world_size);

// OK if a run of `cfg` may start from a checkpoint taken at `step` by a run of `source`: the same
// learning rates and data up to `step`. Errors say which condition fails.
absl::Status check_branch_source(const TrainConfig& cfg, const TrainConfig& source, int64_t step);

struct RunOutcome {
  RunStatus status = RunStatus::kDone;
  nlohmann::json summary;  // summary.json's content (empty when interrupted)
};

// Validates everything (config, data, vocab, run directory, checkpoint) before the first step.
// In a data-parallel run a lost peer rank throws RankLostError, which train_run returns as an
// ABORTED error (the CLI's exit code kExitRankLost).
absl::StatusOr<RunOutcome> train_run(const TrainConfig& cfg, const TrainOptions& opts);

// "final val loss 3.2141 nats/token, 1.6021 bits/byte" from a summary (bits per byte only where
// the tokens' byte length is known; "no val loss" when the run ended without one).
std::string final_loss_text(const nlohmann::json& summary);
// The progress line's detail from a metrics row: "loss 3.4127 val 3.5012 | lr 3.0e-03 | gnorm 0.84
// | 12.3k tok/s" (val from the last eval, when there has been one; NaN: none yet).
std::string progress_detail_text(const nlohmann::json& row, double last_val);

// Writes config.yaml into `run_dir`, or checks that the one there describes the same run.
absl::Status check_or_write_run_config(const TrainConfig& cfg, const std::string& run_dir);
}  // namespace sl
