#include "fit/lse_law.h"

#include <algorithm>
#include <cmath>

namespace sl {
double huber(double r, double delta) {
  double a = std::fabs(r);
  return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
}

double lse_law_predict_log(const LseLawShape& shape, const double* theta, double x1, double x2) {
  double z[3];
  int k = 0;
  z[k++] = theta[0] - theta[1] * x1;
  if (shape.terms == 2) z[k++] = theta[2] - theta[3] * x2;
  if (shape.constant) z[k++] = theta[2 * shape.terms];
  double m = *std::max_element(z, z + k);
  double s = 0;
  for (int j = 0; j < k; ++j) s += std::exp(z[j] - m);
  return m + std::log(s);
}

double lse_law_objective(const LseLawShape& shape, const LseLawData& data, double delta,
                         const double* theta, double* grad) {
  const int dim = shape.dim();
  const bool two = shape.terms == 2;
  const int e_at = 2 * shape.terms;
  double g[5] = {0, 0, 0, 0, 0};
  double f = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    // z_j are the log terms; softmax weights p_j = d LSE / d z_j.
    double z[3];
    int k = 0;
    z[k++] = theta[0] - theta[1] * data.x1[i];
    if (two) z[k++] = theta[2] - theta[3] * data.x2[i];
    if (shape.constant) z[k++] = theta[e_at];
    double m = z[0];
    for (int j = 1; j < k; ++j) m = std::max(m, z[j]);
    double p[3], s = 0;
    for (int j = 0; j < k; ++j) s += (p[j] = std::exp(z[j] - m));
    double r = m + std::log(s) - data.log_loss[i];
    double w = data.weight[i];
    f += w * huber(r, delta);
    if (!grad) continue;
    double psi = w * std::clamp(r, -delta, delta) / s;  // w * Huber'(r), folded with 1/s
    g[0] += psi * p[0];
    g[1] -= psi * p[0] * data.x1[i];
    if (two) {
      g[2] += psi * p[1];
      g[3] -= psi * p[1] * data.x2[i];
    }
    if (shape.constant) g[e_at] += psi * p[k - 1];
  }
  if (grad) std::copy(g, g + dim, grad);
  return f;
}
}  // namespace sl
