#include "fit/fit_diagnostics.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "core/format.h"

namespace sl {
namespace {
// "+-0.123" for a forecast 95% half-width from its SE; "unbounded" when it is not finite or above
// 10 (the linearisation says nothing useful there).
std::string plus_minus(double se) {
  const double hw = 1.96 * se;
  return std::isfinite(hw) && hw < 10 ? absl::StrFormat("+-%.3f", hw) : std::string("unbounded");
}

// Half the width of an interval around its estimate: the larger side.
double half_width(const IntervalSummary& s) {
  return std::max(s.high - s.estimate, s.estimate - s.low);
}

nlohmann::json errors_json(const PredictedErrors& e) {
  if (!e.identified) return {{"identified", false}};
  return {{"identified", true},
          {"se_alpha", e.alpha},
          {"se_beta", e.beta},
          {"se_a", e.a},
          {"se_E", e.e},
          {"most_correlated", e.worst_pair},
          {"correlation", e.worst_correlation}};
}
}  // namespace

FitDiagnostics diagnose_chinchilla(const ChinchillaFit& fit,
                                   const std::vector<ScalingPoint>& points,
                                   const BootstrapResult* boot, const NoiseLevels& noise,
                                   double target) {
  FitDiagnostics d;
  d.noise = noise;
  const double sigma = noise.bootstrap_sigma > 0 ? noise.bootstrap_sigma
                                                 : std::max(noise.floor(), noise.residual_sd);
  const std::vector<GridPoint> grid = grid_of(points, true);
  d.forecast = predicted_errors(fit.params, grid, sigma, kHuberDelta);

  std::string floor_text;
  if (noise.given >= 0)
    floor_text = absl::StrFormat("%.4f (given with --seed-noise)", noise.given);
  else if (noise.seeds.measured())
    floor_text = absl::StrFormat("%.4f (sd of log loss between seeds: %zu cells, %zu runs)",
                                 noise.seeds.sigma_log, noise.seeds.cells, noise.seeds.runs);
  else
    floor_text = "not measured (no run repeated with another seed; --seed-noise gives it)";
  d.text += absl::StrFormat("  noise floor: %s; residual sd %.4f", floor_text, noise.residual_sd);
  if (noise.bootstrap_sigma > 0)
    d.text += absl::StrFormat("; bootstrap noise %.4f", noise.bootstrap_sigma);
  d.text += "\n";
  d.json["noise"] = {
      {"seed_sigma_log",
       noise.seeds.measured() ? nlohmann::json(noise.seeds.sigma_log) : nlohmann::json(nullptr)},
      {"seed_cells", noise.seeds.cells},
      {"seed_runs", noise.seeds.runs},
      {"seed_dof", noise.seeds.dof},
      {"given", noise.given >= 0 ? nlohmann::json(noise.given) : nlohmann::json(nullptr)},
      {"residual_sd", noise.residual_sd},
      {"bootstrap_sigma", noise.bootstrap_sigma}};
  d.json["forecast"] = errors_json(d.forecast);

  // Which exponent the data leave loose: the bootstrap's interval when there is one, else the
  // forecast.
  std::vector<std::string> loose;
  for (const char* name : {"alpha", "beta"}) {
    double hw = 0;
    std::string interval;
    if (boot) {
      const auto& s = boot->summary.at(name);
      hw = half_width(s);
      interval = absl::StrFormat("[%.3g, %.3g]", s.low, s.high);
    } else {
      hw = 1.96 * (std::string(name) == "alpha" ? d.forecast.alpha : d.forecast.beta);
      interval = "forecast";
    }
    if (boot ? hw > target : (!d.forecast.identified || hw > target)) {
      loose.push_back(name);
      d.warnings.push_back(absl::StrFormat(
          "chinchilla: %s is not pinned down: its interval %s reaches +-%.2f from the estimate "
          "(wanted +-%.2f)%s",
          name, interval, hw, target,
          d.forecast.identified
              ? absl::StrFormat("; the grid trades %s off (correlation %.2f)",
                                d.forecast.worst_pair, d.forecast.worst_correlation)
              : std::string("; the grid cannot separate the five parameters")));
    }
  }
  d.json["loose"] = loose;
  if (loose.empty()) return d;

  d.extensions = suggest_extensions(fit.params, grid_of(points, false), sigma, kHuberDelta);
  double grid_flops = 0;
  for (const auto& g : grid) grid_flops += 6 * g.n * g.d;
  d.text +=
      d.forecast.identified
          ? absl::StrFormat(
                "  forecast at noise %.4f: alpha %s, beta %s (95%%); what would shrink them:\n",
                sigma, plus_minus(d.forecast.alpha), plus_minus(d.forecast.beta))
          : absl::StrFormat(
                "  forecast at noise %.4f: these (N, D) cannot separate the five "
                "parameters; what would:\n",
                sigma);
  nlohmann::json ext = nlohmann::json::array();
  for (const auto& e : d.extensions) {
    if (!e.errors.identified) continue;
    d.text += absl::StrFormat("    + %-58s alpha %s  beta %s  compute +%.3g%%\n", e.what,
                              plus_minus(e.errors.alpha), plus_minus(e.errors.beta),
                              100 * e.added_flops / grid_flops);
    nlohmann::json runs = nlohmann::json::array();
    for (const auto& g : e.added) runs.push_back({{"N", g.n}, {"D", g.d}});
    ext.push_back({{"what", e.what},
                   {"runs", runs},
                   {"added_flops_6nd", e.added_flops},
                   {"added_compute_fraction", e.added_flops / grid_flops},
                   {"forecast", errors_json(e.errors)}});
  }
  d.text +=
      "    (N and D as the fit counts them; add them to the sweep's models.sizes / data.tokens and "
      "check the time with `scalelab sweep SPEC --dry-run`)\n";
  d.json["extensions"] = ext;
  if (!d.extensions.empty() && d.extensions.front().errors.identified)
    d.warnings.push_back(absl::StrFormat(
        "chinchilla: of the extensions tried, %s shrinks the exponents' intervals most (forecast "
        "alpha %s, beta %s, compute +%.3g%%); see the table",
        d.extensions.front().what, plus_minus(d.extensions.front().errors.alpha),
        plus_minus(d.extensions.front().errors.beta),
        100 * d.extensions.front().added_flops / grid_flops));
  return d;
}
}  // namespace sl
