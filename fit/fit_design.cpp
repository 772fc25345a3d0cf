#include "fit/fit_design.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "core/format.h"

namespace sl {
namespace {
constexpr int kDim = 5;
using Matrix = std::array<std::array<double, kDim>, kDim>;
const char* const kNames[kDim] = {"A", "alpha", "B", "beta", "E"};

// Inverse of a symmetric positive definite matrix by Gauss-Jordan with partial pivoting; false when
// a pivot vanishes relative to the matrix's scale (a direction the grid does not see).
bool invert(Matrix m, Matrix* inv) {
  Matrix r{};
  for (int i = 0; i < kDim; ++i) r[i][i] = 1;
  double scale = 0;
  for (int i = 0; i < kDim; ++i) scale = std::max(scale, std::fabs(m[i][i]));
  for (int col = 0; col < kDim; ++col) {
    int pivot = col;
    for (int i = col + 1; i < kDim; ++i)
      if (std::fabs(m[i][col]) > std::fabs(m[pivot][col])) pivot = i;
    if (!(std::fabs(m[pivot][col]) > 1e-13 * scale)) return false;
    std::swap(m[pivot], m[col]);
    std::swap(r[pivot], r[col]);
    const double p = m[col][col];
    for (int j = 0; j < kDim; ++j) {
      m[col][j] /= p;
      r[col][j] /= p;
    }
    for (int i = 0; i < kDim; ++i) {
      if (i == col) continue;
      const double f = m[i][col];
      for (int j = 0; j < kDim; ++j) {
        m[i][j] -= f * m[col][j];
        r[i][j] -= f * r[col][j];
      }
    }
  }
  *inv = r;
  return true;
}
}  // namespace

double huber_variance_factor(double delta, double sigma) {
  if (!(sigma > 0)) return 1.0;
  const double k = delta / sigma;
  const double inside = std::erf(k / std::sqrt(2.0));  // P(|r| < delta) = E[psi']
  const double phi = std::exp(-0.5 * k * k) / std::sqrt(2 * M_PI);
  // E[psi^2] / sigma^2: r^2 inside the band, delta^2 outside it.
  const double psi_sq = inside - 2 * k * phi + k * k * std::erfc(k / std::sqrt(2.0));
  return psi_sq / (inside * inside);
}

PredictedErrors predicted_errors(const ChinchillaParams& law, const std::vector<GridPoint>& grid,
                                 double sigma, double delta) {
  Matrix info{};
  for (const auto& g : grid) {
    const double tn = law.A / std::pow(g.n, law.alpha), td = law.B / std::pow(g.d, law.beta);
    const double l = law.E + tn + td;
    // d log L-hat / d [log A, alpha, log B, beta, E]: E itself, not log E, so that a fit with E
    // at its bound 0 still has a forecast.
    const std::array<double, kDim> j{tn / l, -std::log(g.n) * tn / l, td / l,
                                     -std::log(g.d) * td / l, 1 / l};
    for (int r = 0; r < kDim; ++r)
      for (int c = 0; c < kDim; ++c) info[r][c] += j[r] * j[c];
  }
  PredictedErrors out;
  Matrix cov;
  if (grid.size() < kDim || !invert(info, &cov)) return out;
  const double var = sigma * sigma * huber_variance_factor(delta, sigma);
  for (auto& row : cov)
    for (double& v : row) v *= var;
  out.identified = true;
  out.alpha = std::sqrt(cov[1][1]);
  out.beta = std::sqrt(cov[3][3]);
  out.e = std::sqrt(cov[4][4]);
  // a = beta / (alpha + beta), by the delta method.
  const double s = law.alpha + law.beta;
  const double ga = -law.beta / (s * s), gb = law.alpha / (s * s);
  out.a =
      std::sqrt(std::max(0.0, ga * ga * cov[1][1] + 2 * ga * gb * cov[1][3] + gb * gb * cov[3][3]));
  for (int r = 0; r < kDim; ++r) {
    for (int c = r + 1; c < kDim; ++c) {
      const double corr = cov[r][c] / std::sqrt(cov[r][r] * cov[c][c]);
      if (std::fabs(corr) > std::fabs(out.worst_correlation)) {
        out.worst_correlation = corr;
        out.worst_pair = absl::StrCat(kNames[r], " and ", kNames[c]);
      }
    }
  }
  return out;
}

std::vector<GridPoint> grid_of(const std::vector<ScalingPoint>& points, bool with_repeats) {
  std::vector<GridPoint> out;
  std::set<std::pair<double, double>> seen;
  for (const auto& p : points)
    if (with_repeats || seen.insert({p.n, p.d}).second) out.push_back({p.n, p.d});
  return out;
}

std::vector<Extension> suggest_extensions(const ChinchillaParams& law,
                                          const std::vector<GridPoint>& grid, double sigma,
                                          double delta) {
  std::set<double> ns, ds;
  for (const auto& g : grid) {
    ns.insert(g.n);
    ds.insert(g.d);
  }
  std::vector<Extension> out;
  if (ns.empty()) return out;
  auto add = [&](std::string what, std::vector<GridPoint> added) {
    Extension e;
    e.what = std::move(what);
    for (const auto& g : added) e.added_flops += 6 * g.n * g.d;
    std::vector<GridPoint> all = grid;
    all.insert(all.end(), added.begin(), added.end());
    e.errors = predicted_errors(law, all, sigma, delta);
    e.added = std::move(added);
    out.push_back(std::move(e));
  };
  auto at_every_d = [&](double n) {
    std::vector<GridPoint> v;
    for (double d : ds) v.push_back({n, d});
    return v;
  };
  auto at_every_n = [&](double d) {
    std::vector<GridPoint> v;
    for (double n : ns) v.push_back({n, d});
    return v;
  };
  const double n_big = 2 * *ns.rbegin(), n_small = *ns.begin() / 2;
  const double d_big = 2 * *ds.rbegin(), d_small = *ds.begin() / 2;
  add(absl::StrCat("a larger size, N = ", format_si(n_big), ", at each of the ", ds.size(),
                   " D values"),
      at_every_d(n_big));
  add(absl::StrCat("a smaller size, N = ", format_si(n_small), ", at each of the ", ds.size(),
                   " D values"),
      at_every_d(n_small));
  add(absl::StrCat("a larger budget, D = ", format_si(d_big), ", for each of the ", ns.size(),
                   " sizes"),
      at_every_n(d_big));
  add(absl::StrCat("a smaller budget, D = ", format_si(d_small), ", for each of the ", ns.size(),
                   " sizes"),
      at_every_n(d_small));
  add(absl::StrCat("a second seed of each of the ", grid.size(), " runs"), grid);
  auto worst = [](const Extension& e) {
    const double w = std::max(e.errors.alpha, e.errors.beta);
    return e.errors.identified && std::isfinite(w) ? w : INFINITY;
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const Extension& x, const Extension& y) { return worst(x) < worst(y); });
  return out;
}
}  // namespace sl
