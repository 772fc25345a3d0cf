#include "train/evaluate.h"

#include <cmath>

#include "model/torch_compat.h"

namespace sl {
double evaluate_loss(Gpt& model, const torch::Tensor& windows, int batch, torch::Device device,
                     bool bf16) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  const int64_t n = windows.size(0), T = windows.size(1) - 1;
  auto total = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device));
  for (int64_t i = 0; i < n; i += batch) {
    auto w = windows.narrow(0, i, std::min<int64_t>(batch, n - i));
    AutocastGuard autocast(device, bf16);
    auto loss = model->loss(w.narrow(1, 0, T), w.narrow(1, 1, T));
    total += loss.to(torch::kDouble) * static_cast<double>(w.size(0));
  }
  model->train(was_training);
  return total.item<double>() / static_cast<double>(n);
}

double target_bytes_per_token(const torch::Tensor& windows,
                              const std::vector<int32_t>& token_bytes) {
  const auto table =
      torch::tensor(std::vector<int64_t>(token_bytes.begin(), token_bytes.end()), torch::kLong)
          .to(windows.device());
  const auto targets = windows.narrow(1, 1, windows.size(1) - 1).reshape(-1);  // (n*ctx,)
  const int64_t bytes = table.index_select(0, targets).sum().item<int64_t>();
  return static_cast<double>(bytes) / static_cast<double>(targets.numel());
}

double bits_per_byte(double loss_nats, double bytes_per_token) {
  return bytes_per_token > 0 ? loss_nats / std::log(2.0) / bytes_per_token : NAN;
}
}  // namespace sl
