#include "train/flat_params.h"

namespace sl {
FlatParams flatten_parameters(torch::nn::Module& module) {
  auto named = module.named_parameters(/*recurse=*/true);
  std::vector<std::pair<std::string, torch::Tensor>> order;
  for (int pass = 0; pass < 2; ++pass) {  // pass 0: decayed matrices, pass 1: the rest
    for (const auto& item : named) {
      bool decayed = item.value().dim() >= 2;
      if (decayed == (pass == 0)) order.emplace_back(item.key(), item.value());
    }
  }
  int64_t total = 0;
  FlatParams flat;
  for (const auto& [name, p] : order) {
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
