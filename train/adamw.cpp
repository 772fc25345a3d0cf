#include "train/adamw.h"

#include <cmath>
#include <stdexcept>

#include "model/torch_compat.h"

namespace sl {
FlatAdamW::FlatAdamW(const FlatParams& flat, const OptimConfig& config, double hidden_lr_mult)
    : flat_(flat), config_(config) {
  if (hidden_lr_mult != 1.0 && flat.n_hidden == 0) {
    throw std::invalid_argument(
        "FlatAdamW: a hidden learning-rate multiplier needs the parameters flattened with the "
        "hidden matrices first (FlatLayout::kHiddenFirst)");
  }
  exp_avg_ = torch::zeros_like(flat.params);
  exp_avg_sq_ = torch::zeros_like(flat.params);
  fused_ = fused_adamw_available(flat.params.device());
  if (!fused_) denom_ = torch::empty_like(flat.params);
  // [hidden matrices][other matrices][gains and biases]; neighbours with equal settings merge, so
  // sp is the two segments (decayed, not) it always was.
  const int64_t total = flat.params.numel(), nh = hidden_lr_mult != 1.0 ? flat.n_hidden : 0;
  const Segment parts[3] = {{0, nh, hidden_lr_mult, config.weight_decay, {}},
                            {nh, flat.n_decayed - nh, 1.0, config.weight_decay, {}},
                            {flat.n_decayed, total - flat.n_decayed, 1.0, 0.0, {}}};
  for (const Segment& p : parts) {
    if (p.length == 0) continue;
    if (!segments_.empty() && segments_.back().lr_mult == p.lr_mult &&
        segments_.back().weight_decay == p.weight_decay) {
      segments_.back().length += p.length;
    } else {
      segments_.push_back(p);
    }
  }
  if (fused_)
    for (Segment& s : segments_) s.fused_step = torch::zeros({}, flat.params.options());
}

void FlatAdamW::load_state(const torch::Tensor& exp_avg, const torch::Tensor& exp_avg_sq,
                           int64_t step) {
  torch::NoGradGuard no_grad;
  exp_avg_.copy_(exp_avg);
  exp_avg_sq_.copy_(exp_avg_sq);
  step_ = step;
  if (fused_)
    for (Segment& s : segments_) s.fused_step.fill_(static_cast<double>(step));
}

void FlatAdamW::step(double lr) {
  torch::NoGradGuard no_grad;
  ++step_;
  const OptimConfig& c = config_;
  auto part = [](const torch::Tensor& t, const Segment& s) {
    return t.narrow(0, s.offset, s.length);
  };
  if (fused_) {
    // One call per segment (only matrices decay; muP's hidden lr); the kernel increments its step
    // tensors itself.
    for (const Segment& s : segments_) {
      fused_adamw_step({part(flat_.params, s)}, {part(flat_.grads, s)}, {part(exp_avg_, s)},
                       {part(exp_avg_sq_, s)}, {s.fused_step}, lr * s.lr_mult, c.beta1, c.beta2,
                       s.weight_decay, c.eps);
    }
    return;
  }
  const double bc1 = 1.0 - std::pow(c.beta1, static_cast<double>(step_));
  const double bc2 = 1.0 - std::pow(c.beta2, static_cast<double>(step_));
  exp_avg_.lerp_(flat_.grads, 1.0 - c.beta1);
  exp_avg_sq_.mul_(c.beta2).addcmul_(flat_.grads, flat_.grads, 1.0 - c.beta2);
  for (const Segment& s : segments_)
    if (s.weight_decay > 0) part(flat_.params, s).mul_(1.0 - lr * s.lr_mult * s.weight_decay);
  torch::sqrt_out(denom_, exp_avg_sq_);
  denom_.div_(std::sqrt(bc2)).add_(c.eps);
  if (segments_.size() <= 2 && segments_.front().lr_mult == 1.0) {  // sp: one op for the buffer
    flat_.params.addcdiv_(exp_avg_, denom_, -lr / bc1);
    return;
  }
  for (const Segment& s : segments_)
    part(flat_.params, s).addcdiv_(part(exp_avg_, s), part(denom_, s), -lr * s.lr_mult / bc1);
}

torch::Tensor clip_grad_norm(const torch::Tensor& grads, double max_norm) {
  torch::NoGradGuard no_grad;
  auto norm = grads.norm();  // device scalar; no .item() here
  if (max_norm > 0) grads.mul_((max_norm / (norm + 1e-6)).clamp_max(1.0));
  return norm;
}
}  // namespace sl
