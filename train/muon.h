// Muon (Keller Jordan 2024; as in modded-nanogpt and nanochat) over the hidden matrices of a flat
// buffer (train/flat_params.h, layout kMuon), one matrix at a time:
//   buf = mu buf + (1 - mu) g                          momentum (an EMA, as the reference)
//   u   = nesterov ? mu buf + (1 - mu) g : buf
//   O   = NS5(u)                                       ~ U V^T of u = U S V^T (orthogonalised)
//   p  *= 1 - lr wd;   p -= lr max(1, rows / cols)^0.5 O
// NS5: u / ||u||_F, transposed when tall (rows > cols) so X X^T is the small Gram matrix, then five
// steps of X <- a X + (b A + c A^2) X with A = X X^T and the reference's quintic coefficients
// (a, b, c) = (3.4445, -4.7750, 2.0315): they push every singular value in (0, 1] quickly towards
// a band around 1 (not exactly onto 1: the band is the price of speed). bf16 on CUDA, float32 on
// the CPU (whose bf16 matmul is slow and no more useful). tests/python/muon_reference_test.py
// replays FlatMuon's steps through torch.optim.Muon (docs/train.md "Optimizers").
#pragma once
#include <torch/torch.h>

#include "train/flat_params.h"
#include "train/train_config.h"

namespace sl {
// The reference's quintic Newton-Schulz iteration on a (rows, cols) matrix, computed in `dtype`;
// returns float32 of g's shape.
torch::Tensor newton_schulz_orthogonalize(const torch::Tensor& g, int steps,
                                          torch::ScalarType dtype);
// The dtype Muon's iteration runs in on `device`: bf16 on CUDA, float32 elsewhere.
torch::ScalarType newton_schulz_dtype(const torch::Device& device);

class FlatMuon {
 public:
  static constexpr int kNewtonSchulzSteps = 5;
  // `flat` in layout kMuon. Keys: optim.muon_momentum, muon_nesterov, muon_weight_decay.
  FlatMuon(const FlatParams& flat, const OptimConfig& config);
  void step(double lr);  // lr: optim.muon_lr times the schedule's factor at this step
  // State for checkpoints: the momentum buffers, params[0 : n_muon]'s layout.
  torch::Tensor momentum() const { return momentum_; }
  void load_state(const torch::Tensor& momentum);

 private:
  FlatParams flat_;
  OptimConfig config_;
  torch::Tensor momentum_, update_;  // (n_muon) each
  torch::ScalarType ns_dtype_;
};
}  // namespace sl
