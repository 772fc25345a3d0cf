// Loading a run directory for evaluation: RUN_DIR/config.yaml, RUN_DIR/checkpoint.bin (the latest
// checkpoint) and the tokenizer of the run's dataset, as `scalelab sample` does. Errors say what
// the directory lacks and what to do (not a run directory; no checkpoint yet: train it first).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/tokenizer.h"
#include "model/gpt.h"
#include "train/train_config.h"

namespace sl {
struct LoadedRun {
  std::string dir;
  TrainConfig cfg;
  Gpt model{nullptr};  // on the CPU, in eval mode, weights from the checkpoint
  std::unique_ptr<Tokenizer> tokenizer;
  int64_t step = 0;  // the checkpoint's step
};

absl::StatusOr<LoadedRun> load_run_for_eval(const std::string& run_dir);
}  // namespace sl
