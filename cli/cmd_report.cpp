// `scalelab report SWEEP_DIR [--out FILE]`: one self-contained HTML page of a sweep (default
// SWEEP_DIR/report.html): the fitted laws with their intervals, the plots, the plan for larger
// budgets, the runs, probes and the sweep's config. Missing steps run here through the libraries:
// export (SWEEP_DIR/export), fit (SWEEP_DIR/plots/fit.json, --law all) and the plots. The page
// itself is fit/report_html.h.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/exit_codes.h"
#include "core/files.h"
#include "core/log.h"
#include "core/run_paths.h"
#include "fit/csv_table.h"
#include "fit/fit_run.h"
#include "fit/parallel_for.h"
#include "fit/planner.h"
#include "fit/plot_runner.h"
#include "fit/probe_summary.h"
#include "fit/report_html.h"
#include "sweeps/export.h"
#include "sweeps/plan.h"

namespace {
namespace fs = std::filesystem;
using nlohmann::json;

struct ReportFlags {
  std::string sweep_dir, out;
  std::vector<double> budget_factors{10, 100};
  int bootstrap = 1000;
  size_t max_rows = 200;
};

// The columns of a table worth a reader's eye, in this order, where the table has them.
sl::ReportTable pick_columns(const sl::CsvTable& t, const std::vector<std::string>& wanted,
                             size_t max_rows) {
  sl::ReportTable out;
  std::vector<size_t> cols;
  for (const auto& w : wanted)
    for (size_t i = 0; i < t.header.size(); ++i) {
      // A column empty in every row (flops_budget outside IsoFLOP sweeps) is only noise.
      const bool empty =
          std::all_of(t.rows.begin(), t.rows.end(),
                      [&](const std::vector<std::string>& r) { return r[i].empty(); });
      if (t.header[i] == w && !empty) {
        cols.push_back(i);
        out.header.push_back(w);
      }
    }
  for (size_t r = 0; r < t.rows.size() && r < max_rows; ++r) {
    std::vector<std::string> row;
    for (size_t c : cols) row.push_back(t.rows[r][c]);
    out.rows.push_back(std::move(row));
  }
  out.rows_omitted = t.rows.size() > max_rows ? t.rows.size() - max_rows : 0;
  return out;
}

// Newest modification time of what a run leaves that export reads (summary, metrics, probes):
// a sweep that went on after the last export makes the export stale.
fs::file_time_type newest_run_output(const sl::SweepPaths& paths) {
  fs::file_time_type newest = fs::file_time_type::min();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(paths.runs(), ec)) {
    if (!e.is_directory()) continue;
    const sl::RunPaths run(e.path().string());
    for (const std::string& f : {run.summary(), run.metrics(), run.probes(), run.failed()})
      if (auto t = fs::last_write_time(f, ec); !ec) newest = std::max(newest, t);
  }
  return newest;
}

// True when `out` is missing or older than `input` (so it was made from an older input).
bool older_than(const fs::path& out, fs::file_time_type input) {
  std::error_code ec;
  const auto t = fs::last_write_time(out, ec);
  return ec || t < input;
}

// fit.json where `scalelab fit --plot` leaves it, else beside export's tables.
std::string existing_fit(const fs::path& sweep, const fs::path& plots) {
  for (const fs::path& p : {plots / "fit.json", sweep / "export" / "fit.json", sweep / "fit.json"})
    if (fs::exists(p)) return p.string();
  return "";
}

absl::Status fit_into(const fs::path& export_dir, const std::string& fit_path, int bootstrap) {
  sl::FitRequest req;
  req.input = export_dir.string();
  req.law = "all";
  req.bootstrap = bootstrap;
  req.threads = sl::default_thread_count();
  SL_ASSIGN_OR_RETURN(sl::FitReport report, sl::run_fit(req));
  for (const auto& n : report.notes) {  // as `scalelab fit` prints them
    if (n.rfind("warning: ", 0) == 0)
      sl::log::warn(n.substr(9));
    else
      sl::log::info(n);
  }
  SL_RETURN_IF_ERROR(sl::write_file_atomic(fit_path, report.json.dump(2) + "\n"));
  sl::log::info("wrote " + fit_path);
  return absl::OkStatus();
}

