// analyze_emergence: final points per run -> template-averaged curves -> classes, verdicts,
// spreads.
#include "probes/emergence.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <tuple>

#include "absl/strings/str_format.h"
#include "probes/metrics.h"

namespace sl {
const char* curve_shape_name(CurveShape s) {
  switch (s) {
    case CurveShape::kFlat: return "flat";
    case CurveShape::kSharp: return "sharp";
    case CurveShape::kSmooth: return "smooth";
    case CurveShape::kIrregular: return "irregular";
  }
  return "?";
}

CurveClass classify_curve(const std::vector<double>& values, bool higher_is_better,
                          const EmergenceOptions& o) {
  CurveClass c;
  if (values.size() < 2) return c;
  std::vector<double> v = values;
  if (!higher_is_better)
    for (double& x : v) x = -x;
  c.range = *std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end());
  double max_jump = 0, max_drop = 0;
  for (size_t i = 0; i + 1 < v.size(); ++i) {
    const double d = v[i + 1] - v[i];
    if (std::abs(d) > max_jump) {
      max_jump = std::abs(d);
      c.jump_index = static_cast<int>(i);
    }
    max_drop = std::max(max_drop, -d);
  }
  if (c.range < o.min_range) {
    c.shape = CurveShape::kFlat;
    c.max_jump_share = c.range > 0 ? max_jump / c.range : 0;
    return c;
  }
  c.max_jump_share = max_jump / c.range;
  if (c.max_jump_share > o.sharp_share)
    c.shape = CurveShape::kSharp;
  else if (max_drop <= o.decrease_tolerance * c.range)
    c.shape = CurveShape::kSmooth;
  else
    c.shape = CurveShape::kIrregular;
  return c;
}

namespace {
using CellKey = std::tuple<std::string, int, int>;  // task, difficulty, shots

// Each run's rows at its last probed step.
std::vector<const ProbeRow*> final_rows(const std::vector<ProbeRow>& rows) {
  std::map<std::string, int64_t> last;
  for (const auto& r : rows) last[r.run_id] = std::max(last[r.run_id], r.step);
  std::vector<const ProbeRow*> out;
  for (const auto& r : rows)
    if (r.step == last[r.run_id]) out.push_back(&r);
  return out;
}
}  // namespace

