#include "fit/planner.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "core/files.h"
#include "fit/bootstrap.h"
#include "fit/csv_table.h"
#include "fit/published_fits.h"

namespace sl {
using nlohmann::json;

absl::StatusOr<double> parse_quantity(const std::string& text, const std::string& flag) {
  static const std::pair<char, double> kSuffixes[] = {{'k', 1e3}, {'K', 1e3}, {'M', 1e6},
                                                      {'G', 1e9}, {'B', 1e9}, {'T', 1e12}};
  std::string body = text;
  double scale = 1;
  for (const auto& [suffix, value] : kSuffixes) {
    if (!body.empty() && body.back() == suffix) {
      body.pop_back();
      scale = value;
      break;
    }
  }
  double v = 0;
  if (!parse_double(body, &v) || !(v * scale > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " '", text, "': expected a positive number such as 1e18, 50k, 1.5M, 2G or 3T"));
  }
  return v * scale;
}

absl::StatusOr<PlanLaw> plan_law_from_fit_json(const std::string& path) {
  SL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(path, ": not valid JSON"));
  if (!j.contains("chinchilla")) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": has no 'chinchilla' section; plan needs an approach-3 fit (scalelab fit "
                     "--law chinchilla or all)"));
  }
  const json& c = j["chinchilla"];
  PlanLaw law;
  for (const char* key : {"E", "A", "B", "alpha", "beta"}) {
    if (!c.contains(key) || !c[key].is_number())
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": chinchilla.", key, " is missing or not a number"));
  }
  law.params.E = c["E"];
  law.params.A = c["A"];
  law.params.B = c["B"];
  law.params.alpha = c["alpha"];
  law.params.beta = c["beta"];
  if (!(law.params.alpha > 0 && law.params.beta > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the fit has alpha = ", law.params.alpha,
                                                   ", beta = ", law.params.beta,
                                                   "; a compute-optimal plan needs both > 0"));
  }
  law.source = path;
  if (j.contains("options") && j["options"].contains("n_col")) law.n_col = j["options"]["n_col"];
  if (c.contains("bootstrap") && c["bootstrap"].is_object() && c["bootstrap"].contains("refits")) {
    const json& boot = c["bootstrap"];
    const json level = boot.value("level", json(0.95));
    if (!level.is_number() || !(level.get<double>() > 0 && level.get<double>() < 1) ||
        !boot["refits"].is_array()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path,
                       ": chinchilla.bootstrap needs a level in (0, 1) and refits as a list; rerun "
                       "`scalelab fit` to rewrite it"));
    }
    law.level = level.get<double>();
    for (const json& r : boot["refits"]) {
      const bool row_ok =
          r.is_array() && r.size() == 5 &&
          std::all_of(r.begin(), r.end(), [](const json& v) { return v.is_number(); });
      if (!row_ok) {
        return absl::InvalidArgumentError(
            absl::StrCat(path,
                         ": chinchilla.bootstrap.refits holds a row that is not five numbers "
                         "[E, A, B, alpha, beta]; rerun `scalelab fit` to rewrite it"));
      }
      ChinchillaParams q;
      q.E = r[0];
      q.A = r[1];
      q.B = r[2];
      q.alpha = r[3];
      q.beta = r[4];
      law.refits.push_back(q);
    }
  }
  for (const json& pt : c.value("data", json::array())) {
    if (!pt.contains("C") || !pt["C"].is_number()) continue;
    const double cv = pt["C"];
    if (law.fitted_c_min == 0 || cv < law.fitted_c_min) law.fitted_c_min = cv;
    law.fitted_c_max = std::max(law.fitted_c_max, cv);
  }
  return law;
}

absl::StatusOr<PlanLaw> plan_law_published(const std::string& name) {
  SL_ASSIGN_OR_RETURN(PublishedFit f, published_fit(name));
  PlanLaw law;
  law.params = f.params;
  law.source = absl::StrCat(f.name, ": ", f.citation);
  law.n_col = "params_total";  // Hoffmann et al. count every parameter
  return law;
}

