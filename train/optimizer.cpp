#include "train/optimizer.h"

namespace sl {
FlatLayout flat_layout_for(const OptimConfig& config) {
  return config.name == "muon" ? FlatLayout::kMuon : FlatLayout::kAdamW;
}

FlatOptimizer::FlatOptimizer(const FlatParams& flat, const OptimConfig& config)
    : config_(config), adamw_(flat.adamw_part(), config) {
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