EmergenceReport analyze_emergence(const std::vector<ProbeRow>& rows, const EmergenceOptions& o) {
  EmergenceReport rep;
  const std::vector<const ProbeRow*> fin = final_rows(rows);
  // cell -> run -> template -> row
  std::map<CellKey, std::map<std::string, std::vector<const ProbeRow*>>> by_cell;
  std::vector<CellKey> order;
  std::map<std::string, std::pair<double, double>> run_compute;  // run -> (flops, params)
  for (const ProbeRow* r : fin) {
    CellKey k{r->task, r->difficulty, r->shots};
    if (!by_cell.count(k)) order.push_back(k);
    by_cell[k][r->run_id].push_back(r);
    run_compute[r->run_id] = {r->flops, r->params};
  }
  rep.runs = static_cast<int>(run_compute.size());
  std::string top_run;
  double top_flops = -1;
  for (const auto& [id, fp] : run_compute)
    if (fp.first > top_flops) top_flops = fp.first, top_run = id;

  auto template_mean = [](const std::vector<const ProbeRow*>& rs, const std::string& m) {
    double s = 0;
    for (const auto* r : rs) s += r->metrics.at(m);
    return s / static_cast<double>(rs.size());
  };
  for (const CellKey& k : order) {
    const auto& runs = by_cell[k];
    TaskCurves tc{std::get<0>(k), std::get<1>(k), std::get<2>(k)};
    std::vector<std::string> ids;
    for (const auto& [id, rs] : runs) ids.push_back(id);
    std::sort(ids.begin(), ids.end(), [&](const std::string& a, const std::string& b) {
      return std::make_pair(run_compute[a].first, a) < std::make_pair(run_compute[b].first, b);
    });
    for (const auto& m : probe_metric_names()) {
      std::vector<double> vals;
      for (const auto& id : ids) {
        const double v = template_mean(runs.at(id), m);
        tc.points[m].push_back({id, run_compute[id].first, run_compute[id].second, v});
        vals.push_back(v);
      }
      tc.classes[m] = classify_curve(vals, metric_higher_is_better(m), o);
    }
    const CurveShape em = tc.classes["exact_match"].shape,
                     ll = tc.classes["loglik_per_token"].shape;
    if (ids.size() < 3)
      tc.verdict = "too few runs (need >= 3 compute points)";
    else if (em == CurveShape::kSharp && ll == CurveShape::kSharp)
      tc.verdict = "sharp under both exact match and log-likelihood";
    else if (em == CurveShape::kSharp)
      tc.verdict =
          absl::StrCat("sharp under exact match, ", curve_shape_name(ll), " under log-likelihood");
    else
      tc.verdict =
          absl::StrCat("no sharp exact-match transition (exact match ", curve_shape_name(em), ")");
    rep.curves.push_back(std::move(tc));

    if (runs.count(top_run)) {
      const auto& rs = runs.at(top_run);
      SensitivityRow s{std::get<0>(k), std::get<1>(k), std::get<2>(k), top_run};
      double em_lo = 1e300, em_hi = -1e300, ll_lo = 1e300, ll_hi = -1e300;
      for (const auto* r : rs) {
        em_lo = std::min(em_lo, r->metrics.at("exact_match"));
        em_hi = std::max(em_hi, r->metrics.at("exact_match"));
        ll_lo = std::min(ll_lo, r->metrics.at("loglik_per_token"));
        ll_hi = std::max(ll_hi, r->metrics.at("loglik_per_token"));
      }
      s.em_spread = em_hi - em_lo;
      s.ll_spread = ll_hi - ll_lo;
      s.templates = static_cast<int>(rs.size());
      rep.sensitivity.push_back(s);
      if (std::get<2>(k) > 0) {
        CellKey zero{std::get<0>(k), std::get<1>(k), 0};
        if (by_cell.count(zero) && by_cell[zero].count(top_run)) {
          const auto& z = by_cell[zero].at(top_run);
          rep.icl_gain.push_back(
              {std::get<0>(k), std::get<1>(k), std::get<2>(k), top_run,
               template_mean(rs, "exact_match") - template_mean(z, "exact_match"),
               template_mean(rs, "loglik_per_token") - template_mean(z, "loglik_per_token")});
        }
      }
    }
  }
  return rep;
}

