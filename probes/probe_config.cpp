// ProbeConfig: YAML form and expansion into cells.
#include "probes/probe_config.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "data/probe_tasks.h"

namespace sl {
namespace {
template <typename T>
absl::Status read_list(YamlMap& m, const std::string& key, std::vector<T>* out) {
  SL_RETURN_IF_ERROR(m.reject_null(key));
  if (!m.has(key)) return absl::OkStatus();
  YAML::Node n = m.raw(key);
  out->clear();
  if (n.IsScalar()) {  // "a, b" or a single value
    auto list = yaml_load_string("[" + n.Scalar() + "]", m.file());
    if (!list.ok()) return m.error(key, "must be a list, e.g. [1, 2]");
    n.reset(*list);  // (not n = ...: that would rewrite the document's node)
  }
  if (!n.IsSequence()) return m.error(key, "must be a list, e.g. [1, 2]");
  for (const auto& item : n) {
    const std::string shown = item.IsScalar() ? item.Scalar() : YAML::Dump(item);
    if (!item.IsScalar()) return m.error(key, "has an element of the wrong type: " + shown);
    if constexpr (std::is_same_v<T, int>) {
      // Through parse_count, like every other number: yaml-cpp's own reading takes 0x10 as 16.
      auto v = parse_count(item.Scalar());
      if (!v.ok() || *v != std::floor(*v) || std::fabs(*v) > 1e9) {
        return m.error(key, "has an element that is not a whole number: " + shown);
      }
      out->push_back(static_cast<int>(*v));
    } else {
      out->push_back(item.Scalar());
    }
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<ProbeConfig> probe_config_from_yaml(YamlMap& m) {
  ProbeConfig c;
  SL_RETURN_IF_ERROR(read_list(m, "tasks", &c.tasks));
  SL_RETURN_IF_ERROR(read_list(m, "difficulties", &c.difficulties));
  SL_RETURN_IF_ERROR(read_list(m, "shots", &c.shots));
  SL_RETURN_IF_ERROR(read_list(m, "templates", &c.templates));
  SL_RETURN_IF_ERROR(m.get("instances", &c.instances));
  SL_RETURN_IF_ERROR(m.get("seed", &c.seed));
  // On their own keys: the cell expansion below would report them on `tasks`, and not at all
  // without tasks.
  if (c.instances < 1)
    return m.error("instances",
                   absl::StrCat("must be >= 1 (eval instances per cell), got ", c.instances));
  for (int s : c.shots)
    if (s < 0) return m.error("shots", absl::StrCat("must be >= 0, got ", s));
  if (c.enabled()) {
    auto cells = expand_probe_cells(c);
    if (!cells.ok()) return m.error("tasks", std::string(cells.status().message()));
  }
  SL_RETURN_IF_ERROR(m.finish());
  return c;
}

void probe_config_to_yaml(const ProbeConfig& c, YAML::Emitter& out) {
  out << YAML::BeginMap;
  out << YAML::Key << "tasks" << YAML::Value << YAML::Flow << c.tasks;
  out << YAML::Key << "difficulties" << YAML::Value << YAML::Flow << c.difficulties;
  out << YAML::Key << "shots" << YAML::Value << YAML::Flow << c.shots;
  out << YAML::Key << "templates" << YAML::Value << YAML::Flow << c.templates;
  out << YAML::Key << "instances" << YAML::Value << c.instances;
  out << YAML::Key << "seed" << YAML::Value << c.seed;
  out << YAML::EndMap;
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
std::vector<FieldDoc> probe_config_keys() {
  return {{"tasks", "list", "[]", "task names or families (docs/probes.md); empty = no probes"},
          {"difficulties", "list", "[]", "empty = every difficulty of each task"},
          {"shots", "list", "[]", "empty = each task's default shot counts"},
          {"templates", "list", "[]", "empty = every prompt template of each task"},
          {"instances", "integer", "32", "eval instances per cell"},
          {"seed", "integer", "1", "seeds the eval instances (the same across a sweep's runs)"}};
}
}  // namespace sl
