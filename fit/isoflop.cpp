#include "fit/isoflop.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_format.h"

namespace sl {
std::vector<std::vector<size_t>> group_by_budget(const std::vector<ScalingPoint>& points,
                                                 bool use_budget_column, double tolerance) {
  std::vector<std::vector<size_t>> groups;
  if (use_budget_column) {
    std::map<double, std::vector<size_t>> by_budget;
    for (size_t i = 0; i < points.size(); ++i) by_budget[points[i].budget].push_back(i);
    for (auto& [budget, members] : by_budget) groups.push_back(std::move(members));
    return groups;
  }
  std::vector<size_t> order(points.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return points[a].c < points[b].c; });
  double group_start = 0;
  for (size_t i : order) {
    if (groups.empty() || points[i].c > group_start * (1 + tolerance)) {
      groups.emplace_back();
      group_start = points[i].c;
    }
    groups.back().push_back(i);
  }
  return groups;
}

void fit_parabola(const std::vector<double>& x, const std::vector<double>& y, double* c0,
                  double* c1, double* c2) {
  // Normal equations on centred x (better conditioned), then shifted back.
  const size_t n = x.size();
  double mx = 0;
  for (double v : x) mx += v;
  mx /= n;
  double s[5] = {0, 0, 0, 0, 0}, t[3] = {0, 0, 0};
  for (size_t i = 0; i < n; ++i) {
    double u = x[i] - mx, p = 1;
    for (int k = 0; k < 5; ++k) {
      if (k < 3) t[k] += p * y[i];
      s[k] += p;
      p *= u;
    }
  }
  // Solve [[s0 s1 s2] [s1 s2 s3] [s2 s3 s4]] q = t by Cramer's rule.
  auto det3 = [](double a, double b, double c, double d, double e, double f, double g, double h,
                 double i) {
    return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  };
  double D = det3(s[0], s[1], s[2], s[1], s[2], s[3], s[2], s[3], s[4]);
  double q0 = det3(t[0], s[1], s[2], t[1], s[2], s[3], t[2], s[3], s[4]) / D;
  double q1 = det3(s[0], t[0], s[2], s[1], t[1], s[3], s[2], t[2], s[4]) / D;
  double q2 = det3(s[0], s[1], t[0], s[1], s[2], t[1], s[2], s[3], t[2]) / D;
  // y = q0 + q1 (x - m) + q2 (x - m)^2
  *c2 = q2;
  *c1 = q1 - 2 * q2 * mx;
  *c0 = q0 - q1 * mx + q2 * mx * mx;
}

absl::StatusOr<IsoflopFit> fit_isoflop(const ScalingData& data, const IsoflopOptions& opt) {
  const auto& pts = data.points;
  IsoflopFit fit;
  fit.used_budget_column = data.has_budget;
  std::vector<double> flops, n_opt, d_opt;
  for (auto& members : group_by_budget(pts, data.has_budget, opt.budget_tolerance)) {
    IsoflopProfile prof;
    prof.members = members;
    double log_c = 0;
    std::set<double> all_sizes;
    size_t best = members[0];
    for (size_t i : members) {
      log_c += std::log(pts[i].c);
      all_sizes.insert(pts[i].n);
      if (pts[i].loss < pts[best].loss) best = i;
    }
    // The window: distinct sizes ranked by N, those within opt.window ranks of the best run's.
    const std::vector<double> ranked(all_sizes.begin(), all_sizes.end());
    const long best_rank =
        std::lower_bound(ranked.begin(), ranked.end(), pts[best].n) - ranked.begin();
    std::vector<double> x, y;
    std::set<double> sizes;
    for (size_t i : members) {
      const long rank = std::lower_bound(ranked.begin(), ranked.end(), pts[i].n) - ranked.begin();
      if (opt.window > 0 && std::labs(rank - best_rank) > static_cast<long>(opt.window)) continue;
      x.push_back(std::log(pts[i].n));
      y.push_back(pts[i].loss);
      sizes.insert(pts[i].n);
    }
    prof.fitted_sizes = sizes.size();
    prof.fitted_n_min = *sizes.begin();
    prof.fitted_n_max = *sizes.rbegin();
    prof.flops = data.has_budget ? pts[members[0]].budget : std::exp(log_c / members.size());
    const bool at_edge = best_rank == 0 || best_rank + 1 == static_cast<long>(ranked.size());
    if (all_sizes.size() < opt.min_sizes) {
      prof.note = absl::StrFormat("%zu distinct sizes; a parabola needs %zu", all_sizes.size(),
                                  opt.min_sizes);
    } else if (opt.window > 0 && at_edge) {
      prof.note = absl::StrFormat(
          "the lowest loss is at the %s size (N = %.3g): the minimum is not bracketed; add %s "
          "sizes",
          best_rank == 0 ? "smallest" : "largest", pts[best].n,
          best_rank == 0 ? "smaller" : "larger");
    } else {
      fit_parabola(x, y, &prof.c0, &prof.c1, &prof.c2);
      if (!(prof.c2 > 0)) {
        prof.note =
            "loss is not U-shaped in log N at this budget (no interior minimum); add larger and "
            "smaller sizes";
      } else {
        double x_opt = -prof.c1 / (2 * prof.c2);
        prof.n_opt = std::exp(x_opt);
        prof.d_opt = prof.flops / (6 * prof.n_opt);
        prof.loss_at_opt = prof.c0 + prof.c1 * x_opt + prof.c2 * x_opt * x_opt;
        prof.extrapolated = x_opt < *std::min_element(x.begin(), x.end()) ||
                            x_opt > *std::max_element(x.begin(), x.end());
        prof.usable = !prof.extrapolated;
        if (prof.extrapolated) {
          prof.note = absl::StrFormat(
              "minimum (N = %.3g) lies outside the fitted sizes, not used; add %s sizes",
              prof.n_opt, x_opt < *std::min_element(x.begin(), x.end()) ? "smaller" : "larger");
        } else {
          flops.push_back(prof.flops);
          n_opt.push_back(prof.n_opt);
          d_opt.push_back(prof.d_opt);
        }
      }
    }
    fit.profiles.push_back(std::move(prof));
  }
  std::set<double> distinct_flops(flops.begin(), flops.end());
  if (distinct_flops.size() < 2) {
    std::string detail;
    for (const auto& p : fit.profiles)
      detail += absl::StrFormat("; C=%.3g: %zu runs%s%s", p.flops, p.members.size(),
                                p.usable ? "" : ", ", p.usable ? "" : p.note);
    return absl::InvalidArgumentError(absl::StrCat(
        "the isoflop fit needs at least 2 compute budgets, each with runs of >= ", opt.min_sizes,
        " sizes whose loss is U-shaped in log N; got ", distinct_flops.size(), " usable of ",
        fit.profiles.size(), " budgets", detail,
        data.has_budget ? ""
                        : " (budgets grouped by C within --budget-tolerance; a flops_budget column "
                          "overrides)"));
  }
  fit.n_opt_line = fit_loglog_line(flops, n_opt);
  fit.d_opt_line = fit_loglog_line(flops, d_opt);
  return fit;
}
}  // namespace sl
