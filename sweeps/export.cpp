#include "sweeps/export.h"

#include <cmath>
#include <filesystem>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "core/csv.h"
#include "core/files.h"
#include "core/run_paths.h"
#include "nlohmann/json.hpp"
#include "sweeps/export_probes.h"
#include "sweeps/run_store.h"
#include "train/metrics_log.h"

namespace sl {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
std::string num_of(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return "";
  return csv_number(j[key].get<double>());
}

// The columns every table shares: which run, its shape and size.
std::vector<std::string> run_columns() {
  return {"run_id",  "name",         "shape",
          "n_layer", "d_model",      "n_head",
          "ctx",     "params_total", "params_nonembedding"};
}
std::vector<std::string> run_cells(const PlannedRun& r) {
  const GptConfig& m = r.cfg.model;
  return {r.id,
          r.cfg.name,
          m.shape_name(),
          std::to_string(m.n_layer),
          std::to_string(m.d_model),
          std::to_string(m.n_head),
          std::to_string(m.ctx),
          std::to_string(r.params_total),
          std::to_string(r.params_nonembedding)};
}

absl::Status write_summary(const SweepPlan& plan, const std::string& sweep_dir,
                           const std::string& out_dir, ExportResult* res) {
  CsvWriter w;
  w.header = run_columns();
  for (const char* c : {"tokens",           "flops_6n",      "flops_6n_attention",
                        "flops_chinchilla", "flops_budget",  "epochs",
                        "tokens_per_param", "seed",          "lr",
                        "batch_size",       "schedule",      "steps",
                        "final_val_loss",   "best_val_loss", "final_val_bpb",
                        "final_train_loss", "wall_s",        "branched_from",
                        "status",           "reason"})
    w.header.push_back(c);
  for (const auto& r : plan.runs) {
    RunInfo info = inspect_run(sweep_dir, r, true);
    const json s = info.summary.is_object() ? info.summary : json::object();
    const bool finished = info.state == RunState::kDone || info.state == RunState::kDiverged;
    auto cells = run_cells(r);
    // Finished runs report what they did; others what is planned.
    const double tokens = finished && s.contains("tokens")
                              ? s["tokens"].get<double>()
                              : static_cast<double>(r.cfg.total_steps() * r.cfg.tokens_per_step());
    cells.push_back(csv_number(tokens));
    cells.push_back(finished ? num_of(s, "flops_6n") : csv_number(r.flops_6n));
    cells.push_back(finished ? num_of(s, "flops_6n_attention") : csv_number(r.flops_6n_attention));
    cells.push_back(finished ? num_of(s, "flops_chinchilla") : csv_number(r.flops_chinchilla));
    cells.push_back(r.flops_budget > 0 ? csv_number(r.flops_budget) : "");
    cells.push_back(finished && s.contains("epochs") ? num_of(s, "epochs") : csv_number(r.epochs));
    cells.push_back(csv_number(tokens / static_cast<double>(r.params_nonembedding)));
    cells.push_back(std::to_string(r.cfg.train.seed));
    cells.push_back(csv_number(r.cfg.optim.lr));
    cells.push_back(std::to_string(r.cfg.train.batch_size * r.cfg.train.grad_accum));
    cells.push_back(r.cfg.optim.schedule);
    cells.push_back(std::to_string(info.step));
    cells.push_back(num_of(s, "final_val_loss"));
    cells.push_back(num_of(s, "best_val_loss"));
    cells.push_back(num_of(s, "final_val_bpb"));
    cells.push_back(std::isfinite(info.train_loss) ? csv_number(info.train_loss) : "");
    cells.push_back(num_of(s, "wall_s"));
    cells.push_back(s.value("branched_from", ""));
    cells.push_back(run_state_name(info.state));
    cells.push_back(info.reason);
    w.rows.push_back(std::move(cells));
    ++res->runs;
    if (info.state == RunState::kDone) ++res->done;
  }
  const std::string path = (fs::path(out_dir) / "summary.csv").string();
  SL_RETURN_IF_ERROR(write_file_atomic(path, w.str()));
  res->files.push_back(path);
  return absl::OkStatus();
}

absl::Status write_curves(const SweepPlan& plan, const std::string& sweep_dir,
                          const std::string& out_dir, ExportResult* res) {
  CsvWriter w;
  w.header = run_columns();
  for (const char* c :
       {"flops_budget", "step", "tokens", "flops_6n", "flops_6n_attention", "flops_chinchilla",
        "epochs", "lr", "train_loss", "val_loss", "val_bpb", "grad_norm", "wall_s"})
    w.header.push_back(c);
  for (const auto& r : plan.runs) {
    const std::string metrics = sweep_run(sweep_dir, r.id).metrics();
    if (!path_exists(metrics)) continue;
    SL_ASSIGN_OR_RETURN(std::vector<json> rows, metrics_read(metrics));
    const auto base = run_cells(r);
    for (const auto& m : rows) {
      auto cells = base;
      cells.push_back(r.flops_budget > 0 ? csv_number(r.flops_budget) : "");
      cells.push_back(std::to_string(m.value("step", int64_t{0})));
      for (const char* c :
           {"tokens", "flops_6n", "flops_6n_attention", "flops_chinchilla", "epochs", "lr",
            "train_loss", "val_loss", "val_bpb", "grad_norm", "wall_s"})
        cells.push_back(num_of(m, c));
      w.rows.push_back(std::move(cells));
      ++res->curve_rows;
    }
  }
  const std::string path = (fs::path(out_dir) / "curves.csv").string();
  SL_RETURN_IF_ERROR(write_file_atomic(path, w.str()));
  res->files.push_back(path);
  return absl::OkStatus();
}

// Every table export writes, in order. Add a writer here for a new table (e.g. probes.csv).
const std::vector<ExportTableWriter>& export_table_writers() {
  static const std::vector<ExportTableWriter> writers{write_summary, write_curves,
                                                      write_probes_table};
  return writers;
}
}  // namespace

absl::StatusOr<ExportResult> export_sweep(const std::string& sweep_dir,
                                          const std::string& out_dir_in) {
  SL_ASSIGN_OR_RETURN(SweepPlan plan, read_plan(sweep_dir));
  ExportResult res;
  res.out_dir = out_dir_in.empty() ? (fs::path(sweep_dir) / "export").string() : out_dir_in;
  SL_RETURN_IF_ERROR(ensure_writable_dir(res.out_dir));
  for (ExportTableWriter w : export_table_writers())
    SL_RETURN_IF_ERROR(w(plan, sweep_dir, res.out_dir, &res));
  return res;
}
}  // namespace sl
