// The quickstart's grid, simulated: 100 sweeps of synthetic losses from a known law on exactly the
// (N, D) the quickstart trains (tests/fit/quickstart_grid.h, checked against the spec's plan by
// tests/sweeps), with Gaussian noise on log loss at the seed-to-seed level measured on this corpus,
// each fitted and bootstrapped as `scalelab fit` does (noise bootstrap at the larger of the seed
// noise and the residual sd). The 95% intervals must cover the truth in at least 90 of 100 sweeps
// and reach no further than +-0.15 from the estimate for alpha and beta in at least 90 of them;
// the bootstrap SE must also track the real spread of the estimates (an interval can cover by
// being too wide).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "fit/bootstrap.h"
#include "tests/fit/quickstart_grid.h"

namespace sl {
namespace {
TEST(QuickstartCoverage, IntervalsCoverTheTruthAndAreTight) {
  const ChinchillaParams truth = testing::quickstart_truth();
  const double sigma = testing::kQuickstartSeedNoise;
  const auto grid = testing::quickstart_grid();
  const int sweeps = 100;
  ChinchillaOptions opt;
  // Coarse and not centred on the truth: a, b = log A, log B; e = log E.
  opt.grid = StartGrid{{0, 4}, {0.1, 0.5}, {2, 10}, {0.3, 1}, {-1, 0}};
  opt.keep_distinct_minima = 2;  // bootstrap refits start from the best 3 minima
  BootstrapOptions b;
  b.mode = BootstrapMode::kNoise;
  b.samples = 120;
  int cover_alpha = 0, cover_beta = 0, tight_alpha = 0, tight_beta = 0;
  double sa = 0, sa2 = 0, sb = 0, sb2 = 0, se_a = 0, se_b = 0;
  for (int s = 0; s < sweeps; ++s) {
    std::mt19937_64 rng(9000 + s);
    std::normal_distribution<double> z(0, sigma);
    std::vector<ScalingPoint> pts;
    for (const auto& g : grid) {
      ScalingPoint p;
      p.n = g.n;
      p.d = g.d;
      p.c = 6 * g.n * g.d;
      p.loss = truth.loss(g.n, g.d) * std::exp(z(rng));
      pts.push_back(p);
    }
    auto fit = fit_chinchilla(pts, opt);
    ASSERT_TRUE(fit.ok()) << fit.status();
    b.seed = static_cast<uint64_t>(s);
    b.noise_sigma = noise_bootstrap_sigma(*fit, sigma);
    auto boot = bootstrap_chinchilla(pts, *fit, opt, b);
    ASSERT_TRUE(boot.ok()) << boot.status();
    const auto& ia = boot->summary.at("alpha");
    const auto& ib = boot->summary.at("beta");
    cover_alpha += ia.low <= truth.alpha && truth.alpha <= ia.high;
    cover_beta += ib.low <= truth.beta && truth.beta <= ib.high;
    tight_alpha += std::max(ia.high - ia.estimate, ia.estimate - ia.low) <= 0.15;
    tight_beta += std::max(ib.high - ib.estimate, ib.estimate - ib.low) <= 0.15;
    sa += ia.estimate;
    sa2 += ia.estimate * ia.estimate;
    sb += ib.estimate;
    sb2 += ib.estimate * ib.estimate;
    se_a += ia.se / sweeps;
    se_b += ib.se / sweeps;
  }
  const double sd_a = std::sqrt((sa2 - sa * sa / sweeps) / (sweeps - 1));
  const double sd_b = std::sqrt((sb2 - sb * sb / sweeps) / (sweeps - 1));
  std::printf(
      "alpha: covered %d/100, within +-0.15 %d/100, mean SE %.4f vs sd of estimates %.4f\n"
      "beta:  covered %d/100, within +-0.15 %d/100, mean SE %.4f vs sd of estimates %.4f\n",
      cover_alpha, tight_alpha, se_a, sd_a, cover_beta, tight_beta, se_b, sd_b);
  EXPECT_GE(cover_alpha, 90);
  EXPECT_GE(cover_beta, 90);
  EXPECT_GE(tight_alpha, 90);
  EXPECT_GE(tight_beta, 90);
  EXPECT_LT(se_a / sd_a, 1.6);
  EXPECT_LT(se_b / sd_b, 1.6);
}
}  // namespace
}  // namespace sl