namespace {
struct Allocation {
  std::string question;
  double flops = 0, n = 0, d = 0;
};

absl::StatusOr<Allocation> allocate(const ChinchillaParams& p, const PlanRequest& r) {
  const bool C = r.flops.has_value(), N = r.params.has_value(), D = r.tokens.has_value();
  Allocation a;
  if (C && N && D)
    return absl::InvalidArgumentError("give at most two of --flops, --params, --tokens");
  if (C && N) {
    a = {"budget and size given: D = C / 6N", *r.flops, *r.params, *r.flops / (6 * *r.params)};
  } else if (C && D) {
    a = {"budget and tokens given: N = C / 6D", *r.flops, *r.flops / (6 * *r.tokens), *r.tokens};
  } else if (C) {
    a = {"compute-optimal N and D for the budget", *r.flops, p.n_opt(*r.flops), p.d_opt(*r.flops)};
  } else if (N && D) {
    a = {"size and tokens given: expected loss", 6 * *r.params * *r.tokens, *r.params, *r.tokens};
  } else if (N) {
    // N = G (C/6)^a  =>  C = 6 (N / G)^(1/a)
    double c = 6 * std::pow(*r.params / p.G(), 1 / p.a());
    a = {"size given: the budget at which it is compute-optimal, and its D", c, *r.params,
         p.d_opt(c)};
  } else if (D) {
    double c = 6 * std::pow(*r.tokens * p.G(), 1 / p.b());
    a = {"tokens given: the budget at which they are compute-optimal, and its N", c, p.n_opt(c),
         *r.tokens};
  } else {
    return absl::InvalidArgumentError(
        "give --flops C (and optionally --params N or --tokens D), or --params / --tokens");
  }
  return a;
}

// A shape whose N (in the fit's sense: total or non-embedding) is near `n`.
absl::StatusOr<GptConfig> shape_for(double n, const std::string& n_col, const PlanRequest& r) {
  if (n_col != "params_total" && n_col != "params_nonembedding") {
    return absl::InvalidArgumentError(
        absl::StrCat("the fit's N is ", n_col,
                     "; plan turns N into a shape for params_nonembedding or "
                     "params_total only: fit with --params non_embedding or --params all to plan"));
  }
  if (n_col != "params_total") return shape_for_nonembedding_params(n, r.rule, r.base);
  // Total = non-embedding + embeddings(d_model): a few fixed-point steps settle the width.
  double target = n;
  GptConfig shape;
  for (int i = 0; i < 6; ++i) {
    SL_ASSIGN_OR_RETURN(shape, shape_for_nonembedding_params(target, r.rule, r.base));
    ParamCounts pc = count_params(shape);
    double embeddings = static_cast<double>(pc.total - pc.nonembedding);
    if (n - embeddings <= 0) break;  // embeddings alone exceed the target: the smallest shape it is
    target = n - embeddings;
  }
  return shape;
}
struct Interval {
  double low = 0, high = 0;
};
struct PlanIntervals {
  Interval n, d, loss;
  size_t refits = 0;
};

// Each refit answers the request as the fit did; percentiles of the answers. Refits where the
// question has no answer (an exponent <= 0) are left out.
std::optional<PlanIntervals> plan_intervals(const PlanLaw& law, const PlanRequest& r) {
  std::vector<double> n, d, loss;
  for (const ChinchillaParams& q : law.refits) {
    if (!(q.alpha > 0 && q.beta > 0)) continue;
    absl::StatusOr<Allocation> a = allocate(q, r);
    if (!a.ok() || !std::isfinite(a->n) || !std::isfinite(a->d)) continue;
    n.push_back(a->n);
    d.push_back(a->d);
    loss.push_back(q.loss(a->n, a->d));
  }
  if (n.size() < 2) return std::nullopt;
  auto interval = [&](std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    return Interval{sorted_percentile(v, (1 - law.level) / 2),
                    sorted_percentile(v, (1 + law.level) / 2)};
  };
  return PlanIntervals{interval(n), interval(d), interval(loss), n.size()};
}

// "" inside the fitted compute range (or when it is unknown).
std::string extrapolation_warning(const PlanLaw& law, double flops) {
  if (law.fitted_c_max <= 0) return "";
  if (flops > law.fitted_c_max * (1 + 1e-9)) {
    return absl::StrFormat(
        "the budget %.3g FLOPs is %.3gx the largest compute fitted (%.3g, %s): the plan "
        "extrapolates the law %.1f decades beyond its runs",
        flops, flops / law.fitted_c_max, law.fitted_c_max, law.source,
        std::log10(flops / law.fitted_c_max));
  }
  if (flops < law.fitted_c_min * (1 - 1e-9)) {
    return absl::StrFormat(
        "the budget %.3g FLOPs is %.3gx below the smallest compute fitted (%.3g, %s): the plan "
        "extrapolates the law %.1f decades below its runs",
        flops, law.fitted_c_min / flops, law.fitted_c_min, law.source,
        std::log10(law.fitted_c_min / flops));
  }
  return "";
}
}  // namespace

