// Chinchilla approach 3 (Hoffmann et al. 2022, section 3.3 and appendix D.2):
//   L(N, D) = E + A / N^alpha + B / D^beta
// fitted by minimising the Huber loss (delta 1e-3) of log L-hat - log L with L-BFGS from a grid of
// starts, keeping the best. The default grid is Hoffmann et al.'s: alpha, beta in {0, 0.5, ..., 2},
// e in {-1, -0.5, ..., 1}, a, b in {0, 5, ..., 25}: 4,500 starts.
// Derived: the compute-optimal exponents a = beta / (alpha + beta), b = alpha / (alpha + beta), and
// G = (alpha A / (beta B))^(1 / (alpha + beta)), so that under C = 6 N D
//   N_opt(C) = G (C/6)^a,   D_opt(C) = (C/6)^b / G.
#pragma once
#include <string>
#include <vector>

#include "fit/multistart.h"
#include "fit/scaling_points.h"

namespace sl {
struct ChinchillaParams {
  double E = 0, A = 0, B = 0, alpha = 0, beta = 0;

  double a() const { return beta / (alpha + beta); }
  double b() const { return alpha / (alpha + beta); }
  double G() const;
  double loss(double n, double d) const;
  double n_opt(double flops) const;
  double d_opt(double flops) const;
  // [a, alpha, b, beta, e] in the LSE layout (a = log A, e = log E).
  std::vector<double> theta() const;
  static ChinchillaParams from_theta(const double* theta);
};

struct StartGrid {
  std::vector<double> a, alpha, b, beta, e;
  size_t size() const { return a.size() * alpha.size() * b.size() * beta.size() * e.size(); }
  std::vector<std::vector<double>> starts() const;  // in the LSE layout
};
StartGrid hoffmann_start_grid();

struct ChinchillaOptions {
  StartGrid grid = hoffmann_start_grid();
  MinimizeOptions minimize;
  int keep_distinct_minima =
      9;  // how many other local minima to keep (bootstrap starts, diagnostics)
};

struct ChinchillaFit {
  ChinchillaParams params;
  double objective = 0;
  size_t starts = 0;
  size_t converged_starts = 0;  // NLopt reported success (code > 0)
  size_t best_start = 0;
  // The best local minima, distinct in parameters, best first (the first is `params`).
  std::vector<LocalMinimum> distinct_minima;
  std::vector<double> residuals;  // log L-hat - log L per point, in data order
};

// Data as the objective wants it: x1 = log N, x2 = log D, unit weights.
LseLawData chinchilla_law_data(const std::vector<ScalingPoint>& points);
const LseLawShape& chinchilla_shape();

// Checks the data can identify five parameters: at least 6 points, 2 distinct N and 2 distinct D.
absl::Status check_chinchilla_data(const std::vector<ScalingPoint>& points);
absl::StatusOr<ChinchillaFit> fit_chinchilla(const std::vector<ScalingPoint>& points,
                                             const ChinchillaOptions& opt);
// Up to `keep` minima, best first, each differing from those before it by more than `tol` in some
// parameter.
std::vector<LocalMinimum> distinct_minima(std::vector<LocalMinimum> minima, size_t keep,
                                          double tol = 1e-2);
}  // namespace sl
