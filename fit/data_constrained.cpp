// The data-constrained law (data_constrained.h): its formulas, the two-stage fit, the bootstrap.
#include "fit/data_constrained.h"

#include <nlopt.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace sl {
namespace {
using nlohmann::json;

bool repeats(const ScalingPoint& p) { return unique_tokens_of(p) < p.d * (1 - 1e-9); }

// Both stages' objective: the weighted Huber loss of log residuals of the law `p` at `points`
// (HUGE_VAL where the law is not finite, so the optimiser steps back).
double weighted_log_huber(const DataConstrainedParams& p, const std::vector<ScalingPoint>& points,
                          const std::vector<double>& weight, double delta) {
  double f = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const ScalingPoint& q = points[i];
    const double r = std::log(p.loss(q.n, q.d, unique_tokens_of(q))) - std::log(q.loss);
    f += weight[i] * huber(r, delta);
  }
  return std::isfinite(f) ? f : HUGE_VAL;
}

struct Stage2 {
  const ChinchillaParams* base;
  const std::vector<ScalingPoint>* points;  // repeated ones
  const std::vector<double>* weight;
  bool with_r_n;
  double delta;
};

double stage2_objective(unsigned n, const double* x, double* grad, void* ctx_ptr) {
  (void)n;
  (void)grad;  // derivative-free (BOBYQA)
  const auto& ctx = *static_cast<const Stage2*>(ctx_ptr);
  DataConstrainedParams p;
  p.base = *ctx.base;
  p.r_d = std::exp(x[0]);
  p.r_n = ctx.with_r_n ? std::exp(x[1]) : 1.0;
  return weighted_log_huber(p, *ctx.points, *ctx.weight, ctx.delta);
}

// log R_D* (and log R_N*) minimising stage 2 from a grid of starts; the best objective.
double fit_stage2(const ChinchillaParams& base, const std::vector<ScalingPoint>& repeated,
                  const std::vector<double>& weight, bool with_r_n, const MinimizeOptions& opt,
                  double* r_d, double* r_n) {
  Stage2 ctx{&base, &repeated, &weight, with_r_n, opt.delta};
  const unsigned dim = with_r_n ? 2 : 1;
  const double lo = std::log(0.01), hi = std::log(1e5);
  const std::vector<double> grid{0.5, 2, 8, 30, 120};
  double best = HUGE_VAL;
  for (double sd : grid) {
    for (double sn : with_r_n ? grid : std::vector<double>{1.0}) {
      nlopt_opt h = nlopt_create(NLOPT_LN_BOBYQA, dim);
      const double lb[2] = {lo, lo}, ub[2] = {hi, hi};
      nlopt_set_lower_bounds(h, lb);
      nlopt_set_upper_bounds(h, ub);
      nlopt_set_min_objective(h, stage2_objective, &ctx);
      nlopt_set_ftol_rel(h, opt.ftol_rel);
      nlopt_set_xtol_rel(h, opt.xtol_rel);
      nlopt_set_maxeval(h, opt.max_evals);
      double x[2] = {std::log(sd), std::log(sn)}, f = HUGE_VAL;
      const nlopt_result res = nlopt_optimize(h, x, &f);
      nlopt_destroy(h);
      if (res < 0 && res != NLOPT_ROUNDOFF_LIMITED) continue;
      if (f < best) {
        best = f;
        *r_d = std::exp(x[0]);
        *r_n = with_r_n ? std::exp(x[1]) : NAN;
      }
    }
  }
  return best;
}

// Stage 3: all seven parameters together on every point, from stages 1 and 2. The law bends the
// single-epoch runs too (a model bigger than N_opt(D) has N' < N), which stage 1 cannot see.
struct Joint {
  const std::vector<ScalingPoint>* points;
  const std::vector<double>* weight;
  bool with_r_n;
  double delta;
};

