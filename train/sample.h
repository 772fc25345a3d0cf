// Text generation from a run's checkpoint.
#pragma once
#include <string>

#include "core/status.h"

namespace sl {
struct SampleOptions {
  std::string prompt = "\n";
  int tokens = 200;          // new tokens to generate
  double temperature = 0.8;  // 0 = greedy
  int top_k = 0;             // 0 = no top-k truncation
  int64_t seed = 1;
};
// Loads RUN_DIR/config.yaml and RUN_DIR/checkpoint.bin; the tokenizer comes from the run's dataset.
absl::StatusOr<std::string> sample_from_run(const std::string& run_dir, const SampleOptions& opts);
}  // namespace sl
