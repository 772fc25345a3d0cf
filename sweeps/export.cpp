#include "sweeps/export.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "core/csv.h"
#include "core/files.h"
#include "core/format.h"
#include "core/log.h"
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

// A run's config as dotted key -> value text ("optim.weight_decay" -> "0.1").
std::map<std::string, std::string> dotted_values(const TrainConfig& cfg) {
  std::map<std::string, std::string> out;
  std::function<void(const YAML::Node&, const std::string&)> walk = [&](const YAML::Node& n,
                                                                        const std::string& key) {
    if (n.IsMap()) {
      for (const auto& kv : n) {
        const std::string k = kv.first.as<std::string>();
        walk(kv.second, key.empty() ? k : key + "." + k);
      }
    } else if (n.IsScalar()) {
      // Numbers in their shortest exact form: YAML writes 0.1 as 0.10000000000000001.
      const std::string& s = n.Scalar();
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      const bool number =
          !s.empty() && end == s.c_str() + s.size() && s.find_first_of(".eE") != std::string::npos;
      out[key] = number ? format_shortest(v) : s;
    } else {
      YAML::Emitter e;
      e << YAML::Flow << n;
      out[key] = e.c_str();
    }
  };
  walk(YAML::Load(train_config_to_yaml(cfg)), "");
  return out;
}

// The config keys whose values differ between the plan's runs (the sweep's axes, rules and
// budgets), each its own column, so no one parses them out of run names. Keys that have columns
// of their own already are left out.
std::vector<std::string> varying_keys(const SweepPlan& plan) {
  static const std::set<std::string> covered{
      "name",         "model.n_layer", "model.d_model", "model.n_head",     "model.ctx",
      "train.tokens", "train.seed",    "optim.lr",      "train.batch_size", "model.vocab"};
  std::map<std::string, std::set<std::string>> seen;
  std::map<std::string, size_t> runs_with;
  for (const auto& r : plan.runs) {
    for (const auto& [k, v] : dotted_values(r.cfg)) {
      seen[k].insert(v);
      ++runs_with[k];
    }
  }
  // A key written only when not its default (model.parametrization: mup beside sp runs) varies too.
  std::vector<std::string> out;
  for (const auto& [k, values] : seen) {
    const bool varies = values.size() > 1 || runs_with[k] < plan.runs.size();
    if (varies && !covered.count(k)) out.push_back(k);
  }
  return out;
}

// The default of a dotted config key, as config-keys lists it: the value of a run whose canonical
// config leaves the key out.
std::string default_value_of(const std::string& dotted_key) {
  static const std::map<std::string, std::string> defaults = [] {
    std::map<std::string, std::string> m;
    for (const FieldDoc& f : train_config_keys()) m[f.key] = f.default_value;
    return m;
  }();
  auto it = defaults.find(dotted_key);
  return it == defaults.end() ? "" : it->second;
}

// The columns every table shares: which run, its shape and size, the per-run settings, and one
// column per varying config key.
struct RunColumns {
  std::vector<std::string> axes;

  explicit RunColumns(const SweepPlan& plan) : axes(varying_keys(plan)) {}
  std::vector<std::string> header() const {
    std::vector<std::string> h{"run_id",
                               "name",
                               "shape",
                               "n_layer",
                               "d_model",
                               "n_head",
                               "ctx",
                               "params_total",
                               "params_nonembedding",
                               "params_embedding",
                               "params_with_head",
                               "params_matrices",
                               "vocab",
                               "seed",
                               "peak_lr",
                               "batch_size",
                               "schedule"};
    h.insert(h.end(), axes.begin(), axes.end());
    return h;
  }
  std::vector<std::string> cells(const PlannedRun& r) const {
    const GptConfig& m = r.cfg.model;
    std::vector<std::string> c{r.id,
                               r.cfg.name,
                               m.shape_name(),
                               std::to_string(m.n_layer),
                               std::to_string(m.d_model),
                               std::to_string(m.n_head),
                               std::to_string(m.ctx),
                               std::to_string(r.params_total),
                               std::to_string(r.params_nonembedding),
                               std::to_string(r.params_total - r.params_nonembedding),
                               std::to_string(r.params_with_head),
                               std::to_string(r.params_matrices),
                               std::to_string(m.vocab),
                               std::to_string(r.cfg.train.seed),
                               csv_number(r.cfg.optim.lr),
                               std::to_string(r.cfg.tokens_per_step() / r.cfg.model.ctx),
                               r.cfg.optim.schedule};
    const auto values = dotted_values(r.cfg);
    for (const auto& k : axes) {
      auto it = values.find(k);
      c.push_back(it == values.end() ? default_value_of(k) : it->second);
    }
    return c;
  }
};

