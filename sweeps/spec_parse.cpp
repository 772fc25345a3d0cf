#include "sweeps/spec_parse.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "train/train_config.h"

namespace sl {
namespace fs = std::filesystem;

absl::Status spec_error(const std::string& file, const YAML::Node& node, const std::string& key,
                        const std::string& message) {
  return absl::InvalidArgumentError(
      absl::StrCat(yaml_where(file, node), ": key '", key, "': ", message));
}

absl::StatusOr<double> spec_count(const std::string& file, const YAML::Node& n,
                                  const std::string& key) {
  if (!n.IsScalar()) return spec_error(file, n, key, "expected a number (e.g. 50k, 2M, 1e13)");
  auto v = parse_count(n.Scalar());
  if (!v.ok() || !std::isfinite(*v)) {
    return spec_error(file, n, key,
                      absl::StrCat("'", n.Scalar(), "' is not a number (e.g. 50k, 2M, 1e13)"));
  }
  if (!(*v > 0)) return spec_error(file, n, key, absl::StrCat("must be > 0, got ", n.Scalar()));
  return *v;
}

bool is_config_key(const std::string& dotted) {
  static const std::set<std::string> keys = [] {
    std::set<std::string> out;
    for (const auto& k : train_config_keys()) out.insert(k.key);
    return out;
  }();
  return keys.count(dotted) > 0;
}

void set_dotted(YAML::Node root, const std::string& dotted, const YAML::Node& value) {
  std::vector<std::string> keys = absl::StrSplit(dotted, '.');
  std::vector<YAML::Node> path{root};  // yaml-cpp's operator[] returns handles: keep copies
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    YAML::Node next = path.back()[keys[i]];
    if (!next.IsMap()) next = YAML::Node(YAML::NodeType::Map);
    path.push_back(path.back()[keys[i]]);
  }
  path.back()[keys.back()] = YAML::Clone(value);
}

absl::Status SweepSpec::error(const std::string& key, const std::string& message) const {
  return YamlMap(file, "", doc).error(key, message);
}
std::string SweepSpec::where(const std::string& key) const {
  return YamlMap(file, "", doc).where(key);
}

