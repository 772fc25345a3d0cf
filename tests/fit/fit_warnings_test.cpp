// The fit says when it says little: a barely determined grid, an unconstrained parameter and E at
// its bound are warned about; a well-designed grid of the same law gets no warning.
#include "fit/fit_warnings.h"

#include <gtest/gtest.h>

#include "tests/fit/synthetic.h"

namespace sl {
namespace {
using testing::synthetic_points;
using testing::synthetic_truth;

std::vector<std::string> warnings_for(const std::vector<ScalingPoint>& pts, int bootstrap) {
  ChinchillaOptions opt;
  opt.grid = StartGrid{{4, 8}, {0.25, 0.5}, {4, 8}, {0.25, 0.5}, {0.0, 0.5}};  // fast
  auto fit = fit_chinchilla(pts, opt);
  EXPECT_TRUE(fit.ok()) << fit.status();
  if (!fit.ok()) return {"no fit"};
  std::optional<BootstrapResult> boot;
  if (bootstrap > 0) {
    BootstrapOptions b;
    b.samples = bootstrap;
    auto r = bootstrap_chinchilla(pts, *fit, opt, b);
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) boot = *r;
  }
  return chinchilla_warnings(*fit, pts, boot ? &*boot : nullptr);
}

bool any_contains(const std::vector<std::string>& ws, const std::string& text) {
  for (const auto& w : ws)
    if (w.find(text) != std::string::npos) return true;
  return false;
}

TEST(FitWarnings, AWellDesignedGridGetsNone) {
  const auto ws = warnings_for(synthetic_points(synthetic_truth(), 5, 4, 0.005, 1), 40);
  EXPECT_TRUE(ws.empty()) << ws.front();
}

TEST(FitWarnings, SixNoisyPointsAreBarelyDeterminedAndLeaveParametersUnconstrained) {
  // 3 sizes x 2 ratios with 5% noise: the quickstart's failure mode.
  const auto ws = warnings_for(synthetic_points(synthetic_truth(), 3, 2, 0.05, 3), 40);
  EXPECT_TRUE(any_contains(ws, "6 points for 5 parameters")) << ws.size();
  EXPECT_TRUE(any_contains(ws, "larger than itself")) << ws.size();
}

TEST(FitWarnings, EAtItsBoundIsNamed) {
  ChinchillaParams truth = synthetic_truth();
  truth.E = 0;  // a law with no irreducible loss: the fit drives E to 0
  const auto ws = warnings_for(synthetic_points(truth, 4, 3, 0.0, 1), 0);
  EXPECT_TRUE(any_contains(ws, "sits at its bound 0")) << (ws.empty() ? "none" : ws.front());
}
}  // namespace
}  // namespace sl