DataConstrainedParams joint_params(const double* x, bool with_r_n) {
  DataConstrainedParams p;
  p.base = ChinchillaParams::from_theta(x);  // [log A, alpha, log B, beta, log E]
  p.r_d = std::exp(x[5]);
  p.r_n = with_r_n ? std::exp(x[6]) : NAN;
  return p;
}

double joint_objective(unsigned n, const double* x, double* grad, void* ctx_ptr) {
  (void)n;
  (void)grad;
  const auto& ctx = *static_cast<const Joint*>(ctx_ptr);
  DataConstrainedParams p = joint_params(x, ctx.with_r_n);
  if (!ctx.with_r_n) p.r_n = 1.0;
  return weighted_log_huber(p, *ctx.points, *ctx.weight, ctx.delta);
}

double refine_jointly(const std::vector<ScalingPoint>& points, const std::vector<double>& weight,
                      bool with_r_n, const MinimizeOptions& opt, DataConstrainedParams* p) {
  Joint ctx{&points, &weight, with_r_n, opt.delta};
  const unsigned dim = with_r_n ? 7 : 6;
  std::vector<double> x = p->base.theta();
  x.push_back(std::log(p->r_d));
  if (with_r_n) x.push_back(std::log(p->r_n));
  nlopt_opt h = nlopt_create(NLOPT_LN_BOBYQA, dim);
  nlopt_set_min_objective(h, joint_objective, &ctx);
  nlopt_set_ftol_rel(h, opt.ftol_rel);
  nlopt_set_xtol_rel(h, opt.xtol_rel);
  nlopt_set_maxeval(h, 20 * opt.max_evals);
  double f = HUGE_VAL;
  const nlopt_result res = nlopt_optimize(h, x.data(), &f);
  nlopt_destroy(h);
  if (res < 0 && res != NLOPT_ROUNDOFF_LIMITED) return HUGE_VAL;
  const double keep_r_n = p->r_n;
  *p = joint_params(x.data(), with_r_n);
  if (!with_r_n) p->r_n = keep_r_n;
  return f;
}

struct Groups {
  std::vector<ScalingPoint> single, repeated;
};

Groups split_groups(const std::vector<ScalingPoint>& points) {
  Groups g;
  for (const auto& p : points) (repeats(p) ? g.repeated : g.single).push_back(p);
  return g;
}

bool r_n_matters(const ChinchillaParams& base, const std::vector<ScalingPoint>& repeated) {
  DataConstrainedParams p;
  p.base = base;
  for (const auto& q : repeated)
    if (q.n > p.n_opt_for_unique(unique_tokens_of(q))) return true;
  return false;
}

absl::StatusOr<DataConstrainedFit> fit_groups(const Groups& g,
                                              const std::vector<std::vector<double>>& starts,
                                              const std::vector<double>& single_weight,
                                              const std::vector<double>& repeated_weight,
                                              const MinimizeOptions& minimize) {
  DataConstrainedFit fit;
  fit.single_epoch_points = g.single.size();
  fit.repeated_points = g.repeated.size();
  ChinchillaParams base;
  if (starts.empty()) {
    ChinchillaOptions opt;
    opt.minimize = minimize;
    SL_ASSIGN_OR_RETURN(fit.base_fit, fit_chinchilla(g.single, opt));
    base = fit.base_fit.params;
  } else {
    LseLawData data = chinchilla_law_data(g.single);
    data.weight = single_weight;
    const auto minima = minimize_from_starts(chinchilla_shape(), data, starts, minimize);
    const int best = best_minimum(minima);
    if (best < 0) return absl::InternalError("no finite refit");
    base = ChinchillaParams::from_theta(minima[best].theta.data());
  }
  fit.params.base = base;
  fit.r_n_identified = r_n_matters(base, g.repeated);
  const double stage2 = fit_stage2(base, g.repeated, repeated_weight, fit.r_n_identified, minimize,
                                   &fit.params.r_d, &fit.params.r_n);
  if (!std::isfinite(stage2)) return absl::InternalError("stage 2 found no finite fit");
  std::vector<ScalingPoint> all = g.single;
  all.insert(all.end(), g.repeated.begin(), g.repeated.end());
  std::vector<double> weight = single_weight;
  weight.insert(weight.end(), repeated_weight.begin(), repeated_weight.end());
  DataConstrainedParams joint = fit.params;
  const double objective = refine_jointly(all, weight, fit.r_n_identified, minimize, &joint);
  if (!std::isfinite(objective)) return absl::InternalError("the joint refinement failed");
  fit.params = joint;
  fit.objective = objective;
  return fit;
}