absl::StatusOr<PlanResult> make_plan(const PlanLaw& law, const PlanRequest& r) {
  const ChinchillaParams& p = law.params;
  SL_ASSIGN_OR_RETURN(Allocation a, allocate(p, r));
  const double loss = p.loss(a.n, a.d);
  const double opt_n = p.n_opt(a.flops), opt_d = p.d_opt(a.flops), opt_loss = p.loss(opt_n, opt_d);
  SL_ASSIGN_OR_RETURN(GptConfig shape, shape_for(a.n, law.n_col, r));
  const ParamCounts pc = count_params(shape);
  const FlopsPerToken fpt = flops_per_token(shape);
  const double shape_n =
      static_cast<double>(law.n_col == "params_total" ? pc.total : pc.nonembedding);
  const double shape_tokens = a.flops / train_flops_per_token(fpt, r.convention);
  const double shape_loss = p.loss(shape_n, shape_tokens);

  const std::optional<PlanIntervals> ci = plan_intervals(law, r);
  const std::string warning = extrapolation_warning(law, a.flops);

  PlanResult out;
  out.json = json{{"fit",
                   {{"source", law.source},
                    {"n_col", law.n_col},
                    {"E", p.E},
                    {"A", p.A},
                    {"B", p.B},
                    {"alpha", p.alpha},
                    {"beta", p.beta},
                    {"a", p.a()},
                    {"b", p.b()}}},
                  {"question", a.question},
                  {"flops", a.flops},
                  {"N", a.n},
                  {"D", a.d},
                  {"tokens_per_param", a.d / a.n},
                  {"loss", loss},
                  {"optimum_at_flops", {{"N_opt", opt_n}, {"D_opt", opt_d}, {"loss", opt_loss}}},
                  {"shape",
                   {{"name", shape.shape_name()},
                    {"n_layer", shape.n_layer},
                    {"d_model", shape.d_model},
                    {"n_head", shape.n_head},
                    {"d_ff", shape.ff()},
                    {"ctx", shape.ctx},
                    {"vocab", shape.vocab},
                    {"params_total", pc.total},
                    {"params_nonembedding", pc.nonembedding},
                    {"flops_per_token",
                     {{"6n", fpt.kaplan_6n},
                      {"6n_attention", fpt.kaplan_6n_attention},
                      {"chinchilla", fpt.chinchilla.train}}},
                    {"flops_convention", flops_convention_name(r.convention)},
                    {"tokens", shape_tokens},
                    {"loss", shape_loss}}}};
  out.json["fitted_compute_range"] =
      law.fitted_c_max > 0 ? json{law.fitted_c_min, law.fitted_c_max} : json(nullptr);
  out.json["warnings"] = warning.empty() ? json::array() : json::array({warning});
  if (ci) {
    out.json["intervals"] = {{"level", law.level},
                             {"refits", ci->refits},
                             {"N", {ci->n.low, ci->n.high}},
                             {"D", {ci->d.low, ci->d.high}},
                             {"loss", {ci->loss.low, ci->loss.high}}};
  } else {
    out.json["intervals"] = nullptr;
  }
  if (!warning.empty()) out.warnings.push_back(warning);
  // "  [low, high]" after a number when the fit has refits.
  auto range = [&](Interval PlanIntervals::*which, bool loss_digits) -> std::string {
    if (!ci) return "";
    const Interval& v = (*ci).*which;
    return loss_digits ? absl::StrFormat("  [%.4f, %.4f]", v.low, v.high)
                       : absl::StrFormat("  [%.4g, %.4g]", v.low, v.high);
  };

  std::string& s = out.table;
  s += absl::StrFormat("plan from %s\n", law.source);
  s += absl::StrFormat("  L(N, D) = %.4g + %.4g / N^%.4f + %.4g / D^%.4f   (N = %s)\n", p.E, p.A,
                       p.alpha, p.B, p.beta, law.n_col);
  s += absl::StrFormat("  %s\n", a.question);
  s += absl::StrFormat("  %-22s %.4g FLOPs\n", "budget C = 6ND", a.flops);
  if (ci) {
    s += absl::StrFormat(
        "  %-22s %g%% bootstrap intervals from %d refits evaluated at this budget\n", "intervals",
        law.level * 100, ci->refits);
  }
  s += absl::StrFormat("  %-22s %.4g%s\n", "N (parameters)", a.n, range(&PlanIntervals::n, false));
  s += absl::StrFormat("  %-22s %.4g%s  (%.1f tokens per parameter)\n", "D (tokens)", a.d,
                       range(&PlanIntervals::d, false), a.d / a.n);
  s += absl::StrFormat("  %-22s %.4f%s\n", "predicted loss", loss,
                       range(&PlanIntervals::loss, true));
  if (std::fabs(a.n / opt_n - 1) > 1e-9) {
    s += absl::StrFormat("  %-22s N %.4g, D %.4g, loss %.4f (%+.4f)\n", "optimum at this C", opt_n,
                         opt_d, opt_loss, loss - opt_loss);
  }
  s += absl::StrFormat("  %-22s %s: n_layer %d, d_model %d, n_head %d, ctx %d, vocab %d\n", "shape",
                       shape.shape_name(), shape.n_layer, shape.d_model, shape.n_head, shape.ctx,
                       shape.vocab);
  s += absl::StrFormat("  %-22s total %d, non-embedding %d\n", "parameters", pc.total,
                       pc.nonembedding);
  s += absl::StrFormat("  %-22s 6N %.4g, 6N+attention %.4g, chinchilla %.4g\n", "FLOPs per token",
                       fpt.kaplan_6n, fpt.kaplan_6n_attention, fpt.chinchilla.train);
  s += absl::StrFormat("  %-22s %.4g tokens (FLOPs per token by %s), predicted loss %.4f\n",
                       "shape on this budget", shape_tokens, flops_convention_name(r.convention),
                       shape_loss);
  if (law.fitted_c_max > 0) {
    s += absl::StrFormat("  %-22s %.3g .. %.3g FLOPs\n", "fitted compute range", law.fitted_c_min,
                         law.fitted_c_max);
  }
  for (const std::string& w : out.warnings) s += absl::StrCat("  warning: ", w, "\n");
  return out;
}
}  // namespace sl
