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

// The law fitted (noise bootstrap) to the quickstart's 35 runs on Austen under Muon, 2026-12-05
// (docs/fit.md, "Fits that mean something"; residual sd 0.0042).
inline ChinchillaParams quickstart_truth() {
  return {/*E=*/0.99759, /*A=*/53.059, /*B=*/2723.7, /*alpha=*/0.48302, /*beta=*/0.65444};
}

// Seed-to-seed sd of log loss on the quickstart's grid under Muon: 3 seeds each of d48 and d96 at
// 0.8M, 1.6M and 3.2M tokens gave 0.0052, 0.0041, 0.0012 and 0.0025, 0.0015, 0.0012, pooled 0.0030;
// the largest cell's, rounded (AdamW's were up to 0.034: docs/fit.md).
constexpr double kQuickstartSeedNoise = 0.005;
}  // namespace sl::testing