namespace {
// A non-empty sequence.
absl::Status check_list(const std::string& file, const YAML::Node& n, const std::string& key) {
  if (n.IsNull()) return spec_error(file, n, key, "is empty (~/null); give a list, e.g. [1, 2, 3]");
  if (!n.IsSequence()) return spec_error(file, n, key, "expected a list, e.g. [1, 2, 3]");
  if (n.size() == 0) return spec_error(file, n, key, "is empty: an axis needs at least one value");
  return absl::OkStatus();
}

// Unknown top-level keys first: a typo should not surface as a later, stranger error.
absl::Status check_top_level_keys(const std::string& file, const YAML::Node& doc) {
  static const std::set<std::string> top{"name",  "base",  "models",   "data",
                                         "seeds", "rules", "schedule", "share_stable_phase"};
  if (!doc.IsMap()) return absl::OkStatus();
  for (const auto& kv : doc) {
    const std::string key = kv.first.as<std::string>();
    if (!top.count(key) && key.find('.') == std::string::npos) {
      return spec_error(file, kv.first, key,
                        "unknown key; expected name, base, models, data, seeds, rules, schedule, "
                        "share_stable_phase or a dotted config key (e.g. optim.lr)");
    }
  }
  return absl::OkStatus();
}

// base: a path (relative to the spec's directory, else to the working directory) or a mapping.
absl::Status read_base(YamlMap& root, SweepSpec* spec) {
  SL_RETURN_IF_ERROR(root.require("base"));
  YAML::Node node = root.raw("base");
  spec->base_file = spec->file;
  if (node.IsScalar()) {
    fs::path p = node.Scalar();
    fs::path rel = fs::path(spec->file).parent_path() / p;
    // error_code forms: a name the system refuses (too long, say) is "not found", not a throw.
    std::error_code ec;
    std::string path = p.is_absolute() || !fs::exists(rel, ec) ? p.string() : rel.string();
    if (!fs::exists(path, ec)) {
      return root.error("base",
                        absl::StrCat("train config '", p.string(), "' not found (looked in ",
                                     rel.parent_path().string(), " and the working directory",
                                     ec ? ": " + ec.message() : std::string(), ")"));
    }
    if (fs::is_directory(path, ec)) {
      return root.error("base", absl::StrCat("'", p.string(),
                                             "' is a directory; name a train config file (e.g. "
                                             "../train/tiny_austen.yaml)"));
    }
    SL_ASSIGN_OR_RETURN(spec->base, yaml_load_file(path));
    spec->base_file = path;
  } else if (node.IsMap()) {
    spec->base = YAML::Clone(node);
  } else if (node.IsNull()) {
    return root.error("base",
                      "is empty (~/null); give a train config: a path (e.g. "
                      "../train/tiny_austen.yaml) or a mapping");
  } else {
    return root.error(
        "base", "must be a train config: a path (e.g. ../train/tiny_austen.yaml) or a mapping");
  }
  // Every run's config is assembled from clones of the base and of spec nodes, and YAML::Clone
  // drops positions: errors about a run's keys are placed through origins, recorded here.
  yaml_record_positions(spec->base_file, node.IsMap() ? node : spec->base, "", &spec->base_origins);
  // The sweep supplies train.tokens; a base without it is fine.
  if (!spec->base["train"] || !spec->base["train"]["tokens"]) {
    set_dotted(spec->base, "train.tokens", YAML::Node(int64_t{1} << 40));
  }
  // Nor does its name matter (each run gets its own); the spec's file name may not make a run name.
  if (!spec->base["name"]) spec->base["name"] = spec->name;
  return absl::OkStatus();
}

// Top-level dotted keys: a list is an axis, anything else a fixed override.
absl::Status read_dotted_keys(YamlMap& root, SweepSpec* spec) {
  const std::string& file = spec->file;
  for (const auto& kv : spec->doc) {
    const std::string key = kv.first.as<std::string>();
    if (key.find('.') == std::string::npos) continue;
    YAML::Node v = root.raw(key);
    if (!is_config_key(key)) {
      std::vector<std::string> known;
      for (const auto& k : train_config_keys()) known.push_back(k.key);
      std::sort(known.begin(), known.end());
      return spec_error(
          file, kv.first, key,
          absl::StrCat("unknown config key; known keys: ", absl::StrJoin(known, ", ")));
    }
    if (key == "train.tokens") {
      return spec_error(file, kv.first, key,
                        "set budgets under data: (tokens, tokens_per_param or flops)");
    }
    if (key == "train.seed")
      return spec_error(file, kv.first, key, "use seeds: [..] for the seed axis");
    if (v.IsSequence()) {
      SL_RETURN_IF_ERROR(check_list(file, v, key));
      SpecAxis axis{key, {}};
      for (size_t i = 0; i < v.size(); ++i)
        axis.values.push_back({v[i], absl::StrCat(key, "[", i, "]")});
      spec->axes.push_back(std::move(axis));
    } else {
      spec->fixed.emplace_back(key, v);
    }
  }
  std::string schedule;
  SL_RETURN_IF_ERROR(root.get("schedule", &schedule));
  if (!schedule.empty()) spec->fixed.emplace_back("optim.schedule", spec->doc["schedule"]);
  return absl::OkStatus();
}

// seeds: [1, 2] (or "1, 2", or one seed).
absl::Status read_seeds(YamlMap& root, SweepSpec* spec) {
  const std::string& file = spec->file;
  SL_RETURN_IF_ERROR(root.reject_null("seeds"));
  if (!root.has("seeds")) return absl::OkStatus();
  const YAML::Node given = root.raw("seeds");
  YAML::Node s = given;  // (assigning to it would rewrite the spec's node: nodes are references)
  if (given.IsScalar()) {
    auto list = yaml_load_string("[" + given.Scalar() + "]", file);
    if (!list.ok())
      return spec_error(file, given, "seeds", "expected a list of integers, e.g. [1, 2]");
    s.reset(*list);
  }
  SL_RETURN_IF_ERROR(check_list(file, s, "seeds"));
  for (size_t i = 0; i < s.size(); ++i) {
    // The elements of a scalar ("1, 2") have no position of their own: the scalar's.
    const YAML::Node at = given.IsScalar() ? given : s[i];
    const std::string key = absl::StrCat("seeds[", i, "]");
    absl::StatusOr<double> v = absl::InvalidArgumentError("not a scalar");
    if (s[i].IsScalar()) v = parse_count(s[i].Scalar());
    if (!v.ok() || *v != std::floor(*v) || std::fabs(*v) > 9e18) {
      return spec_error(file, at, key, "must be an integer");
    }
    spec->seeds.push_back({s[i], key, yaml_where(file, at), *v});
  }
  return absl::OkStatus();
}

// models: {sizes: [...] | shapes: [...], aspect, head_dim, tolerance, max_layers}
absl::Status read_models(YamlMap& root, SweepSpec* spec) {
  const std::string& file = spec->file;
  SL_RETURN_IF_ERROR(root.require("models"));
  SL_ASSIGN_OR_RETURN(YamlMap models, root.child("models"));
  ShapeRule& rule = spec->shape_rule;
  SL_RETURN_IF_ERROR(models.get("aspect", &rule.aspect));
  SL_RETURN_IF_ERROR(models.get("head_dim", &rule.head_dim));
  SL_RETURN_IF_ERROR(models.get("tolerance", &rule.tolerance));
  SL_RETURN_IF_ERROR(models.get("max_layers", &rule.max_layers));
  if (!(rule.aspect > 0)) return models.error("aspect", "must be > 0 (d_model / n_layer)");
  if (rule.head_dim < 1) return models.error("head_dim", "must be >= 1");
  if (!(rule.tolerance > 0)) return models.error("tolerance", "must be > 0");
  if (models.has("sizes") == models.has("shapes")) {
    return root.error("models",
                      "give exactly one of sizes: [50k, 100k, ...] or shapes: [{n_layer: .., "
                      "d_model: ..}, ...]");
  }
  if (models.has("sizes")) {
    YAML::Node s = models.raw("sizes");
    SL_RETURN_IF_ERROR(check_list(file, s, "models.sizes"));
    for (size_t i = 0; i < s.size(); ++i) {
      SpecValue v{s[i], absl::StrCat("models.sizes[", i, "]")};
      SL_ASSIGN_OR_RETURN(v.number, spec_count(file, s[i], v.key));
      if (v.number > 1e18) {  // the shape search's d_model would overflow an int
        return spec_error(file, s[i], v.key,
                          absl::StrFormat("%.3g parameters is beyond any model this trainer can "
                                          "build (at most 1e18); use a smaller size",
                                          v.number));
      }
      spec->sizes.push_back(v);
    }
  } else {
    YAML::Node s = models.raw("shapes");
    SL_RETURN_IF_ERROR(check_list(file, s, "models.shapes"));
    for (size_t i = 0; i < s.size(); ++i) {
      SpecValue v{s[i], absl::StrCat("models.shapes[", i, "]")};
      if (!s[i].IsMap()) {
        return spec_error(file, s[i], v.key,
                          "expected a mapping of model keys, e.g. {n_layer: 2, d_model: 64, "
                          "n_head: 2}");
      }
      spec->shapes.push_back(v);
    }
  }
  return models.finish();
}

// data: {tokens | tokens_per_param | flops: [...], flops_convention}
absl::Status read_budgets(YamlMap& root, SweepSpec* spec) {
  SL_RETURN_IF_ERROR(root.require("data"));
  SL_ASSIGN_OR_RETURN(YamlMap data, root.child("data"));
  std::string conv_name = "6n";
  SL_RETURN_IF_ERROR(data.get("flops_convention", &conv_name));
  auto conv = parse_flops_convention(conv_name);
  if (!conv.ok()) return data.error("flops_convention", std::string(conv.status().message()));
  spec->convention = *conv;
  if (data.has("tokens") + data.has("tokens_per_param") + data.has("flops") != 1) {
    return root.error("data",
                      "give exactly one of tokens: [1M, ..], tokens_per_param: [5, 20, ..] or "
                      "flops: [1e13, ..]");
  }
  spec->mode = data.has("tokens")             ? BudgetMode::kTokens
               : data.has("tokens_per_param") ? BudgetMode::kTokensPerParam
                                              : BudgetMode::kFlops;
  spec->mode_key = data.has("tokens")             ? "tokens"
                   : data.has("tokens_per_param") ? "tokens_per_param"
                                                  : "flops";
  YAML::Node s = data.raw(spec->mode_key);
  SL_RETURN_IF_ERROR(check_list(spec->file, s, "data." + spec->mode_key));
  for (size_t i = 0; i < s.size(); ++i) {
    SpecValue v{s[i], absl::StrCat("data.", spec->mode_key, "[", i, "]")};
    SL_ASSIGN_OR_RETURN(v.number, spec_count(spec->file, s[i], v.key));
    spec->budgets.push_back(v);
  }
  return data.finish();
}
}  // namespace

