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
  // A point away from the optimum so most residuals sit in Huber's linear part, some in the quadratic.
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
                 lse_law_objective(chinchilla_shape(), data, delta, minus.data(), nullptr)) / (2 * h);
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
}  // namespace
}  // namespace sl
