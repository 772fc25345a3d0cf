#include "fit/kaplan.h"

#include <cmath>
#include <map>
#include <set>

namespace sl {
double PowerLawFit::predict(double x) const {
  return A / std::pow(x, alpha) + (with_constant ? E : 0.0);
}

absl::StatusOr<PowerLawFit> fit_power_law(const std::vector<double>& x,
                                          const std::vector<double>& loss, bool with_constant,
                                          const MinimizeOptions& opt) {
  std::set<double> distinct(x.begin(), x.end());
  size_t needed = with_constant ? 4 : 2;
  if (distinct.size() < needed) {
    return absl::InvalidArgumentError(
        absl::StrCat("needs ", needed, " distinct points, has ", distinct.size()));
  }
  LseLawShape shape{1, with_constant};
  LseLawData data;
  for (size_t i = 0; i < x.size(); ++i) {
    data.x1.push_back(std::log(x[i]));
    data.log_loss.push_back(std::log(loss[i]));
    data.weight.push_back(1.0);
  }
  // Starts: a over {0, 5, ..., 25}, alpha over {0, 0.5, ..., 2} (approach 3's grid), e over {-1,
  // ..., 1}.
  std::vector<std::vector<double>> starts;
  for (double a = 0; a <= 25; a += 5)
    for (double alpha = 0; alpha <= 2; alpha += 0.5) {
      if (!with_constant)
        starts.push_back({a, alpha});
      else
        for (double e = -1; e <= 1; e += 0.5) starts.push_back({a, alpha, e});
    }
  auto minima = minimize_from_starts(shape, data, starts, opt);
  int best = best_minimum(minima);
  if (best < 0) return absl::InternalError("no L-BFGS start reached a finite objective");
  const auto& t = minima[best].theta;
  PowerLawFit fit;
  fit.with_constant = with_constant;
  fit.A = std::exp(t[0]);
  fit.alpha = t[1];
  fit.x_c = std::exp(t[0] / t[1]);
  fit.E = with_constant ? std::exp(t[2]) : 0.0;
  fit.objective = minima[best].objective;
  return fit;
}

// For each value of `key`, the point with the largest `other` (ties: the lowest loss).
template <typename Key, typename Other>
static std::vector<size_t> best_per_key(const std::vector<ScalingPoint>& pts, Key key,
                                        Other other) {
  std::map<double, size_t> chosen;
  for (size_t i = 0; i < pts.size(); ++i) {
    auto [it, added] = chosen.emplace(key(pts[i]), i);
    const ScalingPoint& cur = pts[it->second];
    if (!added &&
        (other(pts[i]) > other(cur) || (other(pts[i]) == other(cur) && pts[i].loss < cur.loss)))
      it->second = i;
  }
  std::vector<size_t> out;
  for (const auto& [k, i] : chosen) out.push_back(i);
  return out;
}

static std::vector<size_t> compute_frontier(const std::vector<ScalingPoint>& pts) {
  std::map<double, size_t> by_c;  // the lowest loss at each C
  for (size_t i = 0; i < pts.size(); ++i) {
    auto [it, added] = by_c.emplace(pts[i].c, i);
    if (!added && pts[i].loss < pts[it->second].loss) it->second = i;
  }
  std::vector<size_t> out;
  double best = INFINITY;
  for (const auto& [c, i] : by_c) {
    if (pts[i].loss < best) {
      out.push_back(i);
      best = pts[i].loss;
    }
  }
  return out;
}

absl::StatusOr<KaplanFit> fit_kaplan(const std::vector<ScalingPoint>& pts,
                                     const MinimizeOptions& opt) {
  KaplanFit fit;
  auto N = [](const ScalingPoint& p) { return p.n; };
  auto D = [](const ScalingPoint& p) { return p.d; };
  fit.laws.push_back({"L(N)", "N", best_per_key(pts, N, D)});
  fit.laws.push_back({"L(D)", "D", best_per_key(pts, D, N)});
  fit.laws.push_back({"L(C)", "C", compute_frontier(pts)});
  bool any = false;
  for (auto& law : fit.laws) {
    for (size_t i : law.points) {
      const ScalingPoint& p = pts[i];
      law.x.push_back(law.variable == "N" ? p.n : law.variable == "D" ? p.d : p.c);
      law.loss.push_back(p.loss);
    }
    auto pure = fit_power_law(law.x, law.loss, false, opt);
    if (!pure.ok()) {
      law.note = absl::StrCat("not fitted: ", pure.status().message());
      continue;
    }
    law.pure = *pure;
    law.fitted = any = true;
    auto with_e = fit_power_law(law.x, law.loss, true, opt);
    if (with_e.ok()) {
      law.with_constant = *with_e;
      law.fitted_with_constant = true;
    } else {
      law.note = absl::StrCat("with E not fitted: ", with_e.status().message());
    }
  }
  if (!any) {
    return absl::InvalidArgumentError(
        absl::StrCat("the kaplan fits need at least 2 distinct sizes (L(N)), data sizes (L(D)) or "
                     "compute values on the "
                     "frontier (L(C)); got ",
                     fit.laws[0].points.size(), " sizes, ", fit.laws[1].points.size(),
                     " data sizes, ", fit.laws[2].points.size(), " frontier points"));
  }
  return fit;
}
}  // namespace sl
