// probe_run_dir: load, evaluate, merge into probes.jsonl (atomic rewrite).
#include "train/run_probes.h"

#include <filesystem>
#include <set>
#include <tuple>

#include "core/files.h"
#include "core/run_paths.h"
#include "model/accounting.h"
#include "train/metrics_log.h"
#include "train/run_loader.h"

namespace sl {
namespace fs = std::filesystem;
using json = nlohmann::json;

absl::StatusOr<RunProbeResult> probe_run_dir(const std::string& run_dir,
                                             const ProbeConfig& config) {
  SL_ASSIGN_OR_RETURN(LoadedRun run, load_run_for_eval(run_dir));
  SL_RETURN_IF_ERROR(
      annotate(check_probes_fit(config, *run.tokenizer, run.cfg.model.ctx), run_dir));
  RunProbeResult out;
  out.run_dir = run_dir;
  out.step = run.step;
  SL_ASSIGN_OR_RETURN(
      out.cells, evaluate_probes(run.model, *run.tokenizer, config, torch::Device(torch::kCPU)));

  const ParamCounts p = count_params(run.cfg.model);
  const FlopsPerToken fpt = flops_per_token(run.cfg.model);
  const double tokens =
      static_cast<double>(run.step) * static_cast<double>(run.cfg.tokens_per_step());
  json base{{"step", run.step},
            {"params_total", p.total},
            {"params_nonembedding", p.nonembedding},
            {"tokens", run.step * run.cfg.tokens_per_step()},
            {"flops_6n", tokens * fpt.kaplan_6n},
            {"flops_6n_attention", tokens * fpt.kaplan_6n_attention},
            {"flops_chinchilla", tokens * fpt.chinchilla.train}};
  using CellKey = std::tuple<int64_t, std::string, int, int, int>;
  std::set<CellKey> fresh;
  for (const auto& c : out.cells)
    fresh.insert({run.step, c.cell.task, c.cell.difficulty, c.cell.shots, c.cell.template_id});
  const std::string path = RunPaths(run_dir).probes();
  std::string text;
  if (path_exists(path)) {
    SL_ASSIGN_OR_RETURN(std::vector<json> old, metrics_read(path));
    for (const auto& r : old) {
      CellKey k{r.value("step", int64_t{-1}), r.value("task", ""), r.value("difficulty", 0),
                r.value("shots", 0), r.value("template", 0)};
      if (!fresh.count(k)) text += r.dump() + "\n";
    }
  }
  for (const auto& c : out.cells) text += probe_row(base, c).dump() + "\n";
  SL_RETURN_IF_ERROR(write_file_atomic(path, text));
  return out;
}
}  // namespace sl
