#include "train/muon.h"

#include <algorithm>
#include <cmath>

namespace sl {
torch::ScalarType newton_schulz_dtype(const torch::Device& device) {
  return device.is_cuda() ? torch::kBFloat16 : torch::kFloat;
}

torch::Tensor newton_schulz_orthogonalize(const torch::Tensor& g, int steps,
                                          torch::ScalarType dtype) {
  constexpr double a = 3.4445, b = -4.7750, c = 2.0315;
  torch::NoGradGuard no_grad;
  const bool tall = g.size(0) > g.size(1);
  torch::Tensor x = (tall ? g.t() : g).to(dtype);  // (r, k), r <= k
  x = x / (x.norm() + 1e-7);                       // every singular value now <= 1
  for (int i = 0; i < steps; ++i) {
    torch::Tensor gram = torch::mm(x, x.t());                   // (r, r)
    torch::Tensor poly = torch::addmm(gram, gram, gram, b, c);  // b A + c A^2, (r, r)
    x = torch::addmm(x, poly, x, a, 1.0);                       // a X + poly X, (r, k)
  }
  return (tall ? x.t() : x).to(torch::kFloat).contiguous();
}

FlatMuon::FlatMuon(const FlatParams& flat, const OptimConfig& config)
    : flat_(flat), config_(config), ns_dtype_(newton_schulz_dtype(flat.params.device())) {
  if (flat.n_muon == 0 || flat.muon_matrices.empty()) {
    throw std::invalid_argument(
        "FlatMuon needs the parameters flattened in layout kMuon with at least one hidden matrix");
  }
  momentum_ = torch::zeros({flat.n_muon}, flat.params.options());
  update_ = torch::empty_like(momentum_);
}

void FlatMuon::load_state(const torch::Tensor& momentum) {
  torch::NoGradGuard no_grad;
  momentum_.copy_(momentum);
}

void FlatMuon::step(double lr) {
  torch::NoGradGuard no_grad;
  const OptimConfig& c = config_;
  const double mu = c.muon_momentum;
  torch::Tensor grads = flat_.grads.narrow(0, 0, flat_.n_muon);
  torch::Tensor params = flat_.params.narrow(0, 0, flat_.n_muon);
  momentum_.lerp_(grads, 1.0 - mu);
  if (c.muon_nesterov) {
    update_.copy_(grads).lerp_(momentum_, mu);
  } else {
    update_.copy_(momentum_);
  }
  if (c.muon_weight_decay > 0) params.mul_(1.0 - lr * c.muon_weight_decay);
  for (const FlatMatrix& m : flat_.muon_matrices) {
    const int64_t n = m.rows * m.cols;
    torch::Tensor u = update_.narrow(0, m.offset, n).view({m.rows, m.cols});
    torch::Tensor o = newton_schulz_orthogonalize(u, kNewtonSchulzSteps, ns_dtype_);
    const double shape_scale =
        std::sqrt(std::max(1.0, static_cast<double>(m.rows) / static_cast<double>(m.cols)));
    params.narrow(0, m.offset, n).add_(o.view({n}), -lr * shape_scale);
  }
}
}  // namespace sl
