#include "fit/seed_noise.h"

#include <cmath>
#include <map>
#include <tuple>

namespace sl {
SeedNoise estimate_seed_noise(const std::vector<ScalingPoint>& points) {
  std::map<std::tuple<double, double, std::string>, std::vector<double>> cells;
  for (const auto& p : points) cells[{p.n, p.d, p.cell}].push_back(std::log(p.loss));
  SeedNoise s;
  double sum_sq = 0;
  for (const auto& [key, logs] : cells) {
    if (logs.size() < 2) continue;
    double mean = 0;
    for (double x : logs) mean += x / static_cast<double>(logs.size());
    for (double x : logs) sum_sq += (x - mean) * (x - mean);
    s.cells += 1;
    s.runs += logs.size();
    s.dof += logs.size() - 1;
  }
  if (s.dof > 0) s.sigma_log = std::sqrt(sum_sq / static_cast<double>(s.dof));
  return s;
}
}  // namespace sl
