#include "train/flat_params.h"

namespace sl {
bool is_hidden_matrix(const std::string& name, const torch::Tensor& p) {
  return p.dim() == 2 && name.rfind("blocks.", 0) == 0;
}

FlatParams FlatParams::adamw_part() const {
  FlatParams part;
  const int64_t rest = params.numel() - n_muon;
  part.params = params.narrow(0, n_muon, rest);
  part.grads = grads.narrow(0, n_muon, rest);
  part.n_decayed = n_decayed - n_muon;
  part.n_hidden = n_hidden - n_muon;
  return part;
}

FlatParams flatten_parameters(torch::nn::Module& module, FlatLayout layout) {
  auto named = module.named_parameters(/*recurse=*/true);
  // kAdamW: pass 0 decayed matrices, pass 1 the rest. kMuon and kHiddenFirst: pass 0 hidden
  // matrices, pass 1 the other matrices, pass 2 the rest.
  auto pass_of = [&](const std::string& name, const torch::Tensor& p) {
    const bool matrix = p.dim() >= 2;
    if (layout == FlatLayout::kAdamW) return matrix ? 0 : 1;
    if (is_hidden_matrix(name, p)) return 0;
    return matrix ? 1 : 2;
  };
  std::vector<std::pair<std::string, torch::Tensor>> order;
  for (int pass = 0; pass < 3; ++pass) {
    for (const auto& item : named)
      if (pass_of(item.key(), item.value()) == pass) order.emplace_back(item.key(), item.value());
  }
  int64_t total = 0;
  FlatParams flat;
  for (const auto& [name, p] : order) {
    if (layout != FlatLayout::kAdamW && is_hidden_matrix(name, p)) flat.n_hidden += p.numel();
    if (layout == FlatLayout::kMuon && is_hidden_matrix(name, p)) {
      flat.muon_matrices.push_back({name, total, p.size(0), p.size(1)});
      flat.n_muon += p.numel();
    }
    total += p.numel();
    if (p.dim() >= 2) flat.n_decayed += p.numel();
  }
  auto opts = order.front().second.options().requires_grad(false);
  flat.params = torch::empty({total}, opts);
  flat.grads = torch::zeros({total}, opts);
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (auto& [name, p] : order) {
    const int64_t n = p.numel();
    auto view = flat.params.narrow(0, offset, n).view(p.sizes());
    view.copy_(p);
    p.set_data(view);
    p.mutable_grad() = flat.grads.narrow(0, offset, n).view(p.sizes());
    offset += n;
  }
  return flat;
}
}  // namespace sl
