// Bootstrap of the approach-3 fit: draw `samples` data sets, refit each, and summarise each
// quantity (E, A, B, alpha, beta, a, b) by its standard error (the sd over refits) and a
// percentile interval. Two ways to draw a data set:
//   - points (nonparametric): resample the points with replacement. On a small grid (16 runs for 5
//     parameters) a resample often loses the one run that pins an exponent, and the interval
//     balloons for that reason alone.
//   - noise (parametric, the default of `scalelab fit`): keep every run and draw its log loss as the
//     fitted value plus Gaussian noise of sd noise_sigma, the larger of the seed-to-seed noise
//     (seed_noise.h) and the residual sd (sqrt(sum r^2 / (n - 5))), so lack of fit widens the
//     interval as noise does. This is how Porian et al. (2024) put seed noise into their intervals.
// Resample k draws from its own generator seeded by (seed, k), so results do not depend on thread
// count or order.
//
// Refit starts: by default not the full 4,500-start grid but the full-data optimum plus the other
// distinct local minima the full grid found (ChinchillaFit::distinct_minima, up to 10 starts). A
// resample perturbs the objective a little, so its optimum lies in the basin of the full-data one;
// the other minima guard against a resample whose best basin switches. BENCHMARKS.md ("fit")
// measures that this finds the same optimum as the full grid on resamples, at a fraction of the
// time; full_grid = true (--bootstrap-full-grid) refits from the whole grid for anyone who wants to
// check.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fit/chinchilla_fit.h"

namespace sl {
enum class BootstrapMode { kPoints, kNoise };
absl::StatusOr<BootstrapMode> parse_bootstrap_mode(const std::string& name);
const char* bootstrap_mode_name(BootstrapMode m);

struct BootstrapOptions {
  BootstrapMode mode = BootstrapMode::kPoints;
  double noise_sigma = 0;  // kNoise: sd of the noise added to each fitted log loss (> 0)
  int samples = 1000;
  uint64_t seed = 0;
  double level = 0.95;     // percentile interval [ (1-level)/2, (1+level)/2 ]
  bool full_grid = false;  // refit each resample from the whole start grid
};

struct IntervalSummary {
  double estimate = 0;  // the full-data fit
  double se = 0;        // standard deviation over refits
  double low = 0, high = 0;
};

// The quantities reported, in order.
const std::vector<std::string>& chinchilla_quantity_names();
std::array<double, 7> chinchilla_quantities(const ChinchillaParams& p);

struct BootstrapResult {
  BootstrapOptions options;
  int failed = 0;                             // refits with no finite objective (left out)
  std::vector<std::array<double, 7>> refits;  // one row per successful refit, quantities in order
  std::map<std::string, IntervalSummary> summary;  // by quantity name
};

// Multiplicities of each of n points in resample `k` (sum n).
std::vector<int> bootstrap_counts(size_t n, uint64_t seed, uint64_t k);
// n standard normal draws for resample `k`.
std::vector<double> bootstrap_normals(size_t n, uint64_t seed, uint64_t k);
// The noise mode's sigma: max(seed_sigma, residual sd with n - 5 degrees of freedom).
double noise_bootstrap_sigma(const ChinchillaFit& fit, double seed_sigma);
// Percentile with linear interpolation between order statistics (numpy's default); v is sorted.
double sorted_percentile(const std::vector<double>& sorted, double q);

absl::StatusOr<BootstrapResult> bootstrap_chinchilla(const std::vector<ScalingPoint>& points,
                                                     const ChinchillaFit& fit,
                                                     const ChinchillaOptions& fit_opt,
                                                     const BootstrapOptions& opt);
}  // namespace sl
