// muP's training side: the hidden matrices' Adam learning rate is lr / m (layout kHiddenFirst, one
// segment of the flat buffer), Muon's multiplier is 1 because its update already has muP's
// spectral scale at every width, and the coordinate check: RMS of the logits and the last block
// bounded across widths under muP, growing under SP (the numbers as a test).
#include <gtest/gtest.h>

#include <cmath>

#include "model/gpt.h"
#include "train/coord_check.h"
#include "train/flat_params.h"
#include "train/optimizer.h"
#include "train/train_step.h"

namespace sl {
namespace {
GptConfig model_at(int d_model, const std::string& parametrization, int base_width) {
  GptConfig c;
  c.n_layer = 2;
  c.d_model = d_model;
  c.n_head = 4;
  c.ctx = 16;
  c.vocab = 48;
  c.parametrization = parametrization;
  c.base_width = base_width;
  return c;
}

TEST(MupOptimizer, HiddenMatricesStepAtLrOverM) {
  const GptConfig c = model_at(64, "mup", 16);  // m = 4
  OptimConfig o;
  o.lr = 1e-3;
  o.weight_decay = 0;
  o.eps = 1e-12;
  ASSERT_EQ(flat_layout_for(o, c), FlatLayout::kHiddenFirst);
  ASSERT_DOUBLE_EQ(hidden_adam_lr_mult(o, c), 0.25);
  torch::manual_seed(1);
  Gpt m(c);
  FlatParams flat = flatten_parameters(*m, flat_layout_for(o, c));
  int64_t hidden = 0;
  for (const auto& item : m->named_parameters())
    if (is_hidden_matrix(item.key(), item.value())) hidden += item.value().numel();
  ASSERT_EQ(flat.n_hidden, hidden);
  FlatOptimizer opt(flat, o, hidden_adam_lr_mult(o, c));
  const torch::Tensor before = flat.params.clone();
  flat.grads.copy_(torch::randn({flat.grads.numel()}));
  opt.step(o.lr);
  // Adam's first step moves every coordinate by lr * g / |g| (bias-corrected, eps negligible).
  auto moved = (flat.params - before).abs();
  const int64_t rest = flat.params.numel() - hidden;
  // Tolerance: float32 rounding of the parameters (a gain of 1.0 has ulp 1.2e-7).
  EXPECT_NEAR(moved.narrow(0, 0, hidden).min().item<double>(), 0.25 * o.lr, 2e-7);
  EXPECT_NEAR(moved.narrow(0, 0, hidden).max().item<double>(), 0.25 * o.lr, 2e-7);
  EXPECT_NEAR(moved.narrow(0, hidden, rest).min().item<double>(), o.lr, 2e-7);
  EXPECT_NEAR(moved.narrow(0, hidden, rest).max().item<double>(), o.lr, 2e-7);
  // sp keeps the one-segment layout and lr everywhere.
  const GptConfig sp = model_at(64, "sp", 16);
  EXPECT_EQ(flat_layout_for(o, sp), FlatLayout::kAdamW);
  EXPECT_DOUBLE_EQ(hidden_adam_lr_mult(o, sp), 1.0);
}

TEST(MupOptimizer, AHiddenMultiplierNeedsTheHiddenFirstLayout) {
  torch::manual_seed(2);
  Gpt m(model_at(32, "mup", 16));
  FlatParams flat = flatten_parameters(*m);  // kAdamW: no hidden segment
  EXPECT_THROW(FlatAdamW(flat, OptimConfig{}, 0.5), std::invalid_argument);
}

// Under muon the hidden matrices are Muon's, at multiplier 1: the spectral norm of a step over
// sqrt(max(1, rows / cols)) is the same at widths 64 and 256 (NS5 lands singular values in a band
// around 1), which is muP's condition ||dW|| ~ sqrt(fan_out / fan_in) with nothing to rescale.
TEST(MupOptimizer, MuonUpdatesHaveMupsSpectralScaleAtEveryWidth) {
  OptimConfig o;
  o.name = "muon";
  o.muon_weight_decay = 0;
  std::vector<double> per_width;
  for (int width : {64, 256}) {
    const GptConfig c = model_at(width, "mup", 64);
    ASSERT_EQ(flat_layout_for(o, c), FlatLayout::kMuon);
    ASSERT_DOUBLE_EQ(hidden_adam_lr_mult(o, c), 1.0);
    torch::manual_seed(3);
    Gpt m(c);
    FlatParams flat = flatten_parameters(*m, flat_layout_for(o, c));
    FlatOptimizer opt(flat, o, hidden_adam_lr_mult(o, c));
    const torch::Tensor before = flat.params.clone();
    flat.grads.copy_(torch::randn({flat.grads.numel()}));
    opt.step(o.lr);
    double lo = 1e9, hi = 0;
    for (const FlatMatrix& mat : flat.muon_matrices) {
      const int64_t n = mat.rows * mat.cols;
      auto d = (flat.params - before).narrow(0, mat.offset, n).view({mat.rows, mat.cols});
      const double spectral = torch::linalg_matrix_norm(d.to(torch::kDouble), 2).item<double>();
      const double shape = std::sqrt(std::max(1.0, static_cast<double>(mat.rows) / mat.cols));
      const double ratio = spectral / (o.muon_lr * shape);
      lo = std::min(lo, ratio);
      hi = std::max(hi, ratio);
    }
    // NS5's band: singular values in about [0.7, 1.2].
    EXPECT_GT(lo, 0.6) << "width " << width;
    EXPECT_LT(hi, 1.3) << "width " << width;
    per_width.push_back(hi);
  }
  EXPECT_NEAR(per_width[1] / per_width[0], 1.0, 0.15);
}

// Batches with a learnable rule (the next token is a fixed function of the current one), the same
// for every width.
std::function<Batch(int)> rule_batches(int vocab, int ctx) {
  return [=](int step) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(100 + step);
    auto x = torch::randint(0, vocab, {8, ctx}, gen, torch::kLong);
    return Batch{x, (x * 7 + 3).remainder(vocab)};
  };
}

TrainConfig coord_config(const std::string& parametrization) {
  TrainConfig cfg;
  cfg.model = model_at(32, parametrization, parametrization == "mup" ? 32 : 0);
  cfg.model.ctx = 32;
  cfg.optim.lr = 1e-2;
  cfg.optim.weight_decay = 0;
  cfg.train.seed = 1;
  return cfg;
}

// Widths 32 -> 256 (m = 8), 5 Adam steps at lr 1e-2. Measured, RMS at width 256 over width 32 after
// 5 steps: the last block's output 50.5 under sp, 0.81 under mup; the logits 2.50 under sp, 0.80
// under mup. The bounds leave margins: the last block > 10 under sp, the logits > 2; both within
// [0.5, 1.5] under mup.
TEST(CoordCheck, MupKeepsActivationsFlatAcrossWidthAndSpDoesNot) {
  const std::vector<int> widths{32, 64, 128, 256};
  const int steps = 5;
  auto sp = run_coord_check(coord_config("sp"), widths, steps, rule_batches(48, 32));
  auto mup = run_coord_check(coord_config("mup"), widths, steps, rule_batches(48, 32));
  ASSERT_TRUE(sp.ok()) << sp.status().message();
  ASSERT_TRUE(mup.ok()) << mup.status().message();
  ASSERT_EQ(sp->size(), widths.size() * (steps + 1) * 4);  // embedding, 2 blocks, logits
  struct Bound {
    const char* module;
    double sp_above;
  };
  for (const Bound b : {Bound{"block.1", 10.0}, Bound{"logits", 2.0}}) {
    const double g_sp = *coord_check_growth(*sp, b.module, steps);
    const double g_mup = *coord_check_growth(*mup, b.module, steps);
    std::printf("%s: RMS at width 256 / width 32 after %d steps: sp %.3f, mup %.3f\n", b.module,
                steps, g_sp, g_mup);
    EXPECT_GT(g_mup, 0.5) << b.module;
    EXPECT_LT(g_mup, 1.5) << b.module;
    EXPECT_GT(g_sp, b.sp_above) << b.module;
  }
  // At init both are the same model at width 32 (base width 32): identical numbers.
  EXPECT_DOUBLE_EQ((*sp)[0].rms, (*mup)[0].rms);
  std::printf("%s", coord_check_table(*mup).c_str());
}

TEST(CoordCheck, WidthsThatNHeadDoesNotDivideAreRefusedBeforeTraining) {
  auto r = run_coord_check(coord_config("mup"), {32, 34}, 2, rule_batches(48, 32));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("width 34"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("n_head"), std::string::npos);
  EXPECT_FALSE(run_coord_check(coord_config("mup"), {32}, 2, rule_batches(48, 32)).ok());
}
}  // namespace
}  // namespace sl