namespace {
// Command-line overrides: config keys the spec neither sweeps nor sets by a rule.
absl::Status check_overrides(const SweepSpec& spec) {
  for (const auto& o : spec.overrides) {
    const size_t eq = o.find('=');
    const std::string key = eq == std::string::npos ? o : o.substr(0, eq);
    const std::string where = absl::StrCat("override '", o, "'");
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": not of the form key=value (e.g. optim.lr=3e-3)"));
    }
    if (!is_config_key(key)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown config key '", key,
                                                     "' (`scalelab config-keys` lists them)"));
    }
    if (key == "train.tokens" || key == "train.seed") {
      return absl::InvalidArgumentError(absl::StrCat(where, ": the spec's data: and seeds: set ",
                                                     key, "; change them in ", spec.file));
    }
    for (const auto& a : spec.axes) {
      if (a.key == key) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": ", key, " is an axis of ",
                                                       spec.file, "; change the axis there"));
      }
    }
    for (const auto& r : spec.rules) {
      if (r.key == key) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": ", key, " is set by a rule in ",
                                                       spec.file, "; change the rule there"));
      }
    }
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<SweepSpec> parse_sweep_spec(const std::string& text, const std::string& file,
                                           const std::vector<std::string>& overrides) {
  SweepSpec spec;
  spec.file = file;
  spec.text = text;
  SL_ASSIGN_OR_RETURN(spec.doc, yaml_load_string(text, file));
  SL_ASSIGN_OR_RETURN(YamlMap root, YamlMap::of(file, "", spec.doc));
  SL_RETURN_IF_ERROR(check_top_level_keys(file, spec.doc));
  spec.name = fs::path(file).stem().string();
  SL_RETURN_IF_ERROR(root.get("name", &spec.name));
  if (std::string why = run_name_problem(spec.name); !why.empty()) {
    if (root.has("name")) return root.error("name", why);
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": the spec has no name: key, so the sweep is named after the file; ",
                     why, " (add name: to the spec)"));
  }
  SL_RETURN_IF_ERROR(read_base(root, &spec));
  SL_RETURN_IF_ERROR(read_dotted_keys(root, &spec));
  SL_RETURN_IF_ERROR(root.get("share_stable_phase", &spec.share_stable_phase));
  SL_RETURN_IF_ERROR(read_seeds(root, &spec));
  SL_RETURN_IF_ERROR(read_models(root, &spec));
  SL_RETURN_IF_ERROR(read_budgets(root, &spec));
  SL_RETURN_IF_ERROR(root.reject_null("rules"));
  if (root.has("rules")) {
    std::vector<std::string> axis_keys;
    for (const auto& a : spec.axes) axis_keys.push_back(a.key);
    SL_ASSIGN_OR_RETURN(spec.rules, parse_rules(file, root.raw("rules"), axis_keys));
  }
  SL_RETURN_IF_ERROR(root.finish());
  spec.overrides = overrides;
  SL_RETURN_IF_ERROR(check_overrides(spec));
  return spec;
}
}  // namespace sl
