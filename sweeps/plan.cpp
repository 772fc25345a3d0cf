#include "sweeps/plan.h"

#include <filesystem>

#include "core/files.h"
#include "core/run_paths.h"
#include "nlohmann/json.hpp"

namespace sl {
using json = nlohmann::json;

const PlannedRun* SweepPlan::find(const std::string& id) const {
  for (const auto& r : runs)
    if (r.id == id) return &r;
  return nullptr;
}

int64_t SweepPlan::tokens_saved() const {
  int64_t s = 0;
  for (const auto& r : runs)
    if (!r.branch_source.empty()) s += r.branch_step * r.cfg.tokens_per_step();
  return s;
}

void fill_sizes(PlannedRun& r) {
  const ParamCounts pc = count_params(r.cfg.model);
  r.params_total = pc.total;
  r.params_nonembedding = pc.nonembedding;
  r.params_with_head = pc.with_head;
  r.params_matrices = pc.matrices;
  const FlopsPerToken f = flops_per_token(r.cfg.model);
  const double d = static_cast<double>(r.cfg.total_steps() * r.cfg.tokens_per_step());
  r.flops_6n = d * f.kaplan_6n;
  r.flops_6n_attention = d * f.kaplan_6n_attention;
  r.flops_chinchilla = d * f.chinchilla.train;
}

std::string plan_to_json(const SweepPlan& plan) {
  json runs = json::array();
  for (const auto& r : plan.runs) {
    runs.push_back({{"id", r.id},
                    {"name", r.cfg.name},
                    {"target_params", r.target_params},
                    {"flops_budget", r.flops_budget},
                    {"epochs", r.epochs},
                    {"branch_source", r.branch_source},
                    {"branch_step", r.branch_step},
                    {"snapshot_steps", r.snapshot_steps}});
  }
  json j{{"name", plan.name},
         {"spec_path", plan.spec_path},
         {"flops_convention", flops_convention_name(plan.convention)},
         {"isoflop", plan.isoflop},
         {"share_stable_phase", plan.share_stable_phase},
         {"overrides", plan.overrides},
         {"runs", runs}};
  return j.dump(2) + "\n";
}

absl::StatusOr<SweepPlan> read_plan(const std::string& sweep_dir) {
  const std::string path = SweepPaths(sweep_dir).plan();
  if (!path_exists(path)) {
    return absl::NotFoundError(
        absl::StrCat(path, " not found: ", sweep_dir,
                     " is not a sweep directory (run `scalelab sweep SPEC` first)"));
  }
  SL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  json j;
  try {
    j = json::parse(text);
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": not valid JSON (", e.what(), ")"));
  }
  SweepPlan plan;
  plan.name = j.value("name", "");
  plan.spec_path = j.value("spec_path", "");
  auto conv = parse_flops_convention(j.value("flops_convention", "6n"));
  if (conv.ok()) plan.convention = *conv;
  plan.isoflop = j.value("isoflop", false);
  plan.share_stable_phase = j.value("share_stable_phase", false);
  plan.overrides = j.value("overrides", std::vector<std::string>{});
  for (const auto& r : j["runs"]) {
    PlannedRun pr;
    pr.id = r.value("id", "");
    pr.dir = sweep_run(sweep_dir, pr.id).dir;
    SL_ASSIGN_OR_RETURN(pr.cfg, load_train_config(RunPaths(pr.dir).config()));
    pr.target_params = r.value("target_params", 0.0);
    pr.flops_budget = r.value("flops_budget", 0.0);
    pr.epochs = r.value("epochs", 0.0);
    pr.branch_source = r.value("branch_source", "");
    pr.branch_step = r.value("branch_step", int64_t{0});
    pr.snapshot_steps = r.value("snapshot_steps", std::vector<int64_t>{});
    fill_sizes(pr);
    plan.runs.push_back(std::move(pr));
  }
  return plan;
}

absl::StatusOr<SweepPlan> plan_of(const std::string& dir) {
  if (path_exists(SweepPaths(dir).plan())) return read_plan(dir);
  auto dirs = run_dirs_of(dir);
  if (!dirs.ok()) {
    return absl::NotFoundError(absl::StrCat(dirs.status().message(), "; and no plan.json, so not ",
                                            "a sweep (run `scalelab sweep SPEC` first)"));
  }
  SweepPlan plan;
  plan.name = std::filesystem::path(dir).lexically_normal().filename().string();
  for (const auto& d : *dirs) {
    PlannedRun pr;
    pr.dir = d;
    pr.id = std::filesystem::path(d).lexically_normal().filename().string();
    SL_ASSIGN_OR_RETURN(pr.cfg, load_train_config(RunPaths(d).config()));
    fill_sizes(pr);
    plan.runs.push_back(std::move(pr));
  }
  return plan;
}
}  // namespace sl
