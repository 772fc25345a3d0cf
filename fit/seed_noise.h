// Run-to-run noise of the final loss, from runs that differ only in their seed (Porian et al. 2024
// measure it the same way): the pooled within-cell standard deviation of log loss, where a cell is
// every run with the same N, D and configuration (ScalingPoint::cell) and each cell of k runs adds
// k - 1 degrees of freedom. It is the floor no law can fit below, and the noise level the
// parametric bootstrap draws from (bootstrap.h).
#pragma once
#include <cstddef>
#include <vector>

#include "fit/scaling_points.h"

namespace sl {
struct SeedNoise {
  double sigma_log = 0;  // sd of log loss between seeds of one cell (about the relative sd of loss)
  size_t cells = 0;      // cells with 2 or more runs
  size_t runs = 0;       // runs in those cells
  size_t dof = 0;        // sum over those cells of (runs - 1); 0: not measured
  bool measured() const { return dof > 0; }
};

SeedNoise estimate_seed_noise(const std::vector<ScalingPoint>& points);
}  // namespace sl
