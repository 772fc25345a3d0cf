// Bootstrap: resampling is deterministic and seeded, percentiles interpolate like numpy's, and the
// percentile intervals cover the truth at about their nominal rate over repeated synthetic draws.
#include "fit/bootstrap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "tests/fit/synthetic.h"

namespace sl {
namespace {
using testing::synthetic_points;
using testing::synthetic_truth;

TEST(Bootstrap, CountsAreSeededAndSumToN) {
  auto a = bootstrap_counts(50, 7, 3), b = bootstrap_counts(50, 7, 3),
       c = bootstrap_counts(50, 8, 3), d = bootstrap_counts(50, 7, 4);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, d);
  EXPECT_EQ(std::accumulate(a.begin(), a.end(), 0), 50);
  // About 1 - 1/e of the points appear in a resample.
  int distinct = 0;
  for (int k = 0; k < 200; ++k) {
    auto counts = bootstrap_counts(100, 1, static_cast<uint64_t>(k));
    for (int n : counts) distinct += n > 0;
  }
  EXPECT_NEAR(distinct / 200.0 / 100.0, 1 - std::exp(-1.0), 0.01);
}

TEST(Bootstrap, PercentileInterpolatesLikeNumpy) {
  std::vector<double> v{1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(sorted_percentile(v, 0.0), 1);
  EXPECT_DOUBLE_EQ(sorted_percentile(v, 0.5), 3);
  EXPECT_DOUBLE_EQ(sorted_percentile(v, 0.025), 1.1);  // numpy.percentile([1..5], 2.5) == 1.1
  EXPECT_DOUBLE_EQ(sorted_percentile(v, 1.0), 5);
}

TEST(Bootstrap, SameSeedSameIntervalsAnyThreadCount) {
  auto pts = synthetic_points(synthetic_truth(), 5, 4, 0.02, 3);
  ChinchillaOptions opt;
  opt.grid = StartGrid{{4, 8}, {0.25, 0.5}, {4, 8}, {0.25, 0.5}, {0.0, 0.5}};
  auto fit = fit_chinchilla(pts, opt);
  ASSERT_TRUE(fit.ok()) << fit.status();
  BootstrapOptions b;
  b.samples = 40;
  b.seed = 11;
  auto one = bootstrap_chinchilla(pts, *fit, opt, b);
  opt.minimize.threads = 2;
  auto two = bootstrap_chinchilla(pts, *fit, opt, b);
  ASSERT_TRUE(one.ok() && two.ok());
  for (const auto& name : chinchilla_quantity_names()) {
    EXPECT_EQ(one->summary.at(name).low, two->summary.at(name).low) << name;
    EXPECT_EQ(one->summary.at(name).high, two->summary.at(name).high) << name;
    EXPECT_GT(one->summary.at(name).se, 0) << name;
  }
}

// Draws many synthetic data sets from a known law, bootstraps each, and counts how often the 95%
// interval covers the truth. Also compares the bootstrap SE with the actual spread of the estimates
// across draws: intervals that are too wide would pass a coverage test alone.
TEST(Bootstrap, IntervalsCoverTheTruthAtAboutTheNominalRate) {
  const ChinchillaParams truth = synthetic_truth();
  const auto truth_q = chinchilla_quantities(truth);
  const auto& names = chinchilla_quantity_names();
  const int draws = 100;
  ChinchillaOptions opt;
  // A small grid around plausible values keeps the test fast; the noiseless recovery test covers
  // the full grid.
  opt.grid = StartGrid{{5, 7}, {0.3, 0.45}, {6, 8}, {0.3, 0.45}, {0.4, 0.7}};
  opt.keep_distinct_minima = 9;
  BootstrapOptions b;
  b.samples = 150;
  std::vector<int> covered(names.size(), 0);
  std::vector<double> se_sum(names.size(), 0), est_sum(names.size(), 0), est_sq(names.size(), 0);
  for (int draw = 0; draw < draws; ++draw) {
    auto pts = synthetic_points(truth, 8, 8, 0.02, 1000 + draw);
    auto fit = fit_chinchilla(pts, opt);
    ASSERT_TRUE(fit.ok()) << fit.status();
    b.seed = static_cast<uint64_t>(draw);
    auto boot = bootstrap_chinchilla(pts, *fit, opt, b);
    ASSERT_TRUE(boot.ok()) << boot.status();
    const auto est = chinchilla_quantities(fit->params);
    for (size_t j = 0; j < names.size(); ++j) {
      const auto& s = boot->summary.at(names[j]);
      covered[j] += s.low <= truth_q[j] && truth_q[j] <= s.high;
      se_sum[j] += s.se;
      est_sum[j] += est[j];
      est_sq[j] += est[j] * est[j];
    }
  }
  double mean_coverage = 0;
  for (size_t j = 0; j < names.size(); ++j) {
    double coverage = covered[j] / static_cast<double>(draws);
    double mean = est_sum[j] / draws;
    double spread = std::sqrt((est_sq[j] - draws * mean * mean) / (draws - 1));
    double se_ratio = se_sum[j] / draws / spread;
    std::printf("%-5s coverage %.3f  sd of estimates %.4g  mean bootstrap SE / sd %.2f\n",
                names[j].c_str(), coverage, spread, se_ratio);
    // 100 draws at a true 95% rate: 95 +- 2.2. Below 88 means the intervals are too narrow; the SE
    // ratio catches intervals that cover only because they are too wide.
    EXPECT_GE(coverage, 0.88) << names[j];
    EXPECT_GT(se_ratio, 0.7) << names[j];
    EXPECT_LT(se_ratio, 1.5) << names[j];
    mean_coverage += coverage / names.size();
  }
  EXPECT_LT(mean_coverage, 0.995) << "intervals cover almost always: too wide";
}
}  // namespace
}  // namespace sl
