#include "fit/fit_run.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include "absl/strings/str_join.h"
#include "fit/data_constrained.h"
#include "fit/fit_diagnostics.h"
#include "fit/fit_json.h"
#include "fit/fit_table.h"
#include "fit/fit_warnings.h"

namespace sl {
namespace fs = std::filesystem;
using nlohmann::json;

absl::StatusOr<std::vector<std::string>> laws_for(const std::string& law) {
  static const std::vector<std::string> all{"chinchilla", "isoflop", "kaplan", "envelope"};
  if (law == "all") return all;
  // Not in "all": it needs a sweep of repeated data (data.unique_tokens), which most sweeps lack.
  if (law == "data-constrained") return std::vector<std::string>{law};
  for (const auto& l : all)
    if (l == law) return std::vector<std::string>{law};
  return absl::InvalidArgumentError(
      absl::StrCat("--law '", law,
                   "' is not one of chinchilla, isoflop, envelope, kaplan, all, data-constrained"));
}

namespace {
// The request's bootstrap settings, for every law that has a bootstrap.
BootstrapOptions bootstrap_options(const FitRequest& r) {
  BootstrapOptions b;
  b.samples = r.bootstrap;
  b.seed = r.seed;
  b.level = r.level;
  b.full_grid = r.bootstrap_full_grid;
  return b;
}

struct Inputs {
  std::string summary, curves;
};

// A directory means export's summary.csv and curves.csv inside it; a file is the summary table, or
// the curves table when only the envelope is asked for.
absl::StatusOr<Inputs> resolve_inputs(const FitRequest& r, const std::vector<std::string>& laws) {
  Inputs in;
  bool only_envelope = laws.size() == 1 && laws[0] == "envelope";
  if (fs::is_directory(r.input)) {
    in.summary = (fs::path(r.input) / "summary.csv").string();
    in.curves = (fs::path(r.input) / "curves.csv").string();
  } else if (only_envelope) {
    in.curves = r.input;
  } else {
    in.summary = r.input;
    in.curves = (fs::path(r.input).parent_path() / "curves.csv").string();
  }
  if (!r.curves.empty()) in.curves = r.curves;
  if (!in.summary.empty() && !only_envelope && !fs::exists(in.summary))
    return absl::NotFoundError(
        absl::StrCat(in.summary, ": no such file (pass export's summary.csv or its directory)"));
  return in;
}

json options_json(const FitRequest& r, const std::vector<std::string>& laws, const Inputs& in) {
  return json{{"input", r.input},
              {"summary", in.summary},
              {"curves", in.curves},
              {"law", r.law},
              {"laws", laws},
              {"n_col", r.columns.n_col},
              {"d_col", r.columns.c_col.empty() ? r.columns.d_col : ""},
              {"c_col", r.columns.c_col},
              {"loss_col", r.columns.loss_col},
              {"where", r.where},
              {"bootstrap", r.bootstrap},
              {"seed", r.seed},
              {"level", r.level},
              {"bootstrap_full_grid", r.bootstrap_full_grid},
              {"bootstrap_mode", r.bootstrap_mode},
              {"seed_noise", r.seed_noise >= 0 ? json(r.seed_noise) : json(nullptr)},
              {"budget_tolerance", r.budget_tolerance},
              {"isoflop_window", r.isoflop_window},
              {"envelope_points", r.envelope_points},
              {"huber_delta", kHuberDelta}};
}
}  // namespace

absl::StatusOr<FitReport> run_fit(const FitRequest& r) {
  SL_ASSIGN_OR_RETURN(std::vector<std::string> laws, laws_for(r.law));
  // Checked before any law is fitted, whichever laws use them.
  SL_RETURN_IF_ERROR(parse_bootstrap_mode(r.bootstrap_mode).status());
  if (r.seed_noise != -1 && !(r.seed_noise >= 0 && std::isfinite(r.seed_noise)))
    return absl::InvalidArgumentError(absl::StrCat(
        "--seed-noise must be the sd of log loss between seeds, >= 0; got ", r.seed_noise));
  SL_ASSIGN_OR_RETURN(Inputs in, resolve_inputs(r, laws));
  std::vector<RowFilter> filters;
  for (const auto& w : r.where) {
    SL_ASSIGN_OR_RETURN(RowFilter f, parse_row_filter(w));
    filters.push_back(f);
  }
  const bool all = r.law == "all";
  MinimizeOptions minimize;
  minimize.threads = r.threads;
  FitReport report;
  report.json["scalelab_fit"] = 1;
  report.json["options"] = options_json(r, laws, in);
  std::vector<std::string> tables;

  // Summary-based laws share one read of the table.
  ScalingData data;
  bool need_summary =
      std::any_of(laws.begin(), laws.end(), [](const std::string& l) { return l != "envelope"; });
  if (need_summary) {
    SL_ASSIGN_OR_RETURN(CsvTable table, read_csv_table(in.summary));
    SL_ASSIGN_OR_RETURN(data, scaling_data_from_table(std::move(table), r.columns, filters));
    for (const auto& n : data.notes) report.notes.push_back(absl::StrCat(in.summary, ": ", n));
    report.json["inputs"]["summary"] = {{"path", in.summary},
                                        {"rows_read", data.rows_read},
                                        {"points", data.points.size()},
                                        {"notes", data.notes}};
    if (data.points.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(in.summary, ": no rows left to fit (",
                                                     data.rows_read, " read; ",
                                                     absl::StrJoin(data.notes, "; "), ")"));
    }
  }
  // In --law all, a law the data cannot support is skipped with its reason; asked alone, it is an
  // error.
  auto skip_or_fail = [&](const std::string& law, const absl::Status& st) -> absl::Status {
    if (!all) return st;
    report.json["skipped"][law] = std::string(st.message());
    report.notes.push_back(absl::StrCat(law, " skipped: ", st.message()));
    return absl::OkStatus();
  };

