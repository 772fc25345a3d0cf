// What a session of a run starts from, all checked before any work: the run's config on disk, its
// data, and the checkpoint it resumes (its own) or branches from (another run's stable phase).
#pragma once
#include <optional>
#include <string>

#include "core/file_lock.h"
#include "core/run_paths.h"
#include "core/status.h"
#include "data/token_dataset.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace sl {
// One trainer per run directory: holds RUN_DIR/train.lock, or says who does.
absl::StatusOr<FileLock> lock_run_dir(const RunPaths& paths);

// Deletes temporary files of the trainer's own writes (checkpoints, summary, config, metrics) that
// a killed session left behind; call it holding the run's lock. Returns how many it removed.
int remove_left_over_temp_files(const RunPaths& paths);

// The dataset, with the vocabulary and window sizes checked against the config, and the token files
// checked against meta.json's checksums when `verify_checksums` (a run's first session).
// With data.mix, the first directory's dataset (the others: open_mix_sources).
absl::StatusOr<TokenDataset> open_and_check_data(const TrainConfig& cfg, bool verify_checksums);
// data.mix's directories after the first, each checked like open_and_check_data's and against the
// first: the same tokenizer (name, vocabulary and model file) or an error naming both. Empty
// without data.mix.
absl::StatusOr<std::vector<TokenDataset>> open_mix_sources(const TrainConfig& cfg,
                                                           const TokenDataset& first,
                                                           bool verify_checksums);

// The outcome recorded in an existing summary.json (the run finished in an earlier session).
absl::StatusOr<RunOutcome> finished_outcome(const RunPaths& paths);

// The run's own checkpoint (resume), else the branch source's (copying its metrics rows up to
// there), else nothing (a fresh start). A corrupted or foreign checkpoint is an error.
absl::StatusOr<std::optional<Checkpoint>> starting_checkpoint(const TrainConfig& cfg,
                                                              const TrainOptions& opts,
                                                              const RunPaths& paths);
}  // namespace sl
