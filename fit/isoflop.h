// Chinchilla approach 2 (Hoffmann et al. 2022, section 3.2): for each compute budget, fit a
// parabola of loss against log N over the runs trained with that budget (those near its lowest
// loss: IsoflopOptions::window), take its minimum as N_opt(C) (a minimum outside the fitted sizes
// is reported and left out), and fit N_opt = k_N C^a and D_opt = k_D C^b (D_opt = C / (6 N_opt)) across budgets.
// Budgets: the table's budget column (sweeps in IsoFLOP mode write `flops_budget`) when it has one;
// otherwise runs are grouped by C = 6 N D (or --c-col): sorted by C, a run joins the current group
// while its C is within `budget_tolerance` (relative) of the group's smallest C. A group's C is
// then the geometric mean of its members'.
#pragma once
#include <string>
#include <vector>

#include "fit/loglog_regression.h"
#include "fit/scaling_points.h"

namespace sl {
struct IsoflopOptions {
  double budget_tolerance = 0.1;
  size_t min_sizes = 3;  // distinct N per budget (a parabola has 3 coefficients)
  // The parabola is fitted to the sizes within `window` places of the budget's lowest-loss size
  // (0: all sizes; 1: that size and its two neighbours). A profile is a parabola only near its
  // minimum: far from it the loss of an undertrained large model rises much more steeply than that
  // of an oversized small one (on the CPU IsoFLOP sweep, window 2 moved the exponent from 0.46 to
  // 0.71). When the lowest loss is at the smallest or largest size, the minimum is not bracketed
  // and the budget is not used.
  size_t window = 1;
};

struct IsoflopProfile {
  double flops = 0;
  std::vector<size_t> members;    // indices into the points
  double c0 = 0, c1 = 0, c2 = 0;  // loss = c0 + c1 x + c2 x^2, x = ln N
  double n_opt = 0, d_opt = 0, loss_at_opt = 0;
  size_t fitted_sizes = 0;  // distinct sizes the parabola was fitted to (the window)
  double fitted_n_min = 0, fitted_n_max = 0;  // their range
  bool usable = false;
  bool extrapolated = false;  // the minimum lies outside the fitted sizes: not used
  std::string note;           // why it is not usable, or a warning
};

struct IsoflopFit {
  std::vector<IsoflopProfile> profiles;
  LogLogLine n_opt_line;  // N_opt = k C^a: slope is a
  LogLogLine d_opt_line;  // D_opt = k C^b: slope is b
  bool used_budget_column = false;
};

// The budget groups (exposed for tests and plots).
std::vector<std::vector<size_t>> group_by_budget(const std::vector<ScalingPoint>& points,
                                                 bool use_budget_column, double tolerance);
// Least-squares parabola y = c0 + c1 x + c2 x^2.
void fit_parabola(const std::vector<double>& x, const std::vector<double>& y, double* c0,
                  double* c1, double* c2);

absl::StatusOr<IsoflopFit> fit_isoflop(const ScalingData& data, const IsoflopOptions& opt);
}  // namespace sl
