#include "sweeps/spec.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/files.h"
#include "core/progress.h"
#include "core/yaml_util.h"
#include "data/token_dataset.h"
#include "data/window_sampler.h"
#include "model/shape_rule.h"
#include "nlohmann/json.hpp"
#include "train/memory_check.h"
#include "train/schedule.h"
#include "train/trainer.h"

namespace sl {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
// Parameter counts and whole-run FLOPs: derived from the config, so the plan file does not store
// them.
void fill_sizes(PlannedRun& r) {
  const ParamCounts pc = count_params(r.cfg.model);
  r.params_total = pc.total;
  r.params_nonembedding = pc.nonembedding;
  const FlopsPerToken f = flops_per_token(r.cfg.model);
  const double d = static_cast<double>(r.cfg.total_steps() * r.cfg.tokens_per_step());
  r.flops_6n = d * f.kaplan_6n;
  r.flops_6n_attention = d * f.kaplan_6n_attention;
  r.flops_chinchilla = d * f.chinchilla.train;
}
}  // namespace

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

namespace {
// "file:line:col: key 'K': message"
absl::Status node_error(const std::string& file, const YAML::Node& node, const std::string& key,
                        const std::string& message) {
  return absl::InvalidArgumentError(
      absl::StrCat(yaml_where(file, node), ": key '", key, "': ", message));
}

// Every dotted key of a train config ("optim.lr", "probes.tasks", ...), from the schema tables.
const std::set<std::string>& known_config_keys() {
  static const std::set<std::string> keys = [] {
    std::set<std::string> out;
    for (const auto& k : train_config_keys()) out.insert(k.key);
    return out;
  }();
  return keys;
}

void set_path(YAML::Node root, const std::string& dotted, const YAML::Node& value) {
  std::vector<std::string> keys = absl::StrSplit(dotted, '.');
  std::vector<YAML::Node> path{root};
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    YAML::Node next = path.back()[keys[i]];
    if (!next.IsMap()) next = YAML::Node(YAML::NodeType::Map);
    path.push_back(path.back()[keys[i]]);
  }
  path.back()[keys.back()] = YAML::Clone(value);
}

// A number with an optional k/M/G suffix ("50k", 1e13).
absl::StatusOr<double> count_of(const std::string& file, const YAML::Node& n,
                                const std::string& key) {
  if (!n.IsScalar()) return node_error(file, n, key, "expected a number (e.g. 50k, 2M, 1e13)");
  auto v = parse_count(n.Scalar());
  if (!v.ok() || !std::isfinite(*v)) {
    return node_error(file, n, key,
                      absl::StrCat("'", n.Scalar(), "' is not a number (e.g. 50k, 2M, 1e13)"));
  }
  if (!(*v > 0)) return node_error(file, n, key, absl::StrCat("must be > 0, got ", n.Scalar()));
  return *v;
}

// A non-empty sequence.
absl::StatusOr<YAML::Node> list_of(const std::string& file, const YAML::Node& n,
                                   const std::string& key) {
  if (n.IsNull()) return node_error(file, n, key, "is empty (~/null); give a list, e.g. [1, 2, 3]");
  if (!n.IsSequence()) return node_error(file, n, key, "expected a list, e.g. [1, 2, 3]");
  if (n.size() == 0) return node_error(file, n, key, "is empty: an axis needs at least one value");
  return n;
}

std::string short_value(const YAML::Node& v) {
  if (v.IsScalar()) return v.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << v;
  return e.c_str();
}

struct Rule {
  std::string key;  // dotted config key it sets
  YAML::Node node;  // for errors
  double value = 0, at = 0, coef = 0, exponent = 0;
  bool of_d = false;  // a function of D (tokens) instead of N (non-embedding params)
  bool use_coef = false;
  double min = -INFINITY, max = INFINITY;
  double eval(double n, double d) const {
    double x = of_d ? d : n;
    double v = use_coef ? coef * std::pow(x, exponent) : value * std::pow(x / at, exponent);
    return std::min(max, std::max(min, v));
  }
};

