// Muon (train/muon.h): the Newton-Schulz iteration against the same polynomial applied to an SVD's
// singular values, its output's singular values inside the quintic's band, and one FlatMuon step on
// a flat buffer against a per-matrix reference written here in float64 from the SVD.
#include "train/muon.h"

#include <gtest/gtest.h>

#include <cmath>

#include "train/flat_params.h"
#include "train/optimizer.h"

namespace sl {
namespace {
// The reference's quintic applied `steps` times to singular values already divided by ||G||_F.
torch::Tensor quintic(torch::Tensor s, int steps) {
  for (int i = 0; i < steps; ++i) s = 3.4445 * s - 4.7750 * s.pow(3) + 2.0315 * s.pow(5);
  return s;
}

// NS5(G) computed from the SVD: U diag(quintic^5(s / ||G||_F)) V^T, float64.
torch::Tensor newton_schulz_from_svd(const torch::Tensor& g) {
  auto [u, s, vh] = torch::linalg_svd(g.to(torch::kDouble), /*full_matrices=*/false, {});
  const double fro = g.to(torch::kDouble).norm().item<double>() + 1e-7;
  return torch::mm(u * quintic(s / fro, 5).unsqueeze(0), vh);  // (rows, cols)
}

torch::Tensor singular_values(const torch::Tensor& m) {
  return torch::linalg_svdvals(m.to(torch::kDouble), {});
}

TEST(NewtonSchulz, EqualsTheQuinticAppliedToTheSingularValues) {
  torch::manual_seed(3);
  for (auto shape : {std::pair<int64_t, int64_t>{24, 40}, {40, 24}, {32, 32}}) {
    auto g = torch::randn({shape.first, shape.second}, torch::kDouble);
    auto ours = newton_schulz_orthogonalize(g, 5, torch::kDouble).to(torch::kDouble);
    auto want = newton_schulz_from_svd(g);
    EXPECT_LT((ours - want).abs().max().item<double>(), 1e-5) << shape.first << "x" << shape.second;
    EXPECT_EQ(ours.sizes(), g.sizes());
  }
}

// The quintic maps every normalised singular value in [0.005, 1] into [0.6818, 1.1344] (computed
// from the polynomial on a grid of 1e5 points). Matrices whose spectrum stays in that range after
// dividing by ||G||_F: Gaussian rectangular ones of a small model's weight shapes (their smallest
// singular value is far from 0), the same with one strong direction on top, and a square one with
// a log-uniform spectrum over a condition number of 50. float32 (CPU) and bf16 (CUDA's dtype, here
// on the CPU: rounding widens the band by about 1%). A square Gaussian matrix, whose smallest
// singular values approach 0, is outside the band's premise: 5 steps leave those below 0.68.
TEST(NewtonSchulz, SingularValuesLieInTheQuinticBand) {
  torch::manual_seed(5);
  std::vector<torch::Tensor> inputs;
  for (auto shape : {std::pair<int64_t, int64_t>{96, 32}, {32, 96}, {128, 32}, {48, 192}}) {
    auto g = torch::randn({shape.first, shape.second});
    inputs.push_back(g);
    inputs.push_back(g +
                     8.0 * torch::outer(torch::randn({shape.first}), torch::randn({shape.second})));
  }
  {
    auto q1 = std::get<0>(torch::linalg_qr(torch::randn({64, 64}), "reduced"));
    auto q2 = std::get<0>(torch::linalg_qr(torch::randn({64, 64}), "reduced"));
    auto spectrum = torch::exp(torch::linspace(0.0, -std::log(50.0), 64));  // 1 .. 1/50
    inputs.push_back(torch::mm(q1 * spectrum.unsqueeze(0), q2.t()));
  }
  for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
    const double lo = dtype == torch::kFloat ? 0.68 : 0.67;
    const double hi = dtype == torch::kFloat ? 1.14 : 1.15;
    for (const auto& m : inputs) {
      auto s = singular_values(newton_schulz_orthogonalize(m, 5, dtype));
      const std::string what = std::to_string(m.size(0)) + "x" + std::to_string(m.size(1));
      EXPECT_GE(s.min().item<double>(), lo) << what;
      EXPECT_LE(s.max().item<double>(), hi) << what;
      // Without the iteration the spectrum is far outside the band: the test can fail.
      auto raw = singular_values(m / m.norm());
      EXPECT_LT(raw.min().item<double>(), lo) << what;
    }
  }
}

struct TinyNet : torch::nn::Module {
  // Named as the GPT's modules are: "blocks." matrices are Muon's, the rest AdamW's.
  torch::nn::Linear fc{nullptr}, proj{nullptr};
  torch::nn::Embedding wte{nullptr};
  torch::Tensor gain;
  TinyNet() {
    auto blocks = register_module("blocks", torch::nn::ModuleList());
    fc = torch::nn::Linear(torch::nn::LinearOptions(8, 24).bias(false));
    proj = torch::nn::Linear(torch::nn::LinearOptions(24, 8).bias(true));
    blocks->push_back(fc);
    blocks->push_back(proj);
    wte = register_module("wte", torch::nn::Embedding(10, 8));
    gain = register_parameter("gain", torch::ones({8}));
  }
};

TEST(FlatParams, MuonLayoutPutsTheHiddenMatricesFirst) {
  TinyNet net;
  FlatParams flat = flatten_parameters(net, FlatLayout::kMuon);
  ASSERT_EQ(flat.muon_matrices.size(), 2u);
  EXPECT_EQ(flat.muon_matrices[0].name, "blocks.0.weight");
  EXPECT_EQ(flat.muon_matrices[0].offset, 0);
  EXPECT_EQ(flat.muon_matrices[0].rows, 24);
  EXPECT_EQ(flat.muon_matrices[1].offset, 192);
  EXPECT_EQ(flat.n_muon, 2 * 192);
  EXPECT_EQ(flat.n_decayed, 2 * 192 + 80);  // + the embedding
  EXPECT_EQ(flat.params.numel(), 2 * 192 + 80 + 8 + 8);
  EXPECT_EQ(flat.adamw_part().params.numel(), 96);
  EXPECT_EQ(flat.adamw_part().n_decayed, 80);
  EXPECT_TRUE(net.fc->weight.data_ptr() == flat.params.data_ptr());
}

// Two FlatMuon steps against a float64 reference per matrix (EMA momentum, Nesterov, SVD-form NS5,
// decoupled decay, max(1, rows/cols)^0.5); the AdamW part is untouched by Muon.
TEST(FlatMuon, StepsMatchAPerMatrixReference) {
  torch::manual_seed(11);
  TinyNet net;
  FlatParams flat = flatten_parameters(net, FlatLayout::kMuon);
  OptimConfig o;
  o.name = "muon";
  o.muon_momentum = 0.9;
  o.muon_weight_decay = 0.5;
  FlatMuon muon(flat, o);
  std::vector<torch::Tensor> w, buf;
  for (const FlatMatrix& m : flat.muon_matrices) {
    w.push_back(
        flat.params.narrow(0, m.offset, m.rows * m.cols).view({m.rows, m.cols}).to(torch::kDouble));
    buf.push_back(torch::zeros({m.rows, m.cols}, torch::kDouble));
  }
  const torch::Tensor rest_before = flat.params.narrow(0, flat.n_muon, 96).clone();
  const double lrs[2] = {0.05, 0.03};
  for (double lr : lrs) {
    flat.grads.copy_(torch::randn({flat.grads.numel()}));
    muon.step(lr);
    for (size_t i = 0; i < w.size(); ++i) {
      const FlatMatrix& m = flat.muon_matrices[i];
      auto g =
          flat.grads.narrow(0, m.offset, m.rows * m.cols).view({m.rows, m.cols}).to(torch::kDouble);
      buf[i] = 0.9 * buf[i] + 0.1 * g;
      auto update = 0.9 * buf[i] + 0.1 * g;  // Nesterov
      const double scale = std::sqrt(std::max(1.0, static_cast<double>(m.rows) / m.cols));
      w[i] = w[i] * (1 - lr * 0.5) - lr * scale * newton_schulz_from_svd(update);
    }
  }
  for (size_t i = 0; i < w.size(); ++i) {
    const FlatMatrix& m = flat.muon_matrices[i];
    auto ours = flat.params.narrow(0, m.offset, m.rows * m.cols).view({m.rows, m.cols});
    EXPECT_LT((ours.to(torch::kDouble) - w[i]).abs().max().item<double>(), 2e-5) << m.name;
  }
  EXPECT_TRUE(torch::equal(flat.params.narrow(0, flat.n_muon, 96), rest_before));
  // The momentum buffer is the checkpoint's state: reloading it reproduces the next step exactly.
  EXPECT_LT((muon.momentum().narrow(0, 0, 192).view({24, 8}).to(torch::kDouble) - buf[0])
                .abs()
                .max()
                .item<double>(),
            1e-6);
}

TEST(FlatMuon, NeedsTheMuonLayout) {
  TinyNet net;
  FlatParams flat = flatten_parameters(net);  // kAdamW
  OptimConfig o;
  o.name = "muon";
  EXPECT_THROW(FlatOptimizer(flat, o), std::invalid_argument);
}
}  // namespace
}  // namespace sl