std::vector<double> quantities(const DataConstrainedFit& f) {
  const auto& b = f.params.base;
  return {b.E, b.A, b.B, b.alpha, b.beta, f.params.r_d, f.params.r_n};
}
const std::vector<std::string>& quantity_names() {
  static const std::vector<std::string> names{"E", "A", "B", "alpha", "beta", "R_D*", "R_N*"};
  return names;
}
}  // namespace

double DataConstrainedParams::n_opt_for_unique(double unique) const {
  // D_opt(C) = (C/6)^b / G = U  ->  C/6 = (U G)^(1/b),  N_opt = G (C/6)^a.
  return base.G() * std::pow(unique * base.G(), base.a() / base.b());
}

double DataConstrainedParams::effective_data(double d, double unique) const {
  const double u = std::min(unique, d);
  const double r = d / u - 1;
  return u + u * r_d * (1 - std::exp(-r / r_d));
}

double DataConstrainedParams::effective_params(double n, double unique) const {
  const double u = std::min(n_opt_for_unique(unique), n);
  const double r = n / u - 1;
  if (!(r > 0)) return n;
  return u + u * r_n * (1 - std::exp(-r / r_n));
}

double DataConstrainedParams::loss(double n, double d, double unique) const {
  return base.E + base.A / std::pow(effective_params(n, unique), base.alpha) +
         base.B / std::pow(effective_data(d, unique), base.beta);
}

double unique_tokens_of(const ScalingPoint& p) { return p.epochs > 1 ? p.d / p.epochs : p.d; }

absl::StatusOr<DataConstrainedFit> fit_data_constrained(const std::vector<ScalingPoint>& points,
                                                        const MinimizeOptions& minimize) {
  const Groups g = split_groups(points);
  if (g.repeated.size() < 2)
    return absl::InvalidArgumentError(absl::StrCat(
        "the data-constrained law needs runs that repeat their data (epochs > 1, from "
        "data.unique_tokens); the table has ",
        g.repeated.size(),
        ": sweep data.unique_tokens as configs/sweeps/data_constrained.yaml does (and keep the "
        "table's epochs column)"));
  auto base_ok = check_chinchilla_data(g.single);
  if (!base_ok.ok())
    return absl::InvalidArgumentError(absl::StrCat(
        "the data-constrained law fits E, A, B, alpha, beta on the runs that see each token at "
        "most once: ",
        base_ok.message()));
  return fit_groups(g, {}, std::vector<double>(g.single.size(), 1.0),
                    std::vector<double>(g.repeated.size(), 1.0), minimize);
}

