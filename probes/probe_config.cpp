// ProbeConfig: YAML form and expansion into cells.
#include "probes/probe_config.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "probes/tasks/probe_tasks.h"

namespace sl {
namespace {
bool any_negative(const std::vector<int>& v) {
  return std::any_of(v.begin(), v.end(), [](int x) { return x < 0; });
}

const ConfigSchema<ProbeConfig>& probe_schema() {
  using P = ProbeConfig;
  static const ConfigSchema<P> schema =
      ConfigSchema<P>()
          .field("tasks", &P::tasks, "task names or families (docs/probes.md); empty = no probes",
                 [](const P& c) -> std::string {
                   // Reported on their own keys first (and checked without tasks too).
                   if (!c.enabled() || c.instances < 1 || any_negative(c.shots)) return "";
                   auto cells = expand_probe_cells(c);
                   return cells.ok() ? "" : std::string(cells.status().message());
                 })
          .field("difficulties", &P::difficulties, "empty = every difficulty of each task")
          .field("shots", &P::shots, "empty = each task's default shot counts",
                 [](const P& c) -> std::string {
                   for (int s : c.shots)
                     if (s < 0) return absl::StrCat("must be >= 0, got ", s);
                   return "";
                 })
          .field("templates", &P::templates, "empty = every prompt template of each task")
          .field("instances", &P::instances, "eval instances per cell",
                 [](const P& c) -> std::string {
                   if (c.instances >= 1) return "";
                   return absl::StrCat("must be >= 1 (eval instances per cell), got ", c.instances);
                 })
          .field("seed", &P::seed, "seeds the eval instances (the same across a sweep's runs)");
  return schema;
}
}  // namespace

absl::StatusOr<ProbeConfig> probe_config_from_yaml(YamlMap& m) {
  ProbeConfig c;
  SL_RETURN_IF_ERROR(probe_schema().read(m, &c));
  return c;
}

void probe_config_to_yaml(const ProbeConfig& c, YAML::Emitter& out, YamlNumbers numbers) {
  probe_schema().write(c, out, numbers);
}

absl::StatusOr<std::vector<ProbeCell>> expand_probe_cells(const ProbeConfig& c) {
  if (c.instances < 1) return absl::InvalidArgumentError("probes: instances must be >= 1");
  for (int s : c.shots)
    if (s < 0)
      return absl::InvalidArgumentError(absl::StrCat("probes: shots must be >= 0, got ", s));
  SL_ASSIGN_OR_RETURN(std::vector<std::string> names, resolve_probe_tasks(c.tasks));
  std::vector<ProbeCell> cells;
  for (const auto& name : names) {
    SL_ASSIGN_OR_RETURN(const ProbeTaskInfo* t, find_probe_task(name));
    const size_t before = cells.size();
    const std::vector<int>& shots = c.shots.empty() ? t->default_shots : c.shots;
    for (int d : t->difficulties) {
      if (!c.difficulties.empty() &&
          std::find(c.difficulties.begin(), c.difficulties.end(), d) == c.difficulties.end())
        continue;
      for (int s : shots)
        for (int k = 0; k < t->templates; ++k) {
          if (!c.templates.empty() &&
              std::find(c.templates.begin(), c.templates.end(), k) == c.templates.end())
            continue;
          cells.push_back({name, d, s, k});
        }
    }
    if (cells.size() == before)
      return absl::InvalidArgumentError(
          absl::StrCat("probes: task ", name, " has no cell left (its difficulties are ",
                       absl::StrJoin(t->difficulties, ", "), ", its templates 0..",
                       t->templates - 1, "); widen difficulties/templates or drop the task"));
  }
  return cells;
}
std::vector<FieldDoc> probe_config_keys() { return probe_schema().docs(); }
}  // namespace sl
