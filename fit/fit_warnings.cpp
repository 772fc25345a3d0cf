#include "fit/fit_warnings.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace sl {
std::vector<std::string> chinchilla_warnings(const ChinchillaFit& fit,
                                             const std::vector<ScalingPoint>& points,
                                             const BootstrapResult* boot) {
  std::vector<std::string> out;
  constexpr size_t kParams = 5;
  if (points.size() < kParams + 2) {
    out.push_back(absl::StrFormat(
        "chinchilla: %d points for 5 parameters (fewer than 7): the fit is barely determined; "
        "add runs (more sizes and budgets)",
        points.size()));
  }
  if (boot) {
    for (const auto& [name, s] : boot->summary) {
      if (s.se > std::fabs(s.estimate)) {
        out.push_back(absl::StrFormat(
            "chinchilla: %s = %.4g has a standard error of %.3g, larger than itself: these points "
            "do not constrain it (its interval [%.3g, %.3g])",
            name, s.estimate, s.se, s.low, s.high));
      }
    }
  }
  const ChinchillaParams& p = fit.params;
  double min_loss = INFINITY;
  for (const auto& pt : points) min_loss = std::min(min_loss, pt.loss);
  if (std::isfinite(min_loss) && p.E < 0.01 * min_loss) {
    out.push_back(absl::StrFormat(
        "chinchilla: E = %.3g sits at its bound 0 (under 1%% of the smallest loss, %.4g): the "
        "irreducible loss is not identified; add larger runs",
        p.E, min_loss));
  }
  for (const auto& [name, v] :
       {std::pair<const char*, double>{"alpha", p.alpha}, {"beta", p.beta}}) {
    if (v < 0.02 || v > 3) {
      out.push_back(absl::StrFormat(
          "chinchilla: %s = %.3g is outside [0.02, 3], where published fits lie (0.28-0.37): "
          "the fit is at an edge; add runs spanning more of N and D",
          name, v));
    }
  }
  return out;
}
}  // namespace sl
