// When an approach-3 fit says little: what `scalelab fit` warns about, on stderr and in fit.json's
// "warnings", so nobody reads a law off six points without being told.
//   - fewer points than the law's five parameters plus two
//   - a parameter whose bootstrap standard error is larger than its estimate (unconstrained)
//   - a parameter at the edge of what the law allows: E ~ 0 (below 1% of the smallest loss), or an
//     exponent alpha, beta outside [0.02, 3]
#pragma once
#include <string>
#include <vector>

#include "fit/bootstrap.h"
#include "fit/chinchilla_fit.h"

namespace sl {
std::vector<std::string> chinchilla_warnings(const ChinchillaFit& fit,
                                             const std::vector<ScalingPoint>& points,
                                             const BootstrapResult* boot);
}  // namespace sl