bool integer_key(const std::string& key) {
  static const std::set<std::string> ints{
      "train.batch_size",  "train.grad_accum",       "optim.warmup_tokens",
      "train.tokens",      "train.log_every",        "train.eval_every",
      "train.eval_tokens", "train.checkpoint_every", "data.unique_tokens"};
  return ints.count(key) > 0;
}

// One value of one axis, with the spec node it came from.
struct AxisValue {
  YAML::Node node;
  std::string key;  // "data.tokens[2]" for errors
  std::string
      where;  // its file:line:col when the node's own is lost (a seed list written as "1, 2")
};

struct ModelChoice {
  YAML::Node node;
  std::string key;
  double target = 0;  // sizes: target non-embedding params
  YAML::Node shape;   // shapes: a mapping of model keys
  GptConfig resolved;
};

struct DataChoice {
  YAML::Node node;
  std::string key;
  double value = 0;  // tokens, ratio or FLOPs depending on the mode
};

std::string run_name(const std::string& sweep, const GptConfig& m, int64_t tokens, int64_t seed,
                     const std::vector<std::pair<std::string, std::string>>& extra) {
  std::string name = absl::StrCat(sweep, "-", m.shape_name(), "-D",
                                  format_si(static_cast<double>(tokens)), "-s", seed);
  for (const auto& [k, v] : extra) {
    std::string last = k.substr(k.rfind('.') + 1);
    std::string val;
    for (char c : v)
      val.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_');
    absl::StrAppend(&name, "-", last, val);
  }
  return name;
}
}  // namespace

absl::StatusOr<SweepPlan> expand_sweep_spec(const std::string& spec_path, bool check_data,
                                            const std::string& device) {
  SL_ASSIGN_OR_RETURN(std::string text, read_file(spec_path));
  return expand_sweep_spec_text(text, spec_path, check_data, device);
}

