// The noise floor, the design forecast and the diagnostics: the pooled seed sd is exact on known
// replicates; the Huber variance factor has its two limits; the forecast SE matches the spread of
// real refits on simulated data; a grid that cannot see beta is told so, with the runs that would.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "fit/fit_design.h"
#include "fit/fit_diagnostics.h"
#include "fit/seed_noise.h"
#include "tests/fit/synthetic.h"

namespace sl {
namespace {
using testing::synthetic_points;
using testing::synthetic_truth;

ScalingPoint point(double n, double d, double loss, std::string cell = "") {
  ScalingPoint p;
  p.n = n;
  p.d = d;
  p.c = 6 * n * d;
  p.loss = loss;
  p.cell = std::move(cell);
  return p;
}

TEST(SeedNoise, PooledWithinCellSdOfLogLoss) {
  // Cell 1: log losses log 2 +- 0.01; cell 2: three runs; a lone run and another configuration
  // (different cell) of the same N and D add nothing.
  std::vector<ScalingPoint> pts{
      point(1e5, 1e6, 2 * std::exp(0.01)),  point(1e5, 1e6, 2 * std::exp(-0.01)),
      point(2e5, 1e6, 3 * std::exp(0.02)),  point(2e5, 1e6, 3),
      point(2e5, 1e6, 3 * std::exp(-0.02)), point(4e5, 1e6, 1.5),
      point(1e5, 1e6, 2.5, "lr=1e-3|")};
  const SeedNoise s = estimate_seed_noise(pts);
  EXPECT_EQ(s.cells, 2u);
  EXPECT_EQ(s.runs, 5u);
  EXPECT_EQ(s.dof, 3u);
  // (0.01^2 * 2 + 0.02^2 * 2) / 3
  EXPECT_NEAR(s.sigma_log, std::sqrt((2e-4 + 8e-4) / 3), 1e-12);
  EXPECT_FALSE(estimate_seed_noise({pts[0], pts[2], pts[5]}).measured());
}

TEST(FitDesign, HuberFactorIsOneForWideDeltaAndHalfPiForNarrow) {
  EXPECT_NEAR(huber_variance_factor(1.0, 1e-3), 1.0, 1e-9);       // all residuals quadratic: LS
  EXPECT_NEAR(huber_variance_factor(1e-7, 1.0), M_PI / 2, 1e-4);  // all linear: LAD
  const double mid = huber_variance_factor(1e-3, 1e-3);
  EXPECT_GT(mid, 1.0);
  EXPECT_LT(mid, M_PI / 2);
}

TEST(FitDesign, ForecastMatchesTheSpreadOfRefits) {
  const ChinchillaParams truth = synthetic_truth();
  const double sigma = 0.01;
  std::vector<GridPoint> grid;
  for (const auto& p : synthetic_points(truth, 5, 5, 0, 1)) grid.push_back({p.n, p.d});
  const PredictedErrors f = predicted_errors(truth, grid, sigma, kHuberDelta);
  ASSERT_TRUE(f.identified);
  ChinchillaOptions opt;
  opt.grid = StartGrid{{5, 7}, {0.3, 0.45}, {6, 8}, {0.3, 0.45}, {0.4, 0.7}};
  const int draws = 80;
  double sa = 0, sa2 = 0, sb = 0, sb2 = 0;
  for (int k = 0; k < draws; ++k) {
    auto fit = fit_chinchilla(synthetic_points(truth, 5, 5, sigma, 500 + k), opt);
    ASSERT_TRUE(fit.ok()) << fit.status();
    sa += fit->params.alpha;
    sa2 += fit->params.alpha * fit->params.alpha;
    sb += fit->params.beta;
    sb2 += fit->params.beta * fit->params.beta;
  }
  const double sd_alpha = std::sqrt((sa2 - sa * sa / draws) / (draws - 1));
  const double sd_beta = std::sqrt((sb2 - sb * sb / draws) / (draws - 1));
  std::printf("alpha: forecast SE %.4f, sd of refits %.4f; beta: %.4f vs %.4f\n", f.alpha, sd_alpha,
              f.beta, sd_beta);
  // 80 draws estimate an sd to about +-16% (2 SE); the linearisation adds a little.
  EXPECT_GT(f.alpha / sd_alpha, 0.7);
  EXPECT_LT(f.alpha / sd_alpha, 1.4);
  EXPECT_GT(f.beta / sd_beta, 0.7);
  EXPECT_LT(f.beta / sd_beta, 1.4);
}

TEST(FitDesign, OneBudgetCannotIdentifyTheLaw) {
  std::vector<GridPoint> grid;
  for (double n : {1e6, 1e7, 1e8, 1e9}) grid.push_back({n, 1e10});
  EXPECT_FALSE(predicted_errors(synthetic_truth(), grid, 0.01, kHuberDelta).identified);
}

// Many sizes but budgets spanning only 1.5x: beta is loose, the diagnostics say so, name what it
// trades off against, and rank a wider range of D first.
TEST(FitDiagnostics, NameTheLooseExponentAndTheRunsThatPinIt) {
  const ChinchillaParams truth = synthetic_truth();
  std::vector<ScalingPoint> pts;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> gauss(0, 0.01);
  for (double n : {1e6, 3e6, 1e7, 3e7, 1e8, 3e8})
    for (double d : {2e9, 2.5e9, 3e9})
      pts.push_back(point(n, d, truth.loss(n, d) * std::exp(gauss(rng))));
  ChinchillaOptions opt;
  opt.grid = StartGrid{{5, 7}, {0.3, 0.45}, {6, 8}, {0.3, 0.45}, {0.4, 0.7}};
  auto fit = fit_chinchilla(pts, opt);
  ASSERT_TRUE(fit.ok()) << fit.status();
  NoiseLevels noise;
  noise.residual_sd = noise_bootstrap_sigma(*fit, 0);
  noise.bootstrap_sigma = noise.residual_sd;
  BootstrapOptions b;
  b.mode = BootstrapMode::kNoise;
  b.noise_sigma = noise.bootstrap_sigma;
  b.samples = 100;
  auto boot = bootstrap_chinchilla(pts, *fit, opt, b);
  ASSERT_TRUE(boot.ok()) << boot.status();
  const FitDiagnostics d = diagnose_chinchilla(*fit, pts, &*boot, noise);
  ASSERT_FALSE(d.warnings.empty());
  EXPECT_EQ(d.json["loose"], nlohmann::json({"beta"})) << d.text;
  bool named = false;
  for (const auto& w : d.warnings) named |= w.find("beta is not pinned down") != std::string::npos;
  EXPECT_TRUE(named) << d.text;
  EXPECT_NE(d.forecast.worst_pair.find("beta"), std::string::npos) << d.forecast.worst_pair;
  ASSERT_FALSE(d.extensions.empty());
  EXPECT_NE(d.extensions.front().what.find("budget"), std::string::npos) << d.text;
  EXPECT_LT(d.extensions.front().errors.beta, d.forecast.beta / 2) << d.text;
  std::printf("%s", d.text.c_str());
}
}  // namespace
}  // namespace sl