absl::Status write_summary(const SweepPlan& plan, const std::string& sweep_dir,
                           const std::string& out_dir, ExportResult* res) {
  CsvWriter w;
  const RunColumns columns(plan);
  w.header = columns.header();
  for (const char* c :
       {"tokens", "flops_6n", "flops_6n_attention", "flops_chinchilla", "flops_budget", "epochs",
        "tokens_per_param", "lr", "steps", "final_val_loss", "best_val_loss", "final_val_bpb",
        "final_train_loss", "wall_s", "branched_from", "status", "reason"})
    w.header.push_back(c);
  // A mixture's runs (data.mix) report each source's final val loss and bits per byte: one column
  // per key any run has, after the shared ones.
  std::vector<RunInfo> infos;
  std::set<std::string> source_keys;
  for (const auto& r : plan.runs) {
    infos.push_back(inspect_run(sweep_dir, r, true));
    const json& s = infos.back().summary;
    if (!s.is_object()) continue;
    for (const auto& [key, value] : s.items())
      if (key.rfind("final_val_loss_", 0) == 0 || key.rfind("final_val_bpb_", 0) == 0)
        source_keys.insert(key);
  }
  w.header.insert(w.header.end(), source_keys.begin(), source_keys.end());
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    const PlannedRun& r = plan.runs[i];
    const RunInfo& info = infos[i];
    const json s = info.summary.is_object() ? info.summary : json::object();
    const bool finished = info.state == RunState::kDone || info.state == RunState::kDiverged;
    auto cells = columns.cells(r);
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
    cells.push_back(csv_number(r.cfg.optim.lr));
    cells.push_back(std::to_string(info.step));
    cells.push_back(num_of(s, "final_val_loss"));
    cells.push_back(num_of(s, "best_val_loss"));
    cells.push_back(num_of(s, "final_val_bpb"));
    cells.push_back(std::isfinite(info.train_loss) ? csv_number(info.train_loss) : "");
    cells.push_back(num_of(s, "wall_s"));
    cells.push_back(s.value("branched_from", ""));
    cells.push_back(run_state_name(info.state));
    cells.push_back(info.reason);
    for (const auto& key : source_keys) cells.push_back(num_of(s, key.c_str()));
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
  const RunColumns columns(plan);
  w.header = columns.header();
  for (const char* c :
       {"flops_budget", "step", "tokens", "flops_6n", "flops_6n_attention", "flops_chinchilla",
        "epochs", "lr", "train_loss", "val_loss", "val_bpb", "grad_norm", "wall_s"})
    w.header.push_back(c);
  for (const auto& r : plan.runs) {
    const RunPaths paths = r.dir.empty() ? sweep_run(sweep_dir, r.id) : RunPaths(r.dir);
    if (!path_exists(paths.metrics())) continue;
    // Rows that fail their digest are left out; summary.csv lists the run as failed and why.
    auto read = metrics_read_run(paths.dir);
    if (!read.ok()) {
      log::warn(absl::StrCat("curves.csv leaves out run ", r.id, ": ", read.status().message()));
      continue;
    }
    const std::vector<json>& rows = *read;
    const auto base = columns.cells(r);
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
  SL_ASSIGN_OR_RETURN(SweepPlan plan, plan_of(sweep_dir));
  ExportResult res;
  res.out_dir = out_dir_in.empty() ? (fs::path(sweep_dir) / "export").string() : out_dir_in;
  SL_RETURN_IF_ERROR(ensure_writable_dir(res.out_dir));
  for (ExportTableWriter w : export_table_writers())
    SL_RETURN_IF_ERROR(w(plan, sweep_dir, res.out_dir, &res));
  return res;
}
}  // namespace sl
