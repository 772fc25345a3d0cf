#include "model/shape_rule.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_format.h"
#include "model/accounting.h"

namespace sl {
absl::StatusOr<GptConfig> shape_for_nonembedding_params(double target, const ShapeRule& rule,
                                                        const GptConfig& base) {
  if (!(target > 0))
    return absl::InvalidArgumentError(absl::StrCat("target size must be > 0, got ", target));
  if (rule.head_dim < 1 || rule.aspect <= 0) {
    return absl::InvalidArgumentError("shape rule: head_dim must be >= 1 and aspect > 0");
  }
  GptConfig best;
  bool found = false;
  double best_n_err = std::numeric_limits<double>::infinity(), best_aspect_err = best_n_err;
  for (int layers = 1; layers <= rule.max_layers; ++layers) {
    // Per layer ~12 d^2, so d ~ sqrt(N / 12 L); scan the head_dim multiples around it.
    double d_guess = std::sqrt(target / (12.0 * layers));
    int k0 = std::max(1, static_cast<int>(d_guess / rule.head_dim) - 2);
    for (int k = k0; k <= k0 + 4; ++k) {
      GptConfig c = base;
      c.n_layer = layers;
      c.d_model = k * rule.head_dim;
      c.n_head = k;
      c.d_ff = 0;
      double n = static_cast<double>(count_params(c).nonembedding);
      double n_err = std::fabs(std::log(n / target));
      double aspect_err =
          std::fabs(std::log(static_cast<double>(c.d_model) / layers / rule.aspect));
      bool in_tol = n_err <= std::log1p(rule.tolerance);
      bool best_in_tol = best_n_err <= std::log1p(rule.tolerance);
      bool better = !found || (in_tol && (!best_in_tol || aspect_err < best_aspect_err)) ||
                    (!in_tol && !best_in_tol && n_err < best_n_err);
      if (better) {
        best = c;
        best_n_err = n_err;
        best_aspect_err = aspect_err;
        found = true;
      }
    }
  }
  return best;
}
}  // namespace sl