void add_plans(const std::string& fit_path, const sl::SweepPlan* plan, const ReportFlags& f,
               sl::ReportPage* page) {
  auto law = sl::plan_law_from_fit_json(fit_path);
  if (!law.ok()) {
    page->plan_errors.push_back(std::string(law.status().message()));
    return;
  }
  for (double factor : f.budget_factors) {
    sl::PlanRequest req;
    req.flops = factor * law->fitted_c_max;
    if (plan) {
      req.convention = plan->convention;
      if (!plan->runs.empty()) {  // the sweep's context and vocabulary for the concrete shape
        req.base.ctx = plan->runs.front().cfg.model.ctx;
        req.base.vocab = plan->runs.front().cfg.model.vocab;
      }
    }
    auto result = sl::make_plan(*law, req);
    if (result.ok())
      page->plans.push_back(result->json);
    else
      page->plan_errors.push_back(
          absl::StrCat(factor, "x the largest compute: ", result.status().message()));
  }
}

absl::Status run_report(const ReportFlags& f) {
  const fs::path sweep(f.sweep_dir);
  const sl::SweepPaths paths(f.sweep_dir);
  SL_ASSIGN_OR_RETURN(sl::SweepPlan plan, sl::read_plan(f.sweep_dir));
  sl::ReportPage page;
  page.sweep_name = plan.name.empty() ? sl::sweep_title(f.sweep_dir) : plan.name;
  page.sweep_dir = fs::absolute(sweep).lexically_normal().string();
  page.overrides = plan.overrides;
  if (auto spec = sl::read_file(paths.spec()); spec.ok()) page.sweep_yaml = *spec;

  const fs::path export_dir = sweep / "export", plots = sweep / "plots";
  // Each step is redone when what it was made from changed since: a report of a sweep that went
  // on must not show the old export, fit or plots.
  if (older_than(export_dir / "summary.csv", newest_run_output(paths))) {
    SL_ASSIGN_OR_RETURN(sl::ExportResult ex, sl::export_sweep(f.sweep_dir));
    sl::log::info(absl::StrCat("exported ", ex.runs, " runs (", ex.done, " done) to ", ex.out_dir));
  }
  SL_ASSIGN_OR_RETURN(sl::CsvTable summary,
                      sl::read_csv_table((export_dir / "summary.csv").string()));
  page.summary =
      pick_columns(summary,
                   {"run_id", "shape", "params_nonembedding", "tokens", "flops_6n", "flops_budget",
                    "final_val_loss", "best_val_loss", "final_val_bpb", "status", "reason"},
                   f.max_rows);
  if (fs::exists(export_dir / "probes.csv")) {
    SL_ASSIGN_OR_RETURN(sl::CsvTable probes,
                        sl::read_csv_table((export_dir / "probes.csv").string()));
    SL_ASSIGN_OR_RETURN(sl::ProbeSummary ps, sl::summarize_probes(probes));
    page.probes.header = ps.header;
    const size_t shown = std::min(ps.rows.size(), f.max_rows);
    page.probes.rows.assign(ps.rows.begin(), ps.rows.begin() + shown);
    page.probes.rows_omitted = ps.rows.size() - shown;
  }
  if (auto em = sl::read_file((sweep / "emergence.json").string()); em.ok()) page.emergence = *em;

  std::string fit_path = existing_fit(sweep, plots);
  if (!fit_path.empty() && older_than(fit_path, fs::last_write_time(export_dir / "summary.csv"))) {
    sl::log::info(fit_path + " is older than the export: fitting again into " +
                  (plots / "fit.json").string());
    fit_path.clear();
  }
  if (fit_path.empty()) {
    SL_RETURN_IF_ERROR(sl::ensure_writable_dir(plots.string()));
    fit_path = (plots / "fit.json").string();
    if (absl::Status st = fit_into(export_dir, fit_path, f.bootstrap); !st.ok()) {
      page.fit_notes.push_back(absl::StrCat("no fit: ", st.message()));
      fit_path.clear();
    }
  }
  if (!fit_path.empty()) {
    SL_ASSIGN_OR_RETURN(std::string text, sl::read_file(fit_path));
    page.fit = json::parse(text, nullptr, false);
    if (page.fit.is_discarded())
      return absl::DataLossError(fit_path + ": not valid JSON (delete it and rerun the report)");
    const fs::path fit_dir = fs::path(fit_path).parent_path();
    const auto fit_time = fs::last_write_time(fit_path);
    if (older_than(fit_dir / "loss_vs_flops.png", fit_time) &&
        older_than(fit_dir / "chinchilla.png", fit_time)) {
      absl::Status st = sl::run_plot_script(
          {"--fit", fit_path, "--out", fit_dir.string(), "--title", page.sweep_name},
          fit_dir.string());
      if (!st.ok()) page.fit_notes.push_back(absl::StrCat("no plots: ", st.message()));
    }
    if (page.fit.contains("chinchilla")) add_plans(fit_path, &plan, f, &page);
    // Every PNG next to fit.json (and the probe plots of `emergence --plot` in plots/): the laws'
    // plots first, in the order a reader follows them.
    std::vector<fs::path> pngs;
    for (const fs::path& dir : {fit_dir, plots})
      if (fs::is_directory(dir))
        for (const auto& e : fs::directory_iterator(dir))
          if (e.path().extension() == ".png" &&
              std::find(pngs.begin(), pngs.end(), e.path()) == pngs.end())
            pngs.push_back(e.path());
    const std::vector<std::string> order{"loss_vs_flops", "chinchilla", "isoflop", "kaplan"};
    auto rank = [&](const fs::path& p) {
      auto it = std::find(order.begin(), order.end(), p.stem().string());
      return std::make_pair(it - order.begin(), p.stem().string());
    };
    std::sort(pngs.begin(), pngs.end(),
              [&](const fs::path& a, const fs::path& b) { return rank(a) < rank(b); });
    for (const auto& p : pngs) {
      SL_ASSIGN_OR_RETURN(std::string bytes, sl::read_file(p.string()));
      page.images.push_back({p.stem().string(), std::move(bytes)});
    }
  }
  const std::string out = f.out.empty() ? (sweep / "report.html").string() : f.out;
  const fs::path parent = fs::path(out).parent_path();
  if (!parent.empty()) SL_RETURN_IF_ERROR(sl::ensure_writable_dir(parent.string()));
  SL_RETURN_IF_ERROR(sl::write_file_atomic(out, sl::report_html(page)));
  std::cout << "wrote " << out << " (" << page.images.size() << " plots, " << page.plans.size()
            << " plans)\n";
  return absl::OkStatus();
}

void add_report_command(CLI::App& app) {
  auto f = std::make_shared<ReportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "One self-contained HTML page of a sweep: fitted laws with intervals, plots, the plan for "
      "larger budgets, runs, probes, config (runs export, fit and plots when missing)");
  cmd->add_option("dir", f->sweep_dir, "Sweep directory (holds plan.json)")->required();
  cmd->add_option("--out", f->out, "The HTML file (default SWEEP_DIR/report.html)");
  cmd->add_option("--budgets", f->budget_factors,
                  "Plan budgets, as multiples of the largest compute fitted")
      ->capture_default_str();
  cmd->add_option("--bootstrap", f->bootstrap,
                  "Bootstrap resamples when the fit has to be run (SWEEP_DIR/plots/fit.json)")
      ->capture_default_str();
  cmd->add_option("--max-rows", f->max_rows, "Rows shown per table (the CSVs have them all)")
      ->capture_default_str();
  cmd->callback([f] {
    if (absl::Status st = run_report(*f); !st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      sl::cli::exit_code() = sl::kExitFailed;
    }
  });
}
}  // namespace

SL_REGISTER_COMMAND(75, add_report_command);
