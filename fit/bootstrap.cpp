#include "fit/bootstrap.h"

#include <algorithm>
#include <cmath>

#include "fit/parallel_for.h"

namespace sl {
namespace {
// SplitMix64 (Steele et al. 2014): tiny, good enough for resampling, identical on every platform.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) {
    return static_cast<size_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  double uniform_open() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
};

SplitMix64 resample_rng(uint64_t seed, uint64_t k) {
  return SplitMix64{seed * 0x100000001B3ull ^ (k + 1) * 0xD6E8FEB86659FD93ull};
}
}  // namespace

absl::StatusOr<BootstrapMode> parse_bootstrap_mode(const std::string& name) {
  if (name == "points") return BootstrapMode::kPoints;
  if (name == "noise") return BootstrapMode::kNoise;
  return absl::InvalidArgumentError(
      absl::StrCat("--bootstrap-mode '", name, "' is not one of noise, points"));
}
const char* bootstrap_mode_name(BootstrapMode m) {
  return m == BootstrapMode::kNoise ? "noise" : "points";
}

std::vector<double> bootstrap_normals(size_t n, uint64_t seed, uint64_t k) {
  SplitMix64 rng = resample_rng(seed ^ 0x5EED5EED5EED5EEDull, k);
  std::vector<double> z(n);
  for (size_t i = 0; i < n; i += 2) {  // Box-Muller: two normals from two uniforms
    const double r = std::sqrt(-2 * std::log(rng.uniform_open()));
    const double t = 2 * M_PI * rng.uniform_open();
    z[i] = r * std::cos(t);
    if (i + 1 < n) z[i + 1] = r * std::sin(t);
  }
  return z;
}

double noise_bootstrap_sigma(const ChinchillaFit& fit, double seed_sigma) {
  double sum_sq = 0;
  for (double r : fit.residuals) sum_sq += r * r;
  const double dof = static_cast<double>(fit.residuals.size()) - 5;
  const double residual_sd = dof > 0 ? std::sqrt(sum_sq / dof) : INFINITY;
  return std::max(seed_sigma, residual_sd);
}

const std::vector<std::string>& chinchilla_quantity_names() {
  static const std::vector<std::string> names{"E", "A", "B", "alpha", "beta", "a", "b"};
  return names;
}

std::array<double, 7> chinchilla_quantities(const ChinchillaParams& p) {
  return {p.E, p.A, p.B, p.alpha, p.beta, p.a(), p.b()};
}

std::vector<int> bootstrap_counts(size_t n, uint64_t seed, uint64_t k) {
  SplitMix64 rng = resample_rng(seed, k);
  std::vector<int> counts(n, 0);
  for (size_t i = 0; i < n; ++i) ++counts[rng.below(n)];
  return counts;
}

double sorted_percentile(const std::vector<double>& v, double q) {
  if (v.empty()) return std::nan("");
  double pos = q * static_cast<double>(v.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

absl::StatusOr<BootstrapResult> bootstrap_chinchilla(const std::vector<ScalingPoint>& points,
                                                     const ChinchillaFit& fit,
                                                     const ChinchillaOptions& fit_opt,
                                                     const BootstrapOptions& opt) {
  if (opt.samples < 2)
    return absl::InvalidArgumentError(absl::StrCat("--bootstrap must be >= 2, got ", opt.samples));
  if (!(opt.level > 0 && opt.level < 1))
    return absl::InvalidArgumentError("bootstrap level must be in (0, 1)");
  const bool noise = opt.mode == BootstrapMode::kNoise;
  if (noise && !(opt.noise_sigma > 0 && std::isfinite(opt.noise_sigma)))
    return absl::InvalidArgumentError(absl::StrCat(
        "the noise bootstrap needs a noise level > 0, got ", opt.noise_sigma,
        " (with n points it uses the residual sd over n - 5: give at least 6 points, or "
        "--seed-noise)"));
  if (noise && fit.residuals.size() != points.size())
    return absl::InvalidArgumentError("bootstrap: the fit's residuals do not match the points");
  std::vector<std::vector<double>> starts;
  if (opt.full_grid) {
    starts = fit_opt.grid.starts();
  } else {
    for (const auto& m : fit.distinct_minima) starts.push_back(m.theta);
  }
  const LseLawData all = chinchilla_law_data(points);
  // Threads go over resamples; each refit runs its starts on one thread.
  MinimizeOptions one_thread = fit_opt.minimize;
  one_thread.threads = 1;
  std::vector<std::array<double, 7>> rows(static_cast<size_t>(opt.samples));
  std::vector<char> ok(rows.size(), 0);
  parallel_for(rows.size(), fit_opt.minimize.threads, [&](size_t k) {
    LseLawData sample;
    if (noise) {
      const std::vector<double> z = bootstrap_normals(all.size(), opt.seed, k);
      sample = all;
      for (size_t i = 0; i < all.size(); ++i)  // fitted log loss + noise
        sample.log_loss[i] = all.log_loss[i] + fit.residuals[i] + opt.noise_sigma * z[i];
    } else {
      std::vector<int> counts = bootstrap_counts(all.size(), opt.seed, k);
      for (size_t i = 0; i < all.size(); ++i) {
        if (counts[i] == 0) continue;  // a point drawn m times enters once with weight m
        sample.x1.push_back(all.x1[i]);
        sample.x2.push_back(all.x2[i]);
        sample.log_loss.push_back(all.log_loss[i]);
        sample.weight.push_back(counts[i]);
      }
    }
    std::vector<LocalMinimum> minima =
        minimize_from_starts(chinchilla_shape(), sample, starts, one_thread);
    int best = best_minimum(minima);
    if (best < 0) return;
    rows[k] = chinchilla_quantities(ChinchillaParams::from_theta(minima[best].theta.data()));
    ok[k] = std::all_of(rows[k].begin(), rows[k].end(), [](double v) { return std::isfinite(v); });
  });
  BootstrapResult result;
  result.options = opt;
  for (size_t k = 0; k < rows.size(); ++k) {
    if (ok[k])
      result.refits.push_back(rows[k]);
    else
      ++result.failed;
  }
  if (result.refits.size() < 2) {
    return absl::InternalError(absl::StrCat("bootstrap: only ", result.refits.size(), " of ",
                                            opt.samples, " refits reached a finite optimum"));
  }
  const auto estimate = chinchilla_quantities(fit.params);
  const auto& names = chinchilla_quantity_names();
  for (size_t j = 0; j < names.size(); ++j) {
    std::vector<double> v;
    for (const auto& r : result.refits) v.push_back(r[j]);
    double mean = 0, var = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    for (double x : v) var += (x - mean) * (x - mean);
    std::sort(v.begin(), v.end());
    IntervalSummary s;
    s.estimate = estimate[j];
    s.se = std::sqrt(var / static_cast<double>(v.size() - 1));
    s.low = sorted_percentile(v, (1 - opt.level) / 2);
    s.high = sorted_percentile(v, (1 + opt.level) / 2);
    result.summary[names[j]] = s;
  }
  return result;
}
}  // namespace sl
