#include "sweeps/spec_rules.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_format.h"
#include "sweeps/spec_parse.h"
#include "train/train_config.h"

namespace sl {
namespace {
// The config keys that hold integers, from the schema.
bool integer_key(const std::string& key) {
  static const std::set<std::string> ints = [] {
    std::set<std::string> out;
    for (const auto& k : train_config_keys())
      if (k.type == "integer") out.insert(k.key);
    return out;
  }();
  return ints.count(key) > 0;
}
}  // namespace

double Rule::eval(double n, double d) const {
  const double x = of_d ? d : n;
  const double v = use_coef ? coef * std::pow(x, exponent) : value * std::pow(x / at, exponent);
  return std::min(max, std::max(min, v));
}

absl::StatusOr<std::vector<Rule>> parse_rules(const std::string& file, const YAML::Node& rules,
                                              const std::vector<std::string>& axis_keys) {
  if (!rules.IsMap()) {
    return spec_error(file, rules, "rules", "expected a mapping of config keys to rules");
  }
  std::vector<Rule> out;
  for (const auto& kv : rules) {
    Rule r;
    r.key = kv.first.as<std::string>();
    r.node = kv.first;
    const std::string key = "rules." + r.key;
    if (!is_config_key(r.key) || r.key == "train.tokens" || r.key == "train.seed") {
      return spec_error(file, kv.first, key,
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
      return spec_error(file, kv.first, key,
                        "give value (+ at) for value * (X/at)^exponent, or coef for coef * "
                        "X^exponent");
    }
    if (r.use_coef) {
      SL_RETURN_IF_ERROR(rm.get("coef", &r.coef));
    } else {
      SL_RETURN_IF_ERROR(rm.get("value", &r.value));
      if (!rm.has("at")) {
        return spec_error(file, kv.first, key, "value needs at: the N (or D) where it holds");
      }
      SL_ASSIGN_OR_RETURN(r.at, spec_count(file, rm.raw("at"), key + ".at"));
    }
    SL_RETURN_IF_ERROR(rm.get("min", &r.min));
    SL_RETURN_IF_ERROR(rm.get("max", &r.max));
    SL_RETURN_IF_ERROR(rm.finish());
    if (std::find(axis_keys.begin(), axis_keys.end(), r.key) != axis_keys.end()) {
      return spec_error(file, kv.first, key, "is also an axis; use one or the other");
    }
    out.push_back(r);
  }
  return out;
}

absl::Status apply_rules(const std::vector<Rule>& rules, const std::string& file, double n,
                         double d, YAML::Node doc, YamlOrigins* origins) {
  for (const auto& r : rules) {
    const double v = r.eval(n, d);
    if (integer_key(r.key)) {
      if (!(std::fabs(v) <= kMaxRunTokens)) {
        return spec_error(file, r.node, "rules." + r.key,
                          absl::StrFormat("gives %g, not a whole number a config can hold", v));
      }
      set_dotted(doc, r.key, YAML::Node(static_cast<int64_t>(std::llround(v))));
    } else {
      set_dotted(doc, r.key, YAML::Node(v));
    }
    yaml_set_origin(origins, r.key, yaml_where(file, r.node));
  }
  return absl::OkStatus();
}
}  // namespace sl
