// Which probes to run: the `probes:` section of a train config (run at every eval point when it
// names tasks) and the options of `scalelab probe`. Torch-free. A cell is one (task, difficulty,
// shots, template); every cell is evaluated on `instances` eval-split instances.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/config_schema.h"
#include "core/status.h"
#include "core/yaml_util.h"

namespace sl {
struct ProbeConfig {
  std::vector<std::string>
      tasks;  // task names or families (probes/tasks/probe_tasks.h); empty = no probes
  std::vector<int> difficulties;  // empty = every difficulty of each task; else those the task has
  std::vector<int> shots;         // empty = each task's default shot counts
  std::vector<int> templates;     // empty = every template of each task
  int instances = 32;             // eval instances per cell
  int64_t seed = 1;               // seeds the eval instances (the same across runs of a sweep)
  bool enabled() const { return !tasks.empty(); }
};

// The probes: section's keys with type, default and doc line (docs/train.md's table).
std::vector<FieldDoc> probe_config_keys();

struct ProbeCell {
  std::string task;
  int difficulty = 0, shots = 0, template_id = 0;
};

// Reads the mapping (keys: tasks, difficulties, shots, templates, instances, seed); unknown keys
// and unknown task names are errors with file:line:col.
absl::StatusOr<ProbeConfig> probe_config_from_yaml(YamlMap& m);
void probe_config_to_yaml(const ProbeConfig& c, YAML::Emitter& out,
                          YamlNumbers numbers = YamlNumbers::kShortest);

// Every cell of the config, in task order. Errors: unknown task, instances < 1, negative shots, or
// a difficulty/template list that leaves a task with no cell.
absl::StatusOr<std::vector<ProbeCell>> expand_probe_cells(const ProbeConfig& c);
}  // namespace sl
