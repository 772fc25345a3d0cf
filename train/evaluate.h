// Validation loss on the fixed held-out set, in nats per token.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "model/gpt.h"

namespace sl {
// windows: (n, ctx+1) int64 on the model's device. Evaluates in batches of `batch`; one host sync.
double evaluate_loss(Gpt& model, const torch::Tensor& windows, int batch, torch::Device device,
                     bool bf16);

// Mean bytes of text under the target tokens of `windows` (n, ctx+1), windows[:, 1:]: the sum of
// token_bytes[id] over them (a tokenizer's Tokenizer::token_bytes) over their count. A loss L in
// nats per target token on these windows is L / ln 2 / this bits per byte, exactly: the targets'
// summed loss in bits over the bytes they decode to.
double target_bytes_per_token(const torch::Tensor& windows,
                              const std::vector<int32_t>& token_bytes);
// L / ln 2 / bytes_per_token; NaN when bytes_per_token is not positive (unknown).
double bits_per_byte(double loss_nats, double bytes_per_token);
}  // namespace sl
