// Synthetic scaling data from a known law, for tests: a grid of sizes N and tokens-per-parameter
// ratios, loss = L(N, D) * exp(noise) with Gaussian noise of sd `sigma` on log loss.
#pragma once
#include <cmath>
#include <random>
#include <vector>

#include "fit/chinchilla_fit.h"

namespace sl::testing {
// Besiroglu et al.'s replication estimates: the truth our synthetic data follows.
inline ChinchillaParams synthetic_truth() {
  ChinchillaParams p;
  p.E = 1.8172;
  p.A = 482.01;
  p.B = 2085.43;
  p.alpha = 0.3478;
  p.beta = 0.3658;
  return p;
}

// n_sizes sizes log-spaced over [1e6, 1e9], n_ratios D/N ratios log-spaced over [2, 200].
inline std::vector<ScalingPoint> synthetic_points(const ChinchillaParams& truth, int n_sizes,
                                                  int n_ratios, double sigma, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, sigma);
  std::vector<ScalingPoint> pts;
  for (int i = 0; i < n_sizes; ++i) {
    double n = std::pow(10.0, 6.0 + 3.0 * i / (n_sizes - 1));
    for (int j = 0; j < n_ratios; ++j) {
      double ratio = 2.0 * std::pow(100.0, static_cast<double>(j) / (n_ratios - 1));
      ScalingPoint p;
      p.n = n;
      p.d = ratio * n;
      p.c = 6 * p.n * p.d;
      p.loss = truth.loss(p.n, p.d) * std::exp(sigma > 0 ? noise(rng) : 0.0);
      pts.push_back(p);
    }
  }
  return pts;
}
}  // namespace sl::testing
