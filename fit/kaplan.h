// Kaplan et al. 2020 power laws, each fitted without and with an irreducible term:
//   L(N) = (N_c / N)^alpha_N [+ E]   on the largest-D run of each size N
//   L(D) = (D_c / D)^alpha_D [+ E]   on the largest-N run of each data size D
//   L(C) = (C_c / C)^alpha_C [+ E]   on the compute frontier: runs whose loss beats every run of
//                                    smaller C (C = 6 N D, or --c-col)
// Fitted like approach 3 (Huber on log residuals, LSE form, L-BFGS from a grid of starts), so the
// two approaches weigh points the same way. X_c = A^(1/alpha) for the fitted A / X^alpha.
#pragma once
#include <string>
#include <vector>

#include "fit/multistart.h"
#include "fit/scaling_points.h"

namespace sl {
struct PowerLawFit {
  bool with_constant = false;
  double alpha = 0, A = 0, x_c = 0, E = 0;
  double objective = 0;
  double predict(double x) const;
};

struct KaplanLaw {
  std::string name;            // "L(N)", "L(D)", "L(C)"
  std::string variable;        // "N", "D", "C"
  std::vector<size_t> points;  // indices into the data used
  std::vector<double> x, loss;
  bool fitted = false, fitted_with_constant = false;
  PowerLawFit pure, with_constant;
  std::string note;  // why a fit is missing
};

struct KaplanFit {
  std::vector<KaplanLaw> laws;  // L(N), L(D), L(C)
};

// One-term power law by multistart L-BFGS; needs >= 2 points (>= 4 with the constant).
absl::StatusOr<PowerLawFit> fit_power_law(const std::vector<double>& x,
                                          const std::vector<double>& loss, bool with_constant,
                                          const MinimizeOptions& opt);
absl::StatusOr<KaplanFit> fit_kaplan(const std::vector<ScalingPoint>& points,
                                     const MinimizeOptions& opt);
}  // namespace sl
