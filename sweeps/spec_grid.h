// Step 2 of a sweep spec's expansion (sweeps/spec.h): the base config with the spec's fixed keys,
// the model entries resolved to shapes, and the grid models x budgets x seeds x axes built into one
// validated TrainConfig per run (rules applied), each error placed at the spec value that caused it.
#pragma once
#include <string>
#include <vector>

#include "model/config.h"
#include "sweeps/plan.h"
#include "sweeps/spec_parse.h"

namespace sl {
// The base train config with the spec's fixed overrides: as YAML (every run starts from a clone),
// where each key is written, and parsed.
struct SweepBase {
  YAML::Node yaml;
  YamlOrigins origins;
  TrainConfig cfg;
};
absl::StatusOr<SweepBase> read_sweep_base(const SweepSpec& spec);

// A models.sizes or models.shapes entry and the shape it gives.
struct ModelChoice {
  const SpecValue* entry;
  double target = 0;  // sizes: target non-embedding params (0 for shapes)
  YAML::Node shape;   // shapes: the entry's mapping of model keys
  GptConfig resolved;
};
absl::StatusOr<std::vector<ModelChoice>> resolve_models(const SweepSpec& spec,
                                                        const SweepBase& base);

// Appends every run of the grid to plan->runs (configs, names, target sizes and budgets), in the
// order models, budgets, seeds, axes (the last varies fastest). `device` as in expand_sweep_spec.
absl::Status expand_grid(const SweepSpec& spec, const SweepBase& base,
                         const std::vector<ModelChoice>& models, const std::string& device,
                         SweepPlan* plan);

// "<sweep>-<shape>-D<tokens>-s<seed>[-<key><value>...]" for the axes' values.
std::string sweep_run_name(const std::string& sweep, const GptConfig& m, int64_t tokens,
                           int64_t seed,
                           const std::vector<std::pair<std::string, std::string>>& axis_values);
}  // namespace sl
