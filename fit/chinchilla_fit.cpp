#include "fit/chinchilla_fit.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace sl {
double ChinchillaParams::G() const {
  return std::pow(alpha * A / (beta * B), 1.0 / (alpha + beta));
}
double ChinchillaParams::loss(double n, double d) const {
  return E + A / std::pow(n, alpha) + B / std::pow(d, beta);
}
double ChinchillaParams::n_opt(double flops) const { return G() * std::pow(flops / 6.0, a()); }
double ChinchillaParams::d_opt(double flops) const { return std::pow(flops / 6.0, b()) / G(); }

std::vector<double> ChinchillaParams::theta() const {
  return {std::log(A), alpha, std::log(B), beta, std::log(E)};
}
ChinchillaParams ChinchillaParams::from_theta(const double* t) {
  ChinchillaParams p;
  p.A = std::exp(t[0]);
  p.alpha = t[1];
  p.B = std::exp(t[2]);
  p.beta = t[3];
  p.E = std::exp(t[4]);
  return p;
}

static std::vector<double> steps(double from, double to, double step) {
  std::vector<double> v;
  for (double x = from; x <= to + 1e-9; x += step) v.push_back(x);
  return v;
}

StartGrid hoffmann_start_grid() {
  StartGrid g;
  g.alpha = g.beta = steps(0, 2, 0.5);
  g.e = steps(-1, 1, 0.5);
  g.a = g.b = steps(0, 25, 5);
  return g;
}

std::vector<std::vector<double>> StartGrid::starts() const {
  std::vector<std::vector<double>> out;
  out.reserve(size());
  for (double va : a)
    for (double valpha : alpha)
      for (double vb : b)
        for (double vbeta : beta)
          for (double ve : e) out.push_back({va, valpha, vb, vbeta, ve});
  return out;
}

const LseLawShape& chinchilla_shape() {
  static const LseLawShape shape{2, true};
  return shape;
}

LseLawData chinchilla_law_data(const std::vector<ScalingPoint>& points) {
  LseLawData d;
  for (const auto& p : points) {
    d.x1.push_back(std::log(p.n));
    d.x2.push_back(std::log(p.d));
    d.log_loss.push_back(std::log(p.loss));
    d.weight.push_back(1.0);
  }
  return d;
}

absl::Status check_chinchilla_data(const std::vector<ScalingPoint>& points) {
  std::set<double> ns, ds;
  for (const auto& p : points) {
    ns.insert(p.n);
    ds.insert(p.d);
  }
  if (points.size() < 6 || ns.size() < 2 || ds.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the chinchilla law has 5 parameters and needs at least 6 points with at least 2 distinct "
        "N and 2 "
        "distinct D; got ",
        points.size(), " points, ", ns.size(), " distinct N, ", ds.size(), " distinct D"));
  }
  return absl::OkStatus();
}

std::vector<LocalMinimum> distinct_minima(std::vector<LocalMinimum> minima, size_t keep,
                                          double tol) {
  std::stable_sort(minima.begin(), minima.end(), [](const LocalMinimum& x, const LocalMinimum& y) {
    return x.objective < y.objective;
  });
  std::vector<LocalMinimum> out;
  for (auto& m : minima) {
    if (out.size() >= keep || !std::isfinite(m.objective)) break;
    bool is_new = std::all_of(out.begin(), out.end(), [&](const LocalMinimum& o) {
      for (size_t j = 0; j < m.theta.size(); ++j)
        if (std::fabs(m.theta[j] - o.theta[j]) > tol) return true;
      return false;
    });
    if (is_new) out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<ChinchillaFit> fit_chinchilla(const std::vector<ScalingPoint>& points,
                                             const ChinchillaOptions& opt) {
  SL_RETURN_IF_ERROR(check_chinchilla_data(points));
  if (opt.grid.size() == 0)
    return absl::InvalidArgumentError("chinchilla fit: the start grid is empty");
  LseLawData data = chinchilla_law_data(points);
  std::vector<LocalMinimum> minima =
      minimize_from_starts(chinchilla_shape(), data, opt.grid.starts(), opt.minimize);
  int best = best_minimum(minima);
  if (best < 0) {
    return absl::InternalError(absl::StrCat("chinchilla fit: none of ", minima.size(),
                                            " L-BFGS starts reached a finite objective"));
  }
  ChinchillaFit fit;
  fit.params = ChinchillaParams::from_theta(minima[best].theta.data());
  fit.objective = minima[best].objective;
  fit.starts = minima.size();
  fit.best_start = static_cast<size_t>(best);
  for (const auto& m : minima) fit.converged_starts += m.nlopt_result > 0 ? 1 : 0;
  for (size_t i = 0; i < data.size(); ++i) {
    fit.residuals.push_back(
        lse_law_predict_log(chinchilla_shape(), minima[best].theta.data(), data.x1[i], data.x2[i]) -
        data.log_loss[i]);
  }
  fit.distinct_minima =
      distinct_minima(std::move(minima), 1 + static_cast<size_t>(opt.keep_distinct_minima));
  return fit;
}
}  // namespace sl
