// The quickstart's grid (configs/sweeps/quickstart.yaml: 5 two-layer widths x 7 budgets, 35 runs),
// as the fit counts it: non-embedding N and D tokens. tests/sweeps/spec_test.cpp checks it against
// the spec's plan, so the coverage test simulates exactly the runs the README's main job trains.
#pragma once
#include <vector>

#include "fit/chinchilla_fit.h"
#include "fit/fit_design.h"

namespace sl::testing {
inline std::vector<double> quickstart_sizes() { return {24736, 55536, 98624, 221664, 393856}; }
inline std::vector<double> quickstart_tokens() {
  return {799744, 1199104, 1599488, 2399232, 3200000, 4799488, 6400000};
}
inline std::vector<GridPoint> quickstart_grid() {
  std::vector<GridPoint> g;
  for (double n : quickstart_sizes())
    for (double d : quickstart_tokens()) g.push_back({n, d});
  return g;
}

// The law fitted (noise bootstrap) to the quickstart's runs with D >= 2.4M on Austen, 2026-12-05
// (docs/fit.md, "Fits that mean something"): where the runs are past their early fast phase.
inline ChinchillaParams quickstart_truth() {
  return {/*E=*/0.85262, /*A=*/6.7817, /*B=*/4.4973e6, /*alpha=*/0.23785, /*beta=*/1.129};
}

// Seed-to-seed sd of log loss at the quickstart's longer budgets: 3 seeds each of d48 and d96 at
// 3.2M tokens gave 0.0079 and 0.0024, pooled 0.0058, rounded up. Shorter runs of the small widths
// scatter far more (0.034 for d48 at 0.8M and 1.6M tokens): docs/fit.md.
constexpr double kQuickstartSeedNoise = 0.006;
}  // namespace sl::testing
