// The trainer's optimizer, chosen by optim.name:
//   adamw: FlatAdamW over every parameter (train/adamw.h).
//   muon:  FlatMuon on the hidden matrices (attention and MLP weights, train/muon.h) and FlatAdamW
//          on the rest (embeddings, lm_head, gains and biases), as nanochat and modded-nanogpt do.
// One learning-rate schedule drives both: step(lr) takes AdamW's lr (optim.lr times the schedule's
// factor), and Muon steps at optim.muon_lr times the same factor.
// muP (model.parametrization: mup, m = d_model / base_width): under adamw the hidden matrices step
// at lr / m (layout kHiddenFirst); under muon they are Muon's, whose update is orthogonalised and
// scaled by max(1, rows / cols)^0.5, so its spectral norm already has muP's width scaling
// (sqrt(fan_out / fan_in)): Muon's multiplier is 1 and muon_lr transfers as it is. The rest
// (embeddings, head, gains, biases) keeps lr under both.
#pragma once
#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>

#include "model/config.h"
#include "train/adamw.h"
#include "train/flat_params.h"
#include "train/muon.h"
#include "train/train_config.h"

namespace sl {
// The flat layout optim.name and the parametrization need: kMuon for muon, kHiddenFirst for adamw
// under muP away from its base width, kAdamW otherwise.
FlatLayout flat_layout_for(const OptimConfig& config, const GptConfig& model);
// The Adam learning-rate multiplier of the hidden matrices: 1 / m under muP with adamw, else 1.
double hidden_adam_lr_mult(const OptimConfig& config, const GptConfig& model);

class FlatOptimizer {
 public:
  // `flat` in flat_layout_for(config, model)'s layout; hidden_lr_mult: hidden_adam_lr_mult.
  FlatOptimizer(const FlatParams& flat, const OptimConfig& config, double hidden_lr_mult = 1.0);
  void step(double lr);
  // The state a checkpoint carries, by name: exp_avg and exp_avg_sq (AdamW's part of the buffer),
  // and under muon, muon_momentum (the hidden matrices' part).
  std::map<std::string, torch::Tensor> state() const;
  // Restores state() from tensors of the same names and sizes, and the step count.
  void load_state(const std::map<std::string, torch::Tensor>& state, int64_t step);

 private:
  OptimConfig config_;
  FlatAdamW adamw_;
  std::optional<FlatMuon> muon_;
};
}  // namespace sl