absl::StatusOr<SweepPlan> expand_sweep_spec_text(const std::string& text, const std::string& file,
                                                 bool check_data, const std::string& device) {
  SL_ASSIGN_OR_RETURN(YAML::Node doc, yaml_load_string(text, file));
  SL_ASSIGN_OR_RETURN(YamlMap root, YamlMap::of(file, "", doc));
  // Unknown top-level keys first: a typo should not surface as a later, stranger error.
  static const std::set<std::string> top{"name",  "base",  "models",   "data",
                                         "seeds", "rules", "schedule", "share_stable_phase"};
  if (doc.IsMap()) {
    for (const auto& kv : doc) {
      const std::string key = kv.first.as<std::string>();
      if (!top.count(key) && key.find('.') == std::string::npos) {
        return node_error(file, kv.first, key,
                          "unknown key; expected name, base, models, data, seeds, rules, "
                          "schedule, share_stable_phase or a dotted config key (e.g. optim.lr)");
      }
    }
  }
  SweepPlan plan;
  plan.spec_path = file;
  plan.spec_text = text;
  plan.name = fs::path(file).stem().string();
  SL_RETURN_IF_ERROR(root.get("name", &plan.name));
  if (std::string why = run_name_problem(plan.name); !why.empty()) {
    if (root.has("name")) return root.error("name", why);
    return absl::InvalidArgumentError(
        absl::StrCat(file,
                     ": the spec has no name: key, so the sweep is named after "
                     "the file; ",
                     why, " (add name: to the spec)"));
  }

  // base: a path (relative to the spec's directory, else to the working directory) or a mapping.
  SL_RETURN_IF_ERROR(root.require("base"));
  YAML::Node base_node = root.raw("base");
  YAML::Node base;
  std::string base_file = file;
  if (base_node.IsScalar()) {
    fs::path p = base_node.Scalar();
    fs::path rel = fs::path(file).parent_path() / p;
    std::string path = p.is_absolute() || !fs::exists(rel) ? p.string() : rel.string();
    if (!fs::exists(path)) {
      return root.error("base",
                        absl::StrCat("train config '", p.string(), "' not found (looked in ",
                                     rel.parent_path().string(), " and the working directory)"));
    }
    SL_ASSIGN_OR_RETURN(base, yaml_load_file(path));
    base_file = path;
  } else if (base_node.IsMap()) {
    base = YAML::Clone(base_node);
  } else if (base_node.IsNull()) {
    return root.error("base",
                      "is empty (~/null); give a train config: a path (e.g. "
                      "../train/tiny_austen.yaml) or a mapping");
  } else {
    return root.error(
        "base", "must be a train config: a path (e.g. ../train/tiny_austen.yaml) or a mapping");
  }
  // Every run's config is assembled from clones of the base and of spec nodes, and YAML::Clone
  // drops positions: errors about a run's keys are placed through origins, recorded here from the
  // originals.
  YamlOrigins base_origins;
  yaml_record_positions(base_file, base_node.IsMap() ? base_node : base, "", &base_origins);
  if (!base["train"] || !base["train"]["tokens"]) {
    // The sweep supplies train.tokens; a base without it is fine.
    set_path(base, "train.tokens", YAML::Node(int64_t{1} << 40));
  }
  // Nor does its name matter (each run gets its own); the spec's file name may not make a run name.
  if (!base["name"]) base["name"] = plan.name;

  // Fixed overrides and axes: top-level dotted keys.
  std::vector<std::pair<std::string, YAML::Node>> fixed;
  std::vector<std::pair<std::string, std::vector<AxisValue>>> axes;
  for (const auto& kv : doc) {
    const std::string key = kv.first.as<std::string>();
    if (key.find('.') == std::string::npos) continue;
    YAML::Node v = root.raw(key);
    if (!known_config_keys().count(key)) {
      return node_error(file, kv.first, key,
                        absl::StrCat("unknown config key; known keys: ",
                                     absl::StrJoin(known_config_keys(), ", ")));
    }
    if (key == "train.tokens")
      return node_error(file, kv.first, key,
                        "set budgets under data: (tokens, tokens_per_param or flops)");
    if (key == "train.seed")
      return node_error(file, kv.first, key, "use seeds: [..] for the seed axis");
    if (v.IsSequence()) {
      SL_RETURN_IF_ERROR(list_of(file, v, key).status());
      std::vector<AxisValue> vals;
      for (size_t i = 0; i < v.size(); ++i) vals.push_back({v[i], absl::StrCat(key, "[", i, "]")});
      axes.emplace_back(key, std::move(vals));
    } else {
      fixed.emplace_back(key, v);
    }
  }
  std::string schedule;
  SL_RETURN_IF_ERROR(root.get("schedule", &schedule));
  if (!schedule.empty()) fixed.emplace_back("optim.schedule", doc["schedule"]);
  SL_RETURN_IF_ERROR(root.get("share_stable_phase", &plan.share_stable_phase));

  // seeds
  std::vector<AxisValue> seeds;
  SL_RETURN_IF_ERROR(root.reject_null("seeds"));
  if (root.has("seeds")) {
    const YAML::Node given = root.raw("seeds");
    YAML::Node s =
        given;  // (assigning to it would rewrite the spec's node: yaml-cpp nodes are references)
    if (given.IsScalar()) {  // "1, 2" or a single seed
      auto list = yaml_load_string("[" + given.Scalar() + "]", file);
      if (!list.ok())
        return node_error(file, given, "seeds", "expected a list of integers, e.g. [1, 2]");
      s.reset(*list);
    }
    SL_RETURN_IF_ERROR(list_of(file, s, "seeds").status());
    for (size_t i = 0; i < s.size(); ++i) {
      // The elements of a scalar ("1, 2") have no position of their own: the scalar's.
      const YAML::Node at = given.IsScalar() ? given : s[i];
      const std::string key = absl::StrCat("seeds[", i, "]");
      absl::StatusOr<double> v = absl::InvalidArgumentError("not a scalar");
      if (s[i].IsScalar()) v = parse_count(s[i].Scalar());
      if (!v.ok() || *v != std::floor(*v) || std::fabs(*v) > 9e18)
        return node_error(file, at, key, "must be an integer");
      seeds.push_back({s[i], key, yaml_where(file, at)});
    }
  }

  // The base config as parsed (with fixed overrides), for shapes and defaults.
  YAML::Node base_fixed = YAML::Clone(base);
  YamlOrigins fixed_origins = base_origins;
  for (const auto& [k, v] : fixed) {
    set_path(base_fixed, k, v);
    yaml_set_origin(&fixed_origins, k, yaml_where(file, v));
  }
  auto base_cfg_or =
      train_config_from_yaml(base_fixed, base_file, fixed_origins, ConfigUse::kRunHere);
  if (!base_cfg_or.ok()) {
    const std::string msg(base_cfg_or.status().message());
    // An error at a value the spec set already names the spec; one in the base file gets the
    // context.
    if (msg.rfind(file + ":", 0) == 0) return base_cfg_or.status();
    return annotate(base_cfg_or.status(), absl::StrCat(file, ": base config"));
  }
  const TrainConfig base_cfg = *base_cfg_or;

  // models
  SL_RETURN_IF_ERROR(root.require("models"));
  SL_ASSIGN_OR_RETURN(YamlMap models, root.child("models"));
  ShapeRule rule;
  SL_RETURN_IF_ERROR(models.get("aspect", &rule.aspect));
  SL_RETURN_IF_ERROR(models.get("head_dim", &rule.head_dim));
  SL_RETURN_IF_ERROR(models.get("tolerance", &rule.tolerance));
  SL_RETURN_IF_ERROR(models.get("max_layers", &rule.max_layers));
  if (!(rule.aspect > 0)) return models.error("aspect", "must be > 0 (d_model / n_layer)");
  if (rule.head_dim < 1) return models.error("head_dim", "must be >= 1");
  if (!(rule.tolerance > 0)) return models.error("tolerance", "must be > 0");
  std::vector<ModelChoice> model_choices;
  if (models.has("sizes") == models.has("shapes")) {
    return root.error(
        "models",
        "give exactly one of sizes: [50k, 100k, ...] or shapes: [{n_layer: .., d_model: ..}, ...]");
  }
  if (models.has("sizes")) {
    YAML::Node s = models.raw("sizes");
    SL_RETURN_IF_ERROR(list_of(file, s, "models.sizes").status());
    for (size_t i = 0; i < s.size(); ++i) {
      ModelChoice mc;
      mc.node = s[i];
      mc.key = absl::StrCat("models.sizes[", i, "]");
      SL_ASSIGN_OR_RETURN(mc.target, count_of(file, s[i], mc.key));
      if (mc.target > 1e18) {  // the shape search's d_model would overflow an int
        return node_error(file, s[i], mc.key,
                          absl::StrFormat("%.3g parameters is beyond any model this trainer "
                                          "can build (at most 1e18); use a smaller size",
                                          mc.target));
      }
      auto shape = shape_for_nonembedding_params(mc.target, rule, base_cfg.model);
      if (!shape.ok()) return node_error(file, s[i], mc.key, std::string(shape.status().message()));
      const double n = static_cast<double>(count_params(*shape).nonembedding);
      if (std::fabs(std::log(n / mc.target)) > std::log1p(rule.tolerance)) {
        return node_error(
            file, s[i], mc.key,
            absl::StrFormat("no valid shape within %.0f%% of %s non-embedding parameters (closest: "
                            "%s with %s; head_dim %d, "
                            "aspect %g); change the size, models.head_dim or models.tolerance",
                            100 * rule.tolerance, format_si(mc.target), shape->shape_name(),
                            format_si(n), rule.head_dim, rule.aspect));
      }
      if (auto err = check_gpt_config(*shape)) {
        return node_error(file, s[i], mc.key,
                          absl::StrCat("gives an invalid shape: ", err->key, ": ", err->message));
      }
      mc.resolved = *shape;
      model_choices.push_back(mc);
    }
  } else {
    YAML::Node s = models.raw("shapes");
    SL_RETURN_IF_ERROR(list_of(file, s, "models.shapes").status());
    for (size_t i = 0; i < s.size(); ++i) {
      ModelChoice mc;
      mc.node = s[i];
      mc.key = absl::StrCat("models.shapes[", i, "]");
      if (!s[i].IsMap())
        return node_error(
            file, s[i], mc.key,
            "expected a mapping of model keys, e.g. {n_layer: 2, d_model: 64, n_head: 2}");
      YAML::Node m =
          YAML::Clone(base_fixed["model"] ? base_fixed["model"] : YAML::Node(YAML::NodeType::Map));
      YamlOrigins
          shape_origins;  // the base's model keys where the base has them, the shape's in the spec
      for (const auto& kv : m) {
        const std::string k = kv.first.as<std::string>();
        if (const std::string* o = yaml_origin(fixed_origins, "model." + k))
          shape_origins[mc.key + "." + k] = *o;
      }
      for (const auto& kv : s[i]) {
        m[kv.first.as<std::string>()] = YAML::Clone(kv.second);
        shape_origins[mc.key + "." + kv.first.as<std::string>()] = yaml_where(file, kv.second);
      }
      YamlMap mm(file, mc.key, m, shape_origins);
      auto g = gpt_config_from_yaml(mm);
      if (!g.ok()) return g.status();
      if (auto err = check_gpt_config(*g)) {
        return node_error(file, s[i], mc.key,
                          absl::StrCat("invalid shape: ", err->key, ": ", err->message));
      }
      mc.shape = s[i];
      mc.resolved = *g;
      model_choices.push_back(mc);
    }
  }
  SL_RETURN_IF_ERROR(models.finish());

  // data
  SL_RETURN_IF_ERROR(root.require("data"));
  SL_ASSIGN_OR_RETURN(YamlMap data, root.child("data"));
  std::string conv_name = "6n";
  SL_RETURN_IF_ERROR(data.get("flops_convention", &conv_name));
  auto conv = parse_flops_convention(conv_name);
  if (!conv.ok()) return data.error("flops_convention", std::string(conv.status().message()));
  plan.convention = *conv;
  int modes = data.has("tokens") + data.has("tokens_per_param") + data.has("flops");
  if (modes != 1) {
    return root.error(
        "data",
        "give exactly one of tokens: [1M, ..], tokens_per_param: [5, 20, ..] or flops: [1e13, ..]");
  }
  std::string mode = data.has("tokens")             ? "tokens"
                     : data.has("tokens_per_param") ? "tokens_per_param"
                                                    : "flops";
  plan.isoflop = mode == "flops";
  std::vector<DataChoice> data_choices;
  {
    YAML::Node s = data.raw(mode);
    SL_RETURN_IF_ERROR(list_of(file, s, "data." + mode).status());
    for (size_t i = 0; i < s.size(); ++i) {
      DataChoice dc;
      dc.node = s[i];
      dc.key = absl::StrCat("data.", mode, "[", i, "]");
      SL_ASSIGN_OR_RETURN(dc.value, count_of(file, s[i], dc.key));
      data_choices.push_back(dc);
    }
  }
  SL_RETURN_IF_ERROR(data.finish());

  // rules
  std::vector<Rule> rules;
  SL_RETURN_IF_ERROR(root.reject_null("rules"));
  if (root.has("rules")) {
    YAML::Node rn = root.raw("rules");
    if (!rn.IsMap())
      return node_error(file, rn, "rules", "expected a mapping of config keys to rules");
    for (const auto& kv : rn) {
      Rule r;
      r.key = kv.first.as<std::string>();
      r.node = kv.first;
      const std::string key = "rules." + r.key;
      if (!known_config_keys().count(r.key) || r.key == "train.tokens" || r.key == "train.seed") {
        return node_error(file, kv.first, key,
                          "unknown or unsupported config key for a rule (e.g. optim.lr, "
                          "train.batch_size, optim.warmup_tokens)");
      }
      SL_ASSIGN_OR_RETURN(YamlMap rm, YamlMap::of(file, key, kv.second));
      std::string of = "N";
      SL_RETURN_IF_ERROR(rm.get("of", &of));
      if (of != "N" && of != "D")
        return rm.error("of", "must be N (non-embedding params) or D (tokens)");
      r.of_d = of == "D";
      SL_RETURN_IF_ERROR(rm.get("exponent", &r.exponent));
      r.use_coef = rm.has("coef");
      if (r.use_coef == rm.has("value")) {
        return node_error(
            file, kv.first, key,
            "give value (+ at) for value * (X/at)^exponent, or coef for coef * X^exponent");
      }
      if (r.use_coef) {
        SL_RETURN_IF_ERROR(rm.get("coef", &r.coef));
      } else {
        SL_RETURN_IF_ERROR(rm.get("value", &r.value));
        if (!rm.has("at"))
          return node_error(file, kv.first, key, "value needs at: the N (or D) where it holds");
        SL_ASSIGN_OR_RETURN(r.at, count_of(file, rm.raw("at"), key + ".at"));
      }
      SL_RETURN_IF_ERROR(rm.get("min", &r.min));
      SL_RETURN_IF_ERROR(rm.get("max", &r.max));
      SL_RETURN_IF_ERROR(rm.finish());
      for (const auto& a : axes) {
        if (a.first == r.key)
          return node_error(file, kv.first, key, "is also an axis; use one or the other");
      }
      rules.push_back(r);
    }
  }
  SL_RETURN_IF_ERROR(root.finish());
  if (plan.share_stable_phase && base_cfg.optim.schedule != "wsd") {
    return root.error("share_stable_phase", "needs the wsd schedule (schedule: wsd)");
  }

  // The grid: models x data x seeds x axes (in that nesting order).
  if (seeds.empty()) seeds.push_back({YAML::Node(base_cfg.train.seed), "seeds", ""});
  std::vector<std::vector<const AxisValue*>> combos{{}};
  for (const auto& [key, vals] : axes) {
    std::vector<std::vector<const AxisValue*>> next;
    for (const auto& c : combos)
      for (const auto& v : vals) {
        auto n = c;
        n.push_back(&v);
        next.push_back(n);
      }
    combos = std::move(next);
  }
  std::map<std::string, TokenDataset> datasets;
  std::map<std::string, std::string> seen;  // run id -> axis keys that made it
  // A run's error is reported where the value that caused it is; the run itself, for context.
  auto in_run = [](const absl::Status& st, const std::vector<std::string>& keys) {
    return absl::Status(
        st.code(), absl::StrCat(st.message(), " (in the run of ", absl::StrJoin(keys, ", "), ")"));
  };
  // The largest budget a run can count: train.tokens is an int64.
  constexpr double kMaxTokens = 9.2e18;
  for (const auto& mc : model_choices) {
    const ParamCounts pc = count_params(mc.resolved);
    const FlopsPerToken fpt = flops_per_token(mc.resolved);
    for (const auto& dc : data_choices) {
      double tokens_d = dc.value;
      if (mode == "tokens_per_param") tokens_d = dc.value * static_cast<double>(pc.nonembedding);
      if (mode == "flops") tokens_d = dc.value / train_flops_per_token(fpt, plan.convention);
      // Checked before the conversion: 1e30 tokens became -9223372036854775808.
      if (!(tokens_d <= kMaxTokens)) {
        return node_error(file, dc.node, dc.key,
                          absl::StrFormat("gives %.3g tokens for %s, more than a run can count (at "
                                          "most %.3g tokens, the int64 range of "
                                          "train.tokens); use a smaller budget",
                                          tokens_d, mc.resolved.shape_name(), kMaxTokens));
      }
      const int64_t tokens = std::llround(tokens_d);
      for (const auto& seed : seeds) {
        for (const auto& combo : combos) {
          YAML::Node d = YAML::Clone(base_fixed);
          YamlOrigins origins = fixed_origins;
          const std::string model_where = yaml_where(file, mc.node);
          // The model: the shape's fields over the base's model mapping.
          GptConfig m = mc.resolved;
          set_path(d, "model.n_layer", YAML::Node(m.n_layer));
          set_path(d, "model.d_model", YAML::Node(m.d_model));
          set_path(d, "model.n_head", YAML::Node(m.n_head));
          set_path(d, "model.d_ff", YAML::Node(m.d_ff));
          for (const char* k : {"model.n_layer", "model.d_model", "model.n_head", "model.d_ff"}) {
            yaml_set_origin(&origins, k, model_where);
          }
          if (mc.shape) {
            for (const auto& kv : mc.shape) {
              set_path(d, "model." + kv.first.as<std::string>(), kv.second);
              yaml_set_origin(&origins, "model." + kv.first.as<std::string>(),
                              yaml_where(file, kv.second));
            }
          }
          set_path(d, "train.tokens", YAML::Node(tokens));
          yaml_set_origin(&origins, "train.tokens", yaml_where(file, dc.node));
          set_path(d, "train.seed", seed.node);
          if (!seed.where.empty()) yaml_set_origin(&origins, "train.seed", seed.where);
          std::vector<std::string> run_keys{mc.key, dc.key};
          if (!seed.where.empty()) run_keys.push_back(seed.key);
          std::vector<std::pair<std::string, std::string>> extra;
          for (size_t i = 0; i < combo.size(); ++i) {
            set_path(d, axes[i].first, combo[i]->node);
            yaml_set_origin(&origins, axes[i].first, yaml_where(file, combo[i]->node));
            extra.emplace_back(axes[i].first, short_value(combo[i]->node));
            run_keys.push_back(combo[i]->key);
          }
          for (const auto& r : rules) {
            double v = r.eval(static_cast<double>(pc.nonembedding), static_cast<double>(tokens));
            if (integer_key(r.key)) {
              if (!(std::fabs(v) <= kMaxTokens)) {
                return in_run(node_error(file, r.node, "rules." + r.key,
                                         absl::StrFormat(
                                             "gives %g, not a whole number a config can hold", v)),
                              run_keys);
              }
              set_path(d, r.key, YAML::Node(static_cast<int64_t>(std::llround(v))));
            } else {
              set_path(d, r.key, YAML::Node(v));
            }
            yaml_set_origin(&origins, r.key, yaml_where(file, r.node));
          }
          auto cfg_or = train_config_from_yaml(d, base_file, origins, ConfigUse::kRunHere);
          if (!cfg_or.ok()) {
            const std::string msg(cfg_or.status().message());
            // Budget too small for one step: the data entry's fault.
            if (msg.find("key 'train.tokens'") != std::string::npos) {
              const size_t detail = msg.find("(batch_size");
              return node_error(
                  file, dc.node, dc.key,
                  absl::StrCat("gives ", tokens, " tokens for ", m.shape_name(),
                               ", less than one optimizer step",
                               detail == std::string::npos ? "" : " " + msg.substr(detail)));
            }
            // Anything else is placed at the spec's (or the base's) value that caused it.
            return in_run(cfg_or.status(), run_keys);
          }
          TrainConfig cfg = *cfg_or;
          // Too big for this machine's memory (on the CPU): the size's fault, or that of the key to
          // change.
          if (auto misfit = check_fits_in_memory(cfg, device)) {
            const std::string* o = yaml_origin(origins, misfit->key);
            if (o && *o == model_where) {
              return node_error(
                  file, mc.node, mc.key,
                  absl::StrFormat("gives %s (%.3g parameters), which cannot train on this machine: "
                                  "%s: %s; use a smaller size",
                                  m.shape_name(), static_cast<double>(pc.total), misfit->key,
                                  misfit->message));
            }
            return in_run(absl::InvalidArgumentError(absl::StrCat(
                              o ? *o : base_file, ": key '", misfit->key, "': ", misfit->message)),
                          run_keys);
          }
          cfg.name = run_name(plan.name, cfg.model, tokens, cfg.train.seed, extra);
          if (std::string why = run_name_problem(cfg.name); !why.empty()) {
            return in_run(root.error("name", absl::StrCat("makes a run name that is not usable: ",
                                                          why, "; shorten the sweep's name")),
                          run_keys);
          }
          PlannedRun pr;
          pr.cfg = cfg;
          pr.target_params = mc.target;
          pr.flops_budget = mode == "flops" ? dc.value : 0;
          plan.runs.push_back(std::move(pr));
        }
      }
    }
  }

  // Shared stable phase: group runs equal but for D; the longest trains, the others branch.
  if (plan.share_stable_phase) {
    std::map<std::string, std::vector<size_t>> groups;
    for (size_t i = 0; i < plan.runs.size(); ++i) {
      TrainConfig k = plan.runs[i].cfg;
      k.name = "";
      k.train.tokens = 0;
      groups[train_config_to_yaml(k)].push_back(i);
    }
    for (auto& [key, idx] : groups) {
      std::sort(idx.begin(), idx.end(),
                [&](size_t a, size_t b) { return plan.runs[a].tokens() > plan.runs[b].tokens(); });
      // Identical warmups: an absolute warmup from the shortest run's fraction unless the config
      // has one.
      int64_t min_tokens = plan.runs[idx.back()].tokens();
      for (size_t i : idx) {
        OptimConfig& o = plan.runs[i].cfg.optim;
        if (o.warmup_tokens == 0)
          o.warmup_tokens = std::max<int64_t>(1, std::llround(o.warmup_fraction * min_tokens));
      }
      PlannedRun& src = plan.runs[idx.front()];
      for (size_t j = 1; j < idx.size(); ++j) {
        PlannedRun& r = plan.runs[idx[j]];
        if (r.tokens() == src.tokens()) continue;
        const int64_t total = r.cfg.total_steps();
        const int64_t step = std::max(warmup_steps(r.cfg.optim, total, r.cfg.tokens_per_step()),
                                      wsd_decay_start(r.cfg.optim, total));
        if (step <= 0) continue;
        auto ok = check_branch_source(r.cfg, src.cfg, step);
        if (!ok.ok()) return root.error("share_stable_phase", std::string(ok.message()));
        r.branch_step = step;
        r.branch_source = "?";  // the id is known below
        src.snapshot_steps.push_back(step);
      }
      for (size_t j = 1; j < idx.size(); ++j) {
        PlannedRun& r = plan.runs[idx[j]];
        if (r.branch_source == "?") r.branch_source = run_id(src.cfg);
      }
      std::sort(src.snapshot_steps.begin(), src.snapshot_steps.end());
      src.snapshot_steps.erase(std::unique(src.snapshot_steps.begin(), src.snapshot_steps.end()),
                               src.snapshot_steps.end());
    }
  }

  // Ids, sizes, FLOPs; duplicates; data.
  for (auto& r : plan.runs) {
    r.id = run_id(r.cfg);
    if (!seen.emplace(r.id, r.cfg.name).second) {
      return root.error(
          "models", absl::StrCat("two runs expand to the same config (", r.id,
                                 "): two sizes give the same shape, or an axis repeats a value"));
    }
    fill_sizes(r);
    if (check_data) {
      auto it = datasets.find(r.cfg.data.path);
      if (it == datasets.end()) {
        auto ds = open_token_dataset(r.cfg.data.path);
        if (!ds.ok()) return annotate(ds.status(), absl::StrCat(root.where("base"), ": data.path"));
        it = datasets.emplace(r.cfg.data.path, std::move(*ds)).first;
      }
      const TokenDataset& ds = it->second;
      if (ds.max_token >= r.cfg.model.vocab || ds.meta.vocab_size > r.cfg.model.vocab) {
        return root.error(
            "base", absl::StrFormat("model.vocab = %d is smaller than the vocabulary of %s (%d)",
                                    r.cfg.model.vocab, ds.dir,
                                    std::max(ds.meta.vocab_size, ds.max_token + 1)));
      }
      auto fits = check_window_fits(ds.train->path(), ds.train->size(), r.cfg.model.ctx + 1,
                                    r.cfg.data.unique_tokens);
      if (fits.ok()) fits = check_window_fits(ds.val->path(), ds.val->size(), r.cfg.model.ctx + 1);
      if (!fits.ok()) return annotate(fits, root.where("base"));
      const int64_t usable = r.cfg.data.unique_tokens > 0
                                 ? std::min(r.cfg.data.unique_tokens, ds.train->size())
                                 : ds.train->size();
      r.epochs = static_cast<double>(r.cfg.total_steps() * r.cfg.tokens_per_step()) /
                 static_cast<double>(usable);
    }
  }
  return plan;
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
         {"runs", runs}};
  return j.dump(2) + "\n";
}

absl::StatusOr<SweepPlan> read_plan(const std::string& sweep_dir) {
  const std::string path = (fs::path(sweep_dir) / "plan.json").string();
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
  for (const auto& r : j["runs"]) {
    PlannedRun pr;
    pr.id = r.value("id", "");
    const std::string cfg_path = (fs::path(sweep_dir) / "runs" / pr.id / "config.yaml").string();
    SL_ASSIGN_OR_RETURN(pr.cfg, load_train_config(cfg_path));
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
}  // namespace sl