std::string format_emergence_report(const EmergenceReport& r, const EmergenceOptions& o) {
  std::ostringstream out;
  out << absl::StrFormat(
      "Emergence report: %d runs (each at its last probed step), curves against compute (6N "
      "FLOPs).\n"
      "A curve is sharp when its largest jump between adjacent compute points exceeds %.0f%% of "
      "its range; "
      "flat when its range is below %g.\n\n",
      r.runs, 100 * o.sharp_share, o.min_range);
  for (const auto& tc : r.curves) {
    out << absl::StrFormat("%s  difficulty %d  shots %d: %s\n", tc.task, tc.difficulty, tc.shots,
                           tc.verdict);
    const auto& em_pts = tc.points.at("exact_match");
    out << "    N (non-emb):     ";
    for (const auto& p : em_pts) out << absl::StrFormat(" %9.3g", p.params);
    out << "\n    FLOPs:           ";
    for (const auto& p : em_pts) out << absl::StrFormat(" %9.3g", p.flops);
    out << "\n";
    for (const auto& m : probe_metric_names()) {
      const CurveClass& c = tc.classes.at(m);
      out << absl::StrFormat("    %-17s", m);
      for (const auto& p : tc.points.at(m)) out << absl::StrFormat(" %9.4f", p.value);
      out << absl::StrFormat("   %-9s jump %3.0f%% of range %.3g\n", curve_shape_name(c.shape),
                             100 * c.max_jump_share, c.range);
    }
  }
  if (!r.sensitivity.empty()) {
    out << "\nPrompt sensitivity at the largest-compute run (spread = max - min over templates):\n";
    out << absl::StrFormat("    %-9s %4s %5s %9s %12s\n", "task", "diff", "shots", "EM spread",
                           "ll/tok spread");
    for (const auto& s : r.sensitivity)
      out << absl::StrFormat("    %-9s %4d %5d %9.3f %12.3f\n", s.task, s.difficulty, s.shots,
                             s.em_spread, s.ll_spread);
  }
  if (!r.icl_gain.empty()) {
    out << "\nIn-context learning gain at the largest-compute run (k shots minus 0 shots, template "
           "mean):\n";
    out << absl::StrFormat("    %-9s %4s %5s %9s %12s\n", "task", "diff", "k", "EM gain",
                           "ll/tok gain");
    for (const auto& g : r.icl_gain)
      out << absl::StrFormat("    %-9s %4d %5d %+9.3f %+12.3f\n", g.task, g.difficulty, g.shots,
                             g.em_gain, g.ll_gain);
  }
  int artefact = 0, both = 0;
  for (const auto& tc : r.curves) {
    artefact += tc.verdict.rfind("sharp under exact match, smooth", 0) == 0;
    both += tc.verdict.rfind("sharp under both", 0) == 0;
  }
  out << absl::StrFormat(
      "\nSummary: %d of %zu cells sharp under exact match while smooth under log-likelihood; "
      "%d sharp under both.\n",
      artefact, r.curves.size(), both);
  return out.str();
}

nlohmann::json emergence_to_json(const EmergenceReport& r, const EmergenceOptions& o) {
  nlohmann::json j{{"runs", r.runs},
                   {"options",
                    {{"sharp_share", o.sharp_share},
                     {"min_range", o.min_range},
                     {"decrease_tolerance", o.decrease_tolerance}}}};
  j["curves"] = nlohmann::json::array();
  for (const auto& tc : r.curves) {
    nlohmann::json c{{"task", tc.task},
                     {"difficulty", tc.difficulty},
                     {"shots", tc.shots},
                     {"verdict", tc.verdict}};
    for (const auto& [m, pts] : tc.points) {
      nlohmann::json pj = nlohmann::json::array();
      for (const auto& p : pts)
        pj.push_back(
            {{"run_id", p.run_id}, {"flops", p.flops}, {"params", p.params}, {"value", p.value}});
      const CurveClass& cc = tc.classes.at(m);
      c["metrics"][m] = {{"points", pj},
                         {"shape", curve_shape_name(cc.shape)},
                         {"range", cc.range},
                         {"max_jump_share", cc.max_jump_share},
                         {"jump_index", cc.jump_index}};
    }
    j["curves"].push_back(c);
  }
  j["sensitivity"] = nlohmann::json::array();
  for (const auto& s : r.sensitivity)
    j["sensitivity"].push_back({{"task", s.task},
                                {"difficulty", s.difficulty},
                                {"shots", s.shots},
                                {"run_id", s.run_id},
                                {"exact_match_spread", s.em_spread},
                                {"loglik_per_token_spread", s.ll_spread},
                                {"templates", s.templates}});
  j["icl_gain"] = nlohmann::json::array();
  for (const auto& g : r.icl_gain)
    j["icl_gain"].push_back({{"task", g.task},
                             {"difficulty", g.difficulty},
                             {"shots", g.shots},
                             {"run_id", g.run_id},
                             {"exact_match_gain", g.em_gain},
                             {"loglik_per_token_gain", g.ll_gain}});
  return j;
}
}  // namespace sl