absl::StatusOr<DataConstrainedBootstrap> bootstrap_data_constrained(
    const std::vector<ScalingPoint>& points, const DataConstrainedFit& fit,
    const MinimizeOptions& minimize, const BootstrapOptions& opt) {
  const Groups g = split_groups(points);
  std::vector<std::vector<double>> starts;
  for (const auto& m : fit.base_fit.distinct_minima) starts.push_back(m.theta);
  if (starts.empty()) starts.push_back(fit.params.base.theta());
  DataConstrainedBootstrap out;
  out.samples = opt.samples;
  std::vector<std::vector<double>> rows;
  for (int k = 0; k < opt.samples; ++k) {
    const auto cs = bootstrap_counts(g.single.size(), opt.seed, 2 * static_cast<uint64_t>(k));
    const auto cr = bootstrap_counts(g.repeated.size(), opt.seed, 2 * static_cast<uint64_t>(k) + 1);
    auto refit = fit_groups(g, starts, std::vector<double>(cs.begin(), cs.end()),
                            std::vector<double>(cr.begin(), cr.end()), minimize);
    if (!refit.ok()) {
      ++out.failed;
      continue;
    }
    rows.push_back(quantities(*refit));
  }
  if (rows.empty()) return absl::InternalError("every bootstrap refit failed");
  const auto estimates = quantities(fit);
  for (size_t q = 0; q < quantity_names().size(); ++q) {
    std::vector<double> v;
    for (const auto& r : rows)
      if (std::isfinite(r[q])) v.push_back(r[q]);
    IntervalSummary s;
    s.estimate = estimates[q];
    if (v.empty()) {
      s.se = s.low = s.high = NAN;
    } else {
      std::sort(v.begin(), v.end());
      double mean = 0, var = 0;
      for (double x : v) mean += x / static_cast<double>(v.size());
      for (double x : v) var += (x - mean) * (x - mean) / std::max<double>(1, v.size() - 1.0);
      s.se = std::sqrt(var);
      s.low = sorted_percentile(v, (1 - opt.level) / 2);
      s.high = sorted_percentile(v, (1 + opt.level) / 2);
    }
    out.summary[quantity_names()[q]] = s;
  }
  return out;
}

json data_constrained_to_json(const DataConstrainedFit& fit, const DataConstrainedBootstrap* boot) {
  auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  const auto& b = fit.params.base;
  json j{{"law", "L = E + A / N'^alpha + B / D'^beta (Muennighoff et al. 2023)"},
         {"E", b.E},
         {"A", b.A},
         {"B", b.B},
         {"alpha", b.alpha},
         {"beta", b.beta},
         {"R_D*", num(fit.params.r_d)},
         {"R_N*", fit.r_n_identified ? num(fit.params.r_n) : json(nullptr)},
         {"R_N*_identified", fit.r_n_identified},
         {"single_epoch_points", fit.single_epoch_points},
         {"repeated_points", fit.repeated_points},
         {"objective", fit.objective},
         {"paper", {{"R_D*", 15.4}, {"R_N*", 5.3}}}};
  if (boot) {
    json s = json::object();
    for (const auto& [name, v] : boot->summary)
      s[name] = {{"estimate", num(v.estimate)},
                 {"se", num(v.se)},
                 {"low", num(v.low)},
                 {"high", num(v.high)}};
    j["bootstrap"] = {{"samples", boot->samples}, {"failed", boot->failed}, {"summary", s}};
  }
  return j;
}

std::string data_constrained_table(const DataConstrainedFit& fit,
                                   const DataConstrainedBootstrap* boot) {
  std::string out = absl::StrFormat(
      "data-constrained (Muennighoff et al. 2023): %d single-epoch + %d repeated runs\n",
      fit.single_epoch_points, fit.repeated_points);
  const auto est = quantities(fit);
  for (size_t q = 0; q < quantity_names().size(); ++q) {
    const std::string& name = quantity_names()[q];
    if (name == "R_N*" && !fit.r_n_identified) {
      absl::StrAppend(&out, "  R_N*   not identified: no repeated run has N > N_opt(U)\n");
      continue;
    }
    absl::StrAppendFormat(&out, "  %-6s %.4g", name, est[q]);
    if (boot && boot->summary.count(name)) {
      const auto& s = boot->summary.at(name);
      absl::StrAppendFormat(&out, "  [%.4g, %.4g]", s.low, s.high);
    }
    if (name == "R_D*") absl::StrAppend(&out, "  (paper: 15.4)");
    if (name == "R_N*") absl::StrAppend(&out, "  (paper: 5.3)");
    absl::StrAppend(&out, "\n");
  }
  return out;
}
}  // namespace sl
