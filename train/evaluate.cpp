#include "train/evaluate.h"

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
}  // namespace sl
