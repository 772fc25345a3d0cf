// Will a run fit in this machine's memory? Checked before anything is allocated: a huge
// model.d_model or model.n_layer used to end in an uncaught std::bad_alloc (exit 134) or in the
// kernel's OOM killer after minutes of page-faulting. The estimate is a floor, so a run it refuses
// cannot train here.
#pragma once
#include <optional>
#include <string>

#include "model/config.h"
#include "train/train_config.h"

namespace sl {
struct TrainingMemory {
  double params = 0;       // count_params(...).total, in double (huge shapes overflow int64)
  double state_bytes = 0;  // 16 bytes a parameter: float32 weights, gradients, AdamW's two moments
  double activation_bytes =
      0;  // what one micro-batch (batch_size x ctx tokens) keeps for the backward pass
  double total() const { return state_bytes + activation_bytes; }
};
TrainingMemory training_memory(const TrainConfig& c);

// nullopt when `c` fits in `memory_bytes`; else the key to change ("model.d_model",
// "model.n_layer", "train.batch_size" or "model.ctx") and a message with the estimate and what
// would fit (the largest d_model at this n_layer, the largest n_layer at this d_model, the largest
// batch).
std::optional<KeyError> memory_misfit(const TrainConfig& c, double memory_bytes);

// memory_misfit against this machine's physical memory, for a run on the CPU: train.device cpu, or
// auto without a usable CUDA device (`device`, when not empty, stands for train.device, as a
// sweep's --device does). A CUDA run is not checked: its weights, gradients, moments and
// activations live in the GPU's memory, not the host's, so the host's size says nothing about it
// (it would refuse models that fit an H200 and pass ones that overflow a small card), and the
// card's own free memory is only known once the CUDA runtime is up on the machine that runs it.
std::optional<KeyError> check_fits_in_memory(const TrainConfig& c, const std::string& device = "");
}  // namespace sl
