// The laws fitted here, in the log-sum-exp form of Hoffmann et al. 2022 (appendix D.2):
//   log L-hat = LSE(a1 - alpha1 x1, [a2 - alpha2 x2], [e])
// i.e. L-hat = A1 / X1^alpha1 [+ A2 / X2^alpha2] [+ E] with A = exp(a), E = exp(e), x = log X.
// Chinchilla is two terms (x1 = log N, x2 = log D) plus e; Kaplan is one term, with or without e.
// The objective is sum_i w_i Huber_delta(log L-hat_i - log L_i) (a sum, not a mean: Besiroglu et
// al. 2024 trace Hoffmann's early L-BFGS stops to the mean), with its gradient in closed form.
// Parameter vector layout: [a1, alpha1, (a2, alpha2), (e)].
#pragma once
#include <cstddef>
#include <vector>

namespace sl {
struct LseLawShape {
  int terms = 2;         // 1 or 2 power-law terms
  bool constant = true;  // the irreducible term e
  int dim() const { return 2 * terms + (constant ? 1 : 0); }
};

struct LseLawData {
  std::vector<double> x1, x2;  // log of the variable of each term (x2 empty for one term)
  std::vector<double> log_loss;
  std::vector<double> weight;  // per point (bootstrap multiplicity); all 1 for a plain fit
  size_t size() const { return log_loss.size(); }
};

// Hoffmann et al.'s delta: at 1e-3 almost every residual is in the linear (L1-like) part.
constexpr double kHuberDelta = 1e-3;

double huber(double r, double delta);
// log L-hat at one point.
double lse_law_predict_log(const LseLawShape& shape, const double* theta, double x1, double x2);
// The objective; writes the gradient into grad (dim values) when grad is not null.
double lse_law_objective(const LseLawShape& shape, const LseLawData& data, double delta,
                         const double* theta, double* grad);
}  // namespace sl
