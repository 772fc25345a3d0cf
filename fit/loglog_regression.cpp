#include "fit/loglog_regression.h"

#include <cmath>

namespace sl {
double LogLogLine::at(double x) const { return std::exp(log_intercept + slope * std::log(x)); }

LogLogLine fit_loglog_line(const std::vector<double>& x, const std::vector<double>& y) {
  LogLogLine line;
  const size_t n = x.size();
  line.points = n;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += std::log(x[i]);
    my += std::log(y[i]);
  }
  mx /= n;
  my /= n;
  double sxx = 0, sxy = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    double dx = std::log(x[i]) - mx, dy = std::log(y[i]) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  line.slope = sxy / sxx;
  line.log_intercept = my - line.slope * mx;
  double sse = syy - line.slope * sxy;
  line.r2 = syy > 0 ? 1 - sse / syy : 1;
  if (n >= 3) {
    double s2 = std::max(sse, 0.0) / static_cast<double>(n - 2);
    line.slope_se = std::sqrt(s2 / sxx);
    line.log_intercept_se = std::sqrt(s2 * (1.0 / n + mx * mx / sxx));
  } else {
    line.slope_se = line.log_intercept_se = std::nan("");
  }
  return line;
}
}  // namespace sl
