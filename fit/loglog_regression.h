// Ordinary least squares of log y on log x: y = k x^slope. Used for the compute-optimal exponents
// of approaches 1 and 2 (N_opt = k C^a). Standard errors need at least 3 points (else NaN).
#pragma once
#include <cstddef>
#include <vector>

namespace sl {
struct LogLogLine {
  double slope = 0, log_intercept = 0;  // log y = log_intercept + slope log x (natural logs)
  double slope_se = 0, log_intercept_se = 0;
  double r2 = 0;
  size_t points = 0;
  double at(double x) const;  // k x^slope
};

// x and y must be > 0 and the same length >= 2 with two distinct x.
LogLogLine fit_loglog_line(const std::vector<double>& x, const std::vector<double>& y);
}  // namespace sl