  for (const auto& law : laws) {
    if (law == "chinchilla") {
      ChinchillaOptions opt;
      opt.minimize = minimize;
      auto fit = fit_chinchilla(data.points, opt);
      if (!fit.ok()) {
        SL_RETURN_IF_ERROR(skip_or_fail(law, fit.status()));
        continue;
      }
      NoiseLevels noise;
      noise.seeds = estimate_seed_noise(data.points);
      noise.given = r.seed_noise;
      noise.residual_sd = noise_bootstrap_sigma(*fit, 0);
      std::optional<BootstrapResult> boot;
      if (r.bootstrap > 0) {
        BootstrapOptions b = bootstrap_options(r);
        SL_ASSIGN_OR_RETURN(b.mode, parse_bootstrap_mode(r.bootstrap_mode));
        if (b.mode == BootstrapMode::kNoise)
          noise.bootstrap_sigma = b.noise_sigma = noise_bootstrap_sigma(*fit, noise.floor());
        SL_ASSIGN_OR_RETURN(boot, bootstrap_chinchilla(data.points, *fit, opt, b));
      }
      const BootstrapResult* bp = boot ? &*boot : nullptr;
      const FitDiagnostics diag = diagnose_chinchilla(*fit, data.points, bp, noise);
      report.json["chinchilla"] = chinchilla_to_json(*fit, data.points, bp);
      report.json["chinchilla"]["diagnostics"] = diag.json;
      std::vector<std::string> warnings = chinchilla_warnings(*fit, data.points, bp);
      warnings.insert(warnings.end(), diag.warnings.begin(), diag.warnings.end());
      report.json["chinchilla"]["warnings"] = warnings;
      for (const auto& w : warnings) {
        report.json["warnings"].push_back(w);
        report.notes.push_back("warning: " + w);
      }
      tables.push_back(chinchilla_table(*fit, data.points.size(), bp) + diag.text);
    } else if (law == "isoflop") {
      IsoflopOptions opt;
      opt.budget_tolerance = r.budget_tolerance;
      if (r.isoflop_window < 0)
        return absl::InvalidArgumentError(
            absl::StrCat("--isoflop-window must be >= 0 (0: every size), got ", r.isoflop_window));
      opt.window = static_cast<size_t>(r.isoflop_window);
      auto fit = fit_isoflop(data, opt);
      if (!fit.ok()) {
        SL_RETURN_IF_ERROR(skip_or_fail(law, fit.status()));
        continue;
      }
      report.json["isoflop"] = isoflop_to_json(*fit, data.points);
      tables.push_back(isoflop_table(*fit));
    } else if (law == "data-constrained") {
      auto fit = fit_data_constrained(data.points, minimize);
      if (!fit.ok()) {
        SL_RETURN_IF_ERROR(skip_or_fail(law, fit.status()));
        continue;
      }
      std::optional<DataConstrainedBootstrap> boot;
      if (r.bootstrap > 0) {
        SL_ASSIGN_OR_RETURN(
            boot, bootstrap_data_constrained(data.points, *fit, minimize, bootstrap_options(r)));
      }
      report.json["data_constrained"] = data_constrained_to_json(*fit, boot ? &*boot : nullptr);
      tables.push_back(data_constrained_table(*fit, boot ? &*boot : nullptr));
    } else if (law == "kaplan") {
      auto fit = fit_kaplan(data.points, minimize);
      if (!fit.ok()) {
        SL_RETURN_IF_ERROR(skip_or_fail(law, fit.status()));
        continue;
      }
      report.json["kaplan"] = kaplan_to_json(*fit, data.points);
      tables.push_back(kaplan_table(*fit));
    } else {  // envelope
      if (!fs::exists(in.curves)) {
        SL_RETURN_IF_ERROR(
            skip_or_fail(law, absl::NotFoundError(absl::StrCat(
                                  in.curves,
                                  ": no such file; the envelope needs export's curves.csv "
                                  "(give it with --curves)"))));
        continue;
      }
      CurveColumns cols;
      cols.n_col = r.columns.n_col;
      if (r.c_col_given) cols.c_col = r.columns.c_col;
      if (r.loss_col_given) cols.loss_col = r.columns.loss_col;
      report.json["options"]["envelope_columns"] = {{"c_col", cols.c_col},
                                                    {"loss_col", cols.loss_col}};
      SL_ASSIGN_OR_RETURN(CsvTable table, read_csv_table(in.curves));
      SL_ASSIGN_OR_RETURN(CurveData curves, curve_data_from_table(std::move(table), cols, filters));
      for (const auto& n : curves.notes) report.notes.push_back(absl::StrCat(in.curves, ": ", n));
      report.json["inputs"]["curves"] = {{"path", in.curves},
                                         {"rows_read", curves.rows_read},
                                         {"points", curves.points},
                                         {"notes", curves.notes}};
      EnvelopeOptions opt;
      opt.grid_points = r.envelope_points;
      auto fit = fit_envelope(curves, opt);
      if (!fit.ok()) {
        SL_RETURN_IF_ERROR(skip_or_fail(law, fit.status()));
        continue;
      }
      report.json["envelope"] = envelope_to_json(*fit, curves);
      tables.push_back(envelope_table(*fit, curves));
    }
  }
  if (tables.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no law could be fitted: ", report.json["skipped"].dump()));
  }
  report.table = absl::StrJoin(tables, "\n");
  return report;
}
}  // namespace sl
