// A run's weights for other tools (`scalelab export-weights`): the checkpoint's parameters
// (train/run_loader.h) as one safetensors file (core/safetensors.h), float32, under nanoGPT's names
// and shapes (model/nanogpt_layout.h), so that
//   sd = safetensors.torch.load_file(path); GPT(GPTConfig(...)).load_state_dict(sd)
// works in nanoGPT's model.py. The header's "__metadata__" holds GPTConfig's fields
// (nanogpt_config_metadata) plus "format": "pt", "layout": "nanogpt" and the checkpoint's "step".
// And the run's own logits for a token sequence, which a loader of the file must reproduce.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "core/status.h"
#include "train/run_loader.h"

namespace sl {
struct WeightsExport {
  std::string path;
  int64_t tensors = 0;            // entries in the file (a tied head's matrix is two of them)
  int64_t parameters = 0;         // the model's parameters (a tied head's matrix once)
  int64_t bytes = 0;              // the file's size
  int64_t step = 0;               // the checkpoint's step
  std::vector<std::string> gaps;  // what nanoGPT's model.py cannot hold (nanogpt_model_py_gaps)
};

// Writes `path` atomically. Errors: the file cannot be written.
absl::StatusOr<WeightsExport> export_weights_safetensors(const LoadedRun& run,
                                                         const std::string& path);

// The model's float32 logits (T, vocab) for one sequence of token ids, from the same forward that
// training, evaluation and `scalelab sample` run (CPU, eval mode). Errors (InvalidArgument): no
// ids, more than model.ctx of them, an id outside [0, model.vocab).
absl::StatusOr<torch::Tensor> run_logits(LoadedRun& run, const std::vector<int64_t>& tokens);
}  // namespace sl
