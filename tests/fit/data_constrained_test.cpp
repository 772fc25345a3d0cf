// The data-constrained law (Muennighoff et al. 2023): its formulas at hand-checked points, and the
// two-stage fit recovering known constants (the paper's R_D* = 15.4, R_N* = 5.3) from points drawn
// from the law, exactly and under noise with bootstrap intervals that cover them.
#include "fit/data_constrained.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "synthetic.h"

namespace sl {
namespace {
DataConstrainedParams truth() {
  DataConstrainedParams p;
  p.base = testing::synthetic_truth();
  p.r_d = 15.4;
  p.r_n = 5.3;
  return p;
}

// Single-epoch runs over a grid of N and D, then repeated runs: unique tokens U, epochs 2..64, at
// sizes both below and above N_opt(U).
std::vector<ScalingPoint> law_points(const DataConstrainedParams& t, double sigma, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, sigma);
  auto point = [&](double n, double d, double epochs) {
    ScalingPoint p;
    p.n = n;
    p.d = d;
    p.c = 6 * n * d;
    p.epochs = epochs;
    p.loss = t.loss(n, d, epochs > 1 ? d / epochs : d) * std::exp(sigma > 0 ? noise(rng) : 0.0);
    return p;
  };
  // The single-epoch grid of the Chinchilla tests (N over 1e6..1e9, D/N over 2..200).
  std::vector<ScalingPoint> pts;
  for (const ScalingPoint& q : testing::synthetic_points(t.base, 6, 5, 0.0, 0))
    pts.push_back(point(q.n, q.d, 1.0));
  for (double u : {3e7, 1e8, 3e8})
    for (double n : {3e6, 1e7, 3e7, 1e8, 3e8})
      for (double epochs : {2.0, 4.0, 8.0, 16.0, 32.0, 64.0})
        pts.push_back(point(n, u * epochs, epochs));
  return pts;
}
}  // namespace

TEST(DataConstrained, FormulasAtHandCheckedPoints) {
  DataConstrainedParams p = truth();
  // No repetition: D' = D, and N' = N when N <= N_opt(U).
  EXPECT_DOUBLE_EQ(p.effective_data(1e9, 1e9), 1e9);
  // R_D = 3 repetitions: D' = U (1 + R_D* (1 - exp(-3 / R_D*))).
  EXPECT_NEAR(p.effective_data(4e9, 1e9), 1e9 * (1 + 15.4 * (1 - std::exp(-3 / 15.4))), 1);
  // Repetition is worth at most R_D* extra copies of the unique data.
  EXPECT_LE(p.effective_data(1e15, 1e9), 1e9 * (1 + 15.4) * (1 + 1e-12));
  EXPECT_GT(p.effective_data(1e15, 1e9), 0.999 * 1e9 * (1 + 15.4));
  // N_opt(U) is the N whose Chinchilla-optimal D is U: D_opt(6 N D) at that compute equals U.
  const double u = 2e9, n_opt = p.n_opt_for_unique(u);
  const double flops = 6 * std::pow(u * p.base.G(), 1 / p.base.b());
  EXPECT_NEAR(p.base.d_opt(flops) / u, 1.0, 1e-9);
  EXPECT_NEAR(p.base.n_opt(flops) / n_opt, 1.0, 1e-9);
  EXPECT_DOUBLE_EQ(p.effective_params(n_opt / 2, u), n_opt / 2);
  const double n = 3 * n_opt;  // R_N = 2
  EXPECT_NEAR(p.effective_params(n, u) / (n_opt * (1 + 5.3 * (1 - std::exp(-2 / 5.3)))), 1.0,
              1e-12);
}

TEST(DataConstrained, RecoversKnownConstantsFromExactPoints) {
  const auto pts = law_points(truth(), 0.0, 1);
  auto fit = fit_data_constrained(pts, MinimizeOptions{});
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->single_epoch_points, 30u);
  EXPECT_EQ(fit->repeated_points, 90u);
  EXPECT_TRUE(fit->r_n_identified);
  EXPECT_NEAR(fit->params.r_d, 15.4, 15.4 * 0.01);
  EXPECT_NEAR(fit->params.r_n, 5.3, 5.3 * 0.01);
  EXPECT_NEAR(fit->params.base.alpha, truth().base.alpha, 0.01);
  EXPECT_NEAR(fit->params.base.beta, truth().base.beta, 0.01);
}

TEST(DataConstrained, NoisyPointsGiveIntervalsThatCoverTheTruth) {
  const auto pts = law_points(truth(), 0.005, 7);
  auto fit = fit_data_constrained(pts, MinimizeOptions{});
  ASSERT_TRUE(fit.ok()) << fit.status();
  BootstrapOptions b;
  b.samples = 30;
  b.seed = 3;
  auto boot = bootstrap_data_constrained(pts, *fit, MinimizeOptions{}, b);
  ASSERT_TRUE(boot.ok()) << boot.status();
  const auto& rd = boot->summary.at("R_D*");
  const auto& rn = boot->summary.at("R_N*");
  std::printf("R_D* %.3f [%.3f, %.3f] se %.3f; R_N* %.3f [%.3f, %.3f] se %.3f\n", rd.estimate,
              rd.low, rd.high, rd.se, rn.estimate, rn.low, rn.high, rn.se);
  // Within three standard errors of the truth, and the intervals informative (narrower than the
  // value itself).
  EXPECT_NEAR(rd.estimate, 15.4, 3 * rd.se);
  EXPECT_NEAR(rn.estimate, 5.3, 3 * rn.se);
  EXPECT_LT(rd.high - rd.low, 15.4);
  EXPECT_LT(rn.high - rn.low, 5.3);
  const std::string table = data_constrained_table(*fit, &*boot);
  EXPECT_NE(table.find("R_D*"), std::string::npos) << table;
}

TEST(DataConstrained, RefusesATableWithoutRepeatedRuns) {
  auto pts = law_points(truth(), 0.0, 1);
  pts.resize(30);  // the single-epoch runs only
  auto fit = fit_data_constrained(pts, MinimizeOptions{});
  ASSERT_FALSE(fit.ok());
  EXPECT_NE(fit.status().message().find("data.unique_tokens"), std::string::npos) << fit.status();
}
}  // namespace sl
