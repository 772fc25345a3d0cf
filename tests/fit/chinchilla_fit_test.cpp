// Approach 3: the fitter recovers the parameters of the law that generated the data.
#include "fit/chinchilla_fit.h"

#include <gtest/gtest.h>

#include <cmath>

#include "fit/lse_law.h"
#include "tests/fit/synthetic.h"

namespace sl {
namespace {
using testing::synthetic_points;
using testing::synthetic_truth;

TEST(LseLaw, GradientMatchesFiniteDifferences) {
  auto pts = synthetic_points(synthetic_truth(), 5, 4, 0.02, 1);
  LseLawData data = chinchilla_law_data(pts);
  // A point away from the optimum so most residuals sit in Huber's linear part, some in the
  // quadratic.
  std::vector<double> theta = {6.0, 0.3, 7.5, 0.35, 0.6};
  const double delta = 0.05;  // wide enough that both Huber branches are exercised
  double grad[5];
  lse_law_objective(chinchilla_shape(), data, delta, theta.data(), grad);
  for (int j = 0; j < 5; ++j) {
    auto plus = theta, minus = theta;
    const double h = 1e-6;
    plus[j] += h;
    minus[j] -= h;
    double fd = (lse_law_objective(chinchilla_shape(), data, delta, plus.data(), nullptr) -
                 lse_law_objective(chinchilla_shape(), data, delta, minus.data(), nullptr)) /
                (2 * h);
    EXPECT_NEAR(grad[j], fd, 1e-6 * std::max(1.0, std::fabs(fd))) << "parameter " << j;
  }
}

TEST(ChinchillaFit, RecoversNoiselessParametersExactly) {
  // Without noise the truth is the global minimum (objective 0): the optimiser must land on it.
  ChinchillaParams truth = synthetic_truth();
  auto pts = synthetic_points(truth, 6, 5, 0.0, 0);
  ChinchillaOptions opt;
  auto fit = fit_chinchilla(pts, opt);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_NEAR(fit->params.alpha, truth.alpha, 1e-3);
  EXPECT_NEAR(fit->params.beta, truth.beta, 1e-3);
  EXPECT_NEAR(fit->params.E / truth.E, 1.0, 1e-3);
  EXPECT_NEAR(std::log(fit->params.A / truth.A), 0.0, 1e-2);
  EXPECT_NEAR(std::log(fit->params.B / truth.B), 0.0, 1e-2);
  EXPECT_EQ(fit->starts, 4500u);
  for (double r : fit->residuals) EXPECT_LT(std::fabs(r), 1e-5);
}
// With noise the estimate scatters around the truth. Tolerance: 4 standard deviations of each
// estimate over 100 synthetic draws of this design (64 points, 2% noise on loss), measured in
// Bootstrap.IntervalsCoverTheTruthAtAboutTheNominalRate: sd(alpha) 0.019, sd(beta) 0.009, sd(E)
// 0.06, sd(a) 0.017, sd(A)/A 0.28, sd(B)/B 0.14. A coarse 3^5 start grid keeps it fast.
TEST(ChinchillaFit, RecoversParametersFromNoisyDataOverSeveralSeeds) {
  ChinchillaParams truth = synthetic_truth();
  ChinchillaOptions opt;
  opt.grid = StartGrid{{0, 5, 10}, {0.2, 0.6, 1.0}, {0, 5, 10}, {0.2, 0.6, 1.0}, {-0.5, 0.0, 0.5}};
  for (unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
    auto pts = synthetic_points(truth, 8, 8, 0.02, seed);
    auto fit = fit_chinchilla(pts, opt);
    ASSERT_TRUE(fit.ok()) << fit.status();
    const ChinchillaParams& p = fit->params;
    EXPECT_NEAR(p.alpha, truth.alpha, 4 * 0.019) << "seed " << seed;
    EXPECT_NEAR(p.beta, truth.beta, 4 * 0.009) << "seed " << seed;
    EXPECT_NEAR(p.E, truth.E, 4 * 0.06) << "seed " << seed;
    EXPECT_NEAR(p.a(), truth.a(), 4 * 0.017) << "seed " << seed;
    EXPECT_NEAR(std::log(p.A / truth.A), 0.0, 4 * 0.28) << "seed " << seed;
    EXPECT_NEAR(std::log(p.B / truth.B), 0.0, 4 * 0.14) << "seed " << seed;
    EXPECT_NEAR(p.a() + p.b(), 1.0, 1e-12);
  }
}

TEST(ChinchillaFit, ComputeOptimalAllocationMatchesClosedForm) {
  // Hoffmann et al.'s approach-3 fit: a = 0.28 / 0.62, and N_opt, D_opt spend the budget exactly.
  ChinchillaParams p;
  p.E = 1.69;
  p.A = 406.4;
  p.B = 410.7;
  p.alpha = 0.34;
  p.beta = 0.28;
  EXPECT_NEAR(p.a(), 0.28 / 0.62, 1e-12);
  const double C = 5.76e23;  // Gopher's / Chinchilla's budget
  EXPECT_NEAR(6 * p.n_opt(C) * p.d_opt(C) / C, 1.0, 1e-12);
  // No other split of the budget does better.
  for (double f : {0.8, 0.95, 1.05, 1.25}) {
    double n = p.n_opt(C) * f;
    EXPECT_GT(p.loss(n, C / (6 * n)), p.loss(p.n_opt(C), p.d_opt(C)));
  }
}

TEST(ChinchillaFit, TooFewPointsIsAClearError) {
  auto pts = synthetic_points(synthetic_truth(), 5, 1, 0.0, 0);  // 5 points, one D per N
  auto fit = fit_chinchilla(pts, ChinchillaOptions{});
  ASSERT_FALSE(fit.ok());
  EXPECT_NE(std::string(fit.status().message()).find("at least 6 points"), std::string::npos)
      << fit.status();
}
}  // namespace
}  // namespace sl
