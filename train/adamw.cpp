#include "train/adamw.h"

#include <cmath>

#include "model/torch_compat.h"

namespace sl {
FlatAdamW::FlatAdamW(const FlatParams& flat, const OptimConfig& config)
    : flat_(flat), config_(config) {
  exp_avg_ = torch::zeros_like(flat.params);
  exp_avg_sq_ = torch::zeros_like(flat.params);
  fused_ = fused_adamw_available(flat.params.device());
  if (fused_) {
    for (auto& s : fused_steps_) s = torch::zeros({}, flat.params.options());
  } else {
    denom_ = torch::empty_like(flat.params);
  }
}

void FlatAdamW::load_state(const torch::Tensor& exp_avg, const torch::Tensor& exp_avg_sq,
                           int64_t step) {
  torch::NoGradGuard no_grad;
  exp_avg_.copy_(exp_avg);
  exp_avg_sq_.copy_(exp_avg_sq);
  step_ = step;
  if (fused_)
    for (auto& s : fused_steps_) s.fill_(static_cast<double>(step));
}

void FlatAdamW::step(double lr) {
  torch::NoGradGuard no_grad;
  ++step_;
  const OptimConfig& c = config_;
  if (fused_) {
    // Two parts so only matrices decay; the kernel increments its step tensors itself.
    const int64_t nd = flat_.n_decayed, total = flat_.params.numel();
    const int64_t offs[2] = {0, nd}, lens[2] = {nd, total - nd};
    const double wds[2] = {c.weight_decay, 0.0};
    for (int i = 0; i < 2; ++i) {
      if (lens[i] == 0) continue;
      fused_adamw_step(
          {flat_.params.narrow(0, offs[i], lens[i])}, {flat_.grads.narrow(0, offs[i], lens[i])},
          {exp_avg_.narrow(0, offs[i], lens[i])}, {exp_avg_sq_.narrow(0, offs[i], lens[i])},
          {fused_steps_[i]}, lr, c.beta1, c.beta2, wds[i], c.eps);
    }
    return;
  }
  const double bc1 = 1.0 - std::pow(c.beta1, static_cast<double>(step_));
  const double bc2 = 1.0 - std::pow(c.beta2, static_cast<double>(step_));
  exp_avg_.lerp_(flat_.grads, 1.0 - c.beta1);
  exp_avg_sq_.mul_(c.beta2).addcmul_(flat_.grads, flat_.grads, 1.0 - c.beta2);
  if (c.weight_decay > 0) flat_.decayed().mul_(1.0 - lr * c.weight_decay);
  torch::sqrt_out(denom_, exp_avg_sq_);
  denom_.div_(std::sqrt(bc2)).add_(c.eps);
  flat_.params.addcdiv_(exp_avg_, denom_, -lr / bc1);
}

torch::Tensor clip_grad_norm(const torch::Tensor& grads, double max_norm) {
  torch::NoGradGuard no_grad;
  auto norm = grads.norm();  // device scalar; no .item() here
  if (max_norm > 0) grads.mul_((max_norm / (norm + 1e-6)).clamp_max(1.0));
  return norm;
}
}  // namespace sl
