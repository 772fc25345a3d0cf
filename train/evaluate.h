// Validation loss on the fixed held-out set, in nats per token.
#pragma once
#include <torch/torch.h>

#include "model/gpt.h"

namespace sl {
// windows: (n, ctx+1) int64 on the model's device. Evaluates in batches of `batch`; one host sync.
double evaluate_loss(Gpt& model, const torch::Tensor& windows, int batch, torch::Device device,
                     bool bf16);
}  // namespace sl
