// AdamW over flat storage (Loshchilov & Hutter; the same update as torch.optim.AdamW):
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr wd p (decayed part only);
//   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
// On CPU: a few vectorised ops over the whole buffer. On CUDA with LibTorch 2.x: the fused kernel.
// Gradient clipping by global norm without a host sync.
// Per-group learning rates (muP): the hidden matrices, params[0 : n_hidden] of a kHiddenFirst
// buffer, step at lr * hidden_lr_mult (and decay at lr * hidden_lr_mult * wd, as torch's AdamW with
// a per-group lr does). The buffer is cut into at most three segments of equal (lr multiplier,
// weight decay), each updated by the same vectorised ops, so the moments stay whole buffers and a
// checkpoint is unchanged.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "train/flat_params.h"
#include "train/train_config.h"

namespace sl {
class FlatAdamW {
 public:
  // hidden_lr_mult != 1 needs the hidden matrices first (flat.n_hidden > 0): std::invalid_argument
  // otherwise.
  FlatAdamW(const FlatParams& flat, const OptimConfig& config, double hidden_lr_mult = 1.0);
  void step(double lr);  // one update with the current gradients
  // State for checkpoints: exp_avg, exp_avg_sq (same layout as the parameters) and the step count.
  torch::Tensor exp_avg() const { return exp_avg_; }
  torch::Tensor exp_avg_sq() const { return exp_avg_sq_; }
  void load_state(const torch::Tensor& exp_avg, const torch::Tensor& exp_avg_sq, int64_t step);

 private:
  FlatParams flat_;
  OptimConfig config_;
  // A run of the buffer with one learning-rate multiplier and one weight decay.
  struct Segment {
    int64_t offset, length;
    double lr_mult, weight_decay;
    torch::Tensor fused_step;  // the fused kernel's step counter for this segment
  };
  std::vector<Segment> segments_;
  torch::Tensor exp_avg_, exp_avg_sq_, denom_;
  bool fused_ = false;
  int64_t step_ = 0;
};

// Scales grads so their global L2 norm is at most max_norm; returns the norm before clipping as a
// device scalar (read it only when logging). max_norm <= 0 only measures.
torch::Tensor clip_grad_norm(const torch::Tensor& grads, double max_norm);
}  // namespace sl
