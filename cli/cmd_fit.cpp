// `scalelab fit CSV|DIR`: fits scaling laws (Chinchilla approaches 1-3, Kaplan) to export's tables
// or any CSV of (N, D or C, loss). Flags go into sl::FitRequest; fit/fit_run.h does the work.
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/files.h"
#include "core/log.h"
#include "fit/fit_run.h"
#include "fit/parallel_for.h"
#include "fit/plot_runner.h"
#include "model/accounting.h"

namespace {
struct FitFlags {
  sl::FitRequest request;
  bool json = false;
  std::string out, plot_dir;
  std::string params;  // --params: a parameter convention, naming the N column
};

// --params CONVENTION sets --n-col to its column; both given must agree.
absl::Status apply_params_flag(FitFlags& f, const CLI::App& cmd) {
  if (f.params.empty()) return absl::OkStatus();
  absl::StatusOr<sl::ParamConvention> c = sl::parse_param_convention(f.params);
  if (!c.ok()) return absl::InvalidArgumentError(absl::StrCat("--params: ", c.status().message()));
  const std::string col = sl::param_convention_column(*c);
  if (cmd.count("--n-col") > 0 && f.request.columns.n_col != col) {
    return absl::InvalidArgumentError(absl::StrCat("--params ", f.params, " means --n-col ", col,
                                                   " but --n-col ", f.request.columns.n_col,
                                                   " was given; give one of the two"));
  }
  f.request.columns.n_col = col;
  return absl::OkStatus();
}

absl::Status run_fit_command(FitFlags& f, const CLI::App& cmd) {
  f.request.loss_col_given = cmd.count("--loss-col") > 0;
  f.request.c_col_given = cmd.count("--c-col") > 0;
  SL_RETURN_IF_ERROR(apply_params_flag(f, cmd));
  SL_ASSIGN_OR_RETURN(sl::FitReport report, sl::run_fit(f.request));
  for (const auto& note : report.notes) {
    if (note.rfind("warning: ", 0) == 0)
      sl::log::warn(note.substr(9));
    else
      sl::log::info(note);
  }
  std::string json_text = report.json.dump(2) + "\n";
  if (f.json)
    std::cout << json_text;
  else
    std::cout << report.table;
  std::cout.flush();  // the result before the notes about files and plots that follow
  std::string out = f.out;
  if (out.empty() && !f.plot_dir.empty())
    out = (std::filesystem::path(f.plot_dir) / "fit.json").string();
  if (!out.empty()) {
    auto parent = std::filesystem::path(out).parent_path();
    if (!parent.empty()) SL_RETURN_IF_ERROR(sl::ensure_writable_dir(parent.string()));
    SL_RETURN_IF_ERROR(sl::write_file_atomic(out, json_text));
    sl::log::info("wrote " + out);
  }
  if (!f.plot_dir.empty()) {
    SL_RETURN_IF_ERROR(sl::ensure_writable_dir(f.plot_dir));
    SL_RETURN_IF_ERROR(sl::run_plot_script(
        {"--fit", out, "--out", f.plot_dir, "--title", sl::sweep_title(f.request.input)},
        f.plot_dir));
    sl::log::info("plots in " + f.plot_dir);
  }
  return absl::OkStatus();
}

void add_fit_command(CLI::App& app) {
  auto flags = std::make_shared<FitFlags>();
  sl::FitRequest& r = flags->request;
  r.threads = sl::default_thread_count();
  CLI::App* cmd = app.add_subcommand(
      "fit", "Fit scaling laws (Chinchilla approaches 1-3, Kaplan) with bootstrap intervals");
  cmd->add_option(
         "table", r.input,
         "export's summary.csv (curves.csv for --law envelope), or the directory holding them")
      ->required();
  cmd->add_option("--law", r.law,
                  "chinchilla | isoflop | envelope | kaplan | all | data-constrained (Muennighoff "
                  "et al. 2023; needs runs with epochs > 1)")
      ->capture_default_str();
  cmd->add_option("--n-col", r.columns.n_col, "Column of model size N")->capture_default_str();
  cmd->add_option("--params", flags->params,
                  "What N counts: non_embedding (Kaplan; the default, params_nonembedding), all "
                  "(Chinchilla; params_total), nanochat (transformer + lm_head; params_with_head), "
                  "matrices (the blocks' weight matrices; params_matrices)");
  auto* d = cmd->add_option("--d-col", r.columns.d_col, "Column of training tokens D")
                ->capture_default_str();
  cmd->add_option("--c-col", r.columns.c_col,
                  "Column of compute C; then D = C / (6N) (envelope default: flops_6n)")
      ->excludes(d);
  cmd->add_option(
      "--loss-col", r.columns.loss_col,
      "Column of loss (default final_val_loss; val_loss in curves.csv for the envelope)");
  cmd->add_option("--curves", r.curves,
                  "curves.csv for the envelope (default: next to the summary)");
  cmd->add_option("--where", r.where,
                  "Keep rows where COL OP VALUE holds, e.g. 'loss<4', 'N>=1e6' (repeatable)");
  cmd->add_option("--bootstrap", r.bootstrap, "Bootstrap resamples for intervals (0: none)")
      ->capture_default_str();
  cmd->add_option("--seed", r.seed, "Bootstrap seed")->capture_default_str();
  cmd->add_option("--level", r.level, "Interval level")->capture_default_str();
  cmd->add_flag("--bootstrap-full-grid", r.bootstrap_full_grid,
                "Refit each resample from the full start grid (slow; default: optimum + distinct "
                "local minima)");
  cmd->add_option(
         "--bootstrap-mode", r.bootstrap_mode,
         "chinchilla intervals: noise (refit the fitted losses plus noise at the larger of "
         "the seed noise and the residual sd) or points (resample runs)")
      ->capture_default_str();
  cmd->add_option("--seed-noise", r.seed_noise,
                  "sd of log loss between seeds of one run, measured elsewhere (default: from "
                  "runs repeated with other seeds in the data)");
  cmd->add_option("--isoflop-window", r.isoflop_window,
                  "IsoFLOP: fit each parabola to the sizes within this many places of the budget's "
                  "lowest loss (0: every size)")
      ->capture_default_str();
  cmd->add_option("--budget-tolerance", r.budget_tolerance,
                  "IsoFLOP: runs whose C is within this relative distance share a budget (without "
                  "a flops_budget column)")
      ->capture_default_str();
  cmd->add_option("--envelope-points", r.envelope_points, "Envelope: log-spaced FLOP values")
      ->capture_default_str();
  cmd->add_option("--threads", r.threads, "Threads for starts and resamples")
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "Print the JSON (what fit.json holds) instead of the table");
  cmd->add_option("--out", flags->out, "Write fit.json here");
  cmd->add_option("--plot", flags->plot_dir,
                  "Draw PNG and SVG plots into this directory (writes DIR/fit.json without --out)");
  cmd->callback([flags, cmd] {
    absl::Status st = run_fit_command(*flags, *cmd);
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      sl::cli::exit_code() = 1;
    }
  });
}
}  // namespace

SL_REGISTER_COMMAND(60, add_fit_command);
