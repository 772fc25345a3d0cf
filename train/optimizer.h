// The trainer's optimizer, chosen by optim.name:
//   adamw: FlatAdamW over every parameter (train/adamw.h).
//   muon:  FlatMuon on the hidden matrices (attention and MLP weights, train/muon.h) and FlatAdamW
//          on the rest (embeddings, lm_head, gains and biases), as nanochat and modded-nanogpt do.
// One learning-rate schedule drives both: step(lr) takes AdamW's lr (optim.lr times the schedule's
// factor), and Muon steps at optim.muon_lr times the same factor.
#pragma once
#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>

#include "train/adamw.h"
#include "train/flat_params.h"
#include "train/muon.h"
#include "train/train_config.h"

namespace sl {
// The flat layout optim.name needs (kMuon for muon).
FlatLayout flat_layout_for(const OptimConfig& config);

class FlatOptimizer {
 public:
  // `flat` in flat_layout_for(config)'s layout.
  FlatOptimizer(const FlatParams& flat, const OptimConfig& config);
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
