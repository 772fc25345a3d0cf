// How well a grid of runs pins down the approach-3 law, before or after running it: the linearised
// (Gauss-Newton) covariance of the fitted parameters, sigma^2 h (J^T J)^-1, where J is the gradient
// of log L-hat with respect to [log A, alpha, log B, beta, E] at each run's (N, D), sigma the
// noise of log loss and h the Huber objective's variance factor at that noise (with delta = 1e-3
// and sigma ~ 5e-3 the fit behaves like least absolute deviations: h ~ pi / 2). It is the same
// arithmetic an optimal-design study does, and what `scalelab fit` uses to say which runs would
// shrink an interval most (suggest_extensions). The bootstrap remains the reported interval; this
// is the forecast.
#pragma once
#include <string>
#include <vector>

#include "fit/chinchilla_fit.h"

namespace sl {
struct GridPoint {
  double n = 0, d = 0;
};

struct PredictedErrors {
  bool identified = false;  // J^T J invertible: every parameter is pinned down by the grid
  // Standard errors.
  double alpha = 0, beta = 0, a = 0, e = 0;
  // The pair of parameters [log A, alpha, log B, beta, E] most strongly correlated, by name.
  std::string worst_pair;
  double worst_correlation = 0;
};

// Var(Huber M-estimate) / Var(least squares) for Gaussian noise of sd sigma (>= 1).
double huber_variance_factor(double delta, double sigma);

PredictedErrors predicted_errors(const ChinchillaParams& law, const std::vector<GridPoint>& grid,
                                 double sigma, double delta);

struct Extension {
  std::string what;              // "one larger size (N = 800k) at each of the 4 budgets"
  std::vector<GridPoint> added;  // the runs it adds
  double added_flops = 0;        // sum of 6 N D over them
  PredictedErrors errors;        // of the grid with them added
};

// Candidate additions to `grid` (one larger / smaller size at every D, one larger / smaller D at
// every N, a second seed of every run), each with its forecast errors, best first by the larger of
// the two exponents' standard errors.
std::vector<Extension> suggest_extensions(const ChinchillaParams& law,
                                          const std::vector<GridPoint>& grid, double sigma,
                                          double delta);

// The distinct (N, D) of the points, in order of first appearance; repeats (seeds) included when
// `with_repeats`.
std::vector<GridPoint> grid_of(const std::vector<ScalingPoint>& points, bool with_repeats);
}  // namespace sl
