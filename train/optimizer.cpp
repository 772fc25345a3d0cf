#include "train/optimizer.h"

namespace sl {
FlatLayout flat_layout_for(const OptimConfig& config, const GptConfig& model) {
  if (config.name == "muon") return FlatLayout::kMuon;
  return hidden_adam_lr_mult(config, model) != 1.0 ? FlatLayout::kHiddenFirst : FlatLayout::kAdamW;
}

double hidden_adam_lr_mult(const OptimConfig& config, const GptConfig& model) {
  return config.name == "muon" ? 1.0 : model.hidden_lr_mult();
}

FlatOptimizer::FlatOptimizer(const FlatParams& flat, const OptimConfig& config,
                             double hidden_lr_mult)
    : config_(config), adamw_(flat.adamw_part(), config, hidden_lr_mult) {
  if (config.name == "muon") muon_.emplace(flat, config);
}

void FlatOptimizer::step(double lr) {
  adamw_.step(lr);
  if (muon_) muon_->step(config_.muon_lr * (lr / config_.lr));
}

std::map<std::string, torch::Tensor> FlatOptimizer::state() const {
  std::map<std::string, torch::Tensor> out{{"exp_avg", adamw_.exp_avg()},
                                           {"exp_avg_sq", adamw_.exp_avg_sq()}};
  if (muon_) out["muon_momentum"] = muon_->momentum();
  return out;
}

void FlatOptimizer::load_state(const std::map<std::string, torch::Tensor>& state, int64_t step) {
  adamw_.load_state(state.at("exp_avg"), state.at("exp_avg_sq"), step);
  if (muon_) muon_->load_state(state.at("muon_momentum"));
}
}  // namespace sl
