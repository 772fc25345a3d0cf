#include "fit/fit_json.h"

#include <cmath>

namespace sl {
using nlohmann::json;

static json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json loglog_line_to_json(const LogLogLine& line) {
  return json{{"exponent", number(line.slope)},
              {"exponent_se", number(line.slope_se)},
              {"coefficient", number(std::exp(line.log_intercept))},
              {"log_coefficient_se", number(line.log_intercept_se)},
              {"r2", number(line.r2)},
              {"points", line.points}};
}

json chinchilla_to_json(const ChinchillaFit& fit, const std::vector<ScalingPoint>& points,
                        const BootstrapResult* boot) {
  const ChinchillaParams& p = fit.params;
  json j{{"law", "L(N, D) = E + A / N^alpha + B / D^beta"},
         {"E", p.E},
         {"A", p.A},
         {"B", p.B},
         {"alpha", p.alpha},
         {"beta", p.beta},
         {"a", number(p.a())},
         {"b", number(p.b())},
         {"G", number(p.G())},
         {"objective", fit.objective},
         {"huber_delta", kHuberDelta},
         {"starts", fit.starts},
         {"converged_starts", fit.converged_starts},
         {"best_start", fit.best_start}};
  json minima = json::array();
  for (const auto& m : fit.distinct_minima) {
    ChinchillaParams q = ChinchillaParams::from_theta(m.theta.data());
    minima.push_back({{"objective", m.objective},
                      {"E", q.E},
                      {"A", q.A},
                      {"B", q.B},
                      {"alpha", q.alpha},
                      {"beta", q.beta},
                      {"start", m.start_index}});
  }
  j["local_minima"] = minima;
  if (boot) {
    json intervals, se;
    for (const auto& [name, s] : boot->summary) {
      intervals[name] = {s.low, s.high};
      se[name] = s.se;
    }
    j["intervals"] = intervals;
    j["standard_errors"] = se;
    j["bootstrap"] = {
        {"samples", boot->options.samples},
        {"seed", boot->options.seed},
        {"level", boot->options.level},
        {"failed", boot->failed},
        {"refit_starts",
         boot->options.full_grid ? "full grid" : "full-data optimum + distinct local minima"}};
    // Every refit's (E, A, B, alpha, beta): `plan` evaluates them at its budget for an interval
    // on N_opt, D_opt and the loss there (marginal intervals cannot give one: the five co-vary).
    json refits = json::array();
    for (const auto& r : boot->refits) refits.push_back({r[0], r[1], r[2], r[3], r[4]});
    j["bootstrap"]["refits_columns"] = {"E", "A", "B", "alpha", "beta"};
    j["bootstrap"]["refits"] = refits;
  }
  json data = json::array();
  double ss = 0, worst = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& pt = points[i];
    double r = fit.residuals[i];
    ss += r * r;
    worst = std::max(worst, std::fabs(r));
    data.push_back({{"run_id", pt.run_id},
                    {"N", pt.n},
                    {"D", pt.d},
                    {"C", pt.c},
                    {"loss", pt.loss},
                    {"predicted", p.loss(pt.n, pt.d)},
                    {"residual", r}});
  }
  j["residuals"] = {{"rms", std::sqrt(ss / points.size())},
                    {"max_abs", worst},
                    {"definition", "log predicted - log observed"}};
  j["data"] = data;
  return j;
}

json isoflop_to_json(const IsoflopFit& fit, const std::vector<ScalingPoint>& points) {
  json budgets = json::array();
  for (const auto& prof : fit.profiles) {
    json runs = json::array();
    for (size_t i : prof.members) {
      const auto& pt = points[i];
      runs.push_back(
          {{"run_id", pt.run_id}, {"N", pt.n}, {"D", pt.d}, {"C", pt.c}, {"loss", pt.loss}});
    }
    json b{{"flops", prof.flops},
           {"usable", prof.usable},
           {"note", prof.note},
           {"runs", runs},
           {"fitted_sizes", prof.fitted_sizes},
           {"fitted_N", {prof.fitted_n_min, prof.fitted_n_max}}};
    if (prof.usable) {
      b["N_opt"] = prof.n_opt;
      b["D_opt"] = prof.d_opt;
      b["loss_at_opt"] = prof.loss_at_opt;
      b["extrapolated"] = prof.extrapolated;
      b["parabola"] = {{"c0", prof.c0}, {"c1", prof.c1}, {"c2", prof.c2}, {"x", "ln N"}};
    }
    budgets.push_back(b);
  }
  return json{{"a", number(fit.n_opt_line.slope)},
              {"b", number(fit.d_opt_line.slope)},
              {"N_opt", loglog_line_to_json(fit.n_opt_line)},
              {"D_opt", loglog_line_to_json(fit.d_opt_line)},
              {"budgets_from",
               fit.used_budget_column ? "budget column" : "C grouped by relative tolerance"},
              {"budgets", budgets}};
}

json envelope_to_json(const EnvelopeFit& fit, const CurveData& data) {
  json pts = json::array();
  for (const auto& e : fit.envelope)
    pts.push_back({{"C", e.flops}, {"loss", e.loss}, {"N", e.n}, {"D", e.d}, {"run_id", e.run_id}});
  return json{{"a", number(fit.n_opt_line.slope)},
              {"b", number(fit.d_opt_line.slope)},
              {"N_opt", loglog_line_to_json(fit.n_opt_line)},
              {"D_opt", loglog_line_to_json(fit.d_opt_line)},
              {"runs", data.runs.size()},
              {"distinct_sizes_on_envelope", fit.distinct_sizes},
              {"points_above_frontier", fit.above_frontier},
              {"envelope", pts}};
}

static json power_law_json(const PowerLawFit& f, const std::string& var) {
  json j{{"alpha", f.alpha}, {var + "_c", number(f.x_c)}, {"A", f.A}, {"objective", f.objective}};
  if (f.with_constant) j["E"] = f.E;
  return j;
}

json kaplan_to_json(const KaplanFit& fit, const std::vector<ScalingPoint>& points) {
  json j;
  for (const auto& law : fit.laws) {
    json data = json::array();
    for (size_t k = 0; k < law.points.size(); ++k)
      data.push_back({{"run_id", points[law.points[k]].run_id},
                      {law.variable, law.x[k]},
                      {"loss", law.loss[k]}});
    json l{{"variable", law.variable}, {"fitted", law.fitted}, {"note", law.note}, {"data", data}};
    if (law.fitted) l["without_E"] = power_law_json(law.pure, law.variable);
    if (law.fitted_with_constant) l["with_E"] = power_law_json(law.with_constant, law.variable);
    j[law.name] = l;
  }
  return j;
}
}  // namespace sl
