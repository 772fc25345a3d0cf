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

bool parse_var(const std::string& s, RuleVar* v) {
  for (RuleVar c : {RuleVar::kN, RuleVar::kD, RuleVar::kWidth, RuleVar::kBatchTokens,
                    RuleVar::kBatchSequences}) {
    if (s == rule_var_name(c)) {
      *v = c;
      return true;
    }
  }
  return false;
}

constexpr const char* kVarHelp =
    "must be N (non-embedding params), D (tokens), width (d_model), B (tokens per step) or batch "
    "(sequences per step)";

// A key of the run's config document, or the default when the document (base + spec) leaves it.
int64_t doc_int(const YAML::Node& doc, const char* section, const char* key, int64_t fallback) {
  const YAML::Node s = doc[section];
  if (!s || !s.IsMap() || !s[key] || !s[key].IsScalar()) return fallback;
  try {
    return s[key].as<int64_t>();
  } catch (const YAML::Exception&) {
    return fallback;  // not a number: the run's config validation names it
  }
}

// Sequences per optimizer step of the run `doc` describes.
double doc_batch_sequences(const YAML::Node& doc) {
  const TrainConfig defaults;
  return static_cast<double>(doc_int(doc, "train", "batch_size", defaults.train.batch_size)) *
         static_cast<double>(doc_int(doc, "train", "grad_accum", defaults.train.grad_accum));
}

// Tokens per optimizer step of the run `doc` describes.
double doc_batch_tokens(const YAML::Node& doc) {
  return doc_batch_sequences(doc) *
         static_cast<double>(doc_int(doc, "model", "ctx", TrainConfig().model.ctx));
}
}  // namespace

const char* rule_var_name(RuleVar v) {
  switch (v) {
    case RuleVar::kN: return "N";
    case RuleVar::kD: return "D";
    case RuleVar::kWidth: return "width";
    case RuleVar::kBatchTokens: return "B";
    case RuleVar::kBatchSequences: return "batch";
  }
  return "?";
}

double RunScale::of(RuleVar v) const {
  switch (v) {
    case RuleVar::kN: return n;
    case RuleVar::kD: return d;
    case RuleVar::kWidth: return width;
    case RuleVar::kBatchTokens: return batch_tokens;
    case RuleVar::kBatchSequences: return batch_sequences;
  }
  return NAN;
}

double Rule::eval(const RunScale& s) const {
  const double x = s.of(of);
  double v = 0;
  if (!steps.empty()) {
    v = steps.front().second;
    for (const auto& [start, value] : steps)
      if (x >= start) v = value;
  } else {
    v = use_coef ? coef * std::pow(x, exponent) : value * std::pow(x / at, exponent);
    for (const auto& [var, p] : times) v *= std::pow(s.of(var), p);
  }
  return std::min(max, std::max(min, v));
}

bool Rule::uses(RuleVar v) const {
  if (of == v) return true;
  for (const auto& t : times)
    if (t.first == v) return true;
  return false;
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
    if (!parse_var(of, &r.of)) return rm.error("of", kVarHelp);
    if (rm.has("steps")) {
      for (const char* other : {"value", "at", "coef", "exponent", "times"}) {
        if (rm.has(other)) {
          return rm.error(other,
                          "a rule with steps takes only of, steps, min and max: the "
                          "steps give the values");
        }
      }
      const YAML::Node steps = rm.raw("steps");
      if (!steps.IsSequence() || steps.size() == 0) {
        return rm.error("steps",
                        "expected a list of [start, value] pairs, e.g. [[0, 0.99], "
                        "[524k, 0.95]]");
      }
      for (const auto& step : steps) {
        if (!step.IsSequence() || step.size() != 2) {
          return spec_error(file, step, key + ".steps",
                            "each step is a [start, value] pair, e.g. [524k, 0.95]");
        }
        // A start is a count (524k, 1.5M) or the first step's 0, which spec_count refuses.
        double start = 0;
        if (!(step[0].IsScalar() && step[0].Scalar() == "0")) {
          SL_ASSIGN_OR_RETURN(start, spec_count(file, step[0], key + ".steps"));
        }
        double value = 0;
        try {
          value = step[1].as<double>();
        } catch (const YAML::Exception&) {
          return spec_error(file, step[1], key + ".steps", "the step's value must be a number");
        }
        if (!r.steps.empty() && !(start > r.steps.back().first)) {
          return spec_error(file, step[0], key + ".steps",
                            "step starts must increase (each step holds from its start up to "
                            "the next one's)");
        }
        if (r.steps.empty() && start != 0) {
          return spec_error(file, step[0], key + ".steps",
                            "the first step must start at 0, so every run gets a value");
        }
        r.steps.emplace_back(start, value);
      }
    } else {
      SL_RETURN_IF_ERROR(rm.get("exponent", &r.exponent));
      r.use_coef = rm.has("coef");
      if (r.use_coef == rm.has("value")) {
        return spec_error(file, kv.first, key,
                          "give value (+ at) for value * (X/at)^exponent, coef for coef * "
                          "X^exponent, or steps for a step function");
      }
      if (r.use_coef) {
        SL_RETURN_IF_ERROR(rm.get("coef", &r.coef));
      } else {
        SL_RETURN_IF_ERROR(rm.get("value", &r.value));
        if (!rm.has("at")) {
          return spec_error(file, kv.first, key, "value needs at: the X (of:) where it holds");
        }
        SL_ASSIGN_OR_RETURN(r.at, spec_count(file, rm.raw("at"), key + ".at"));
      }
      if (rm.has("times")) {
        if (!r.use_coef) {
          return rm.error("times", "goes with coef (coef * X^exponent * Y^p ...), not value/at");
        }
        const YAML::Node times = rm.raw("times");
        if (!times.IsMap() || times.size() == 0) {
          return rm.error("times",
                          "expected a mapping of quantities to exponents, e.g. "
                          "{width: -1}");
        }
        for (const auto& t : times) {
          RuleVar v;
          if (!parse_var(t.first.as<std::string>(), &v))
            return spec_error(file, t.first, key + ".times", kVarHelp);
          double p = 0;
          try {
            p = t.second.as<double>();
          } catch (const YAML::Exception&) {
            return spec_error(file, t.second, key + ".times", "the exponent must be a number");
          }
          r.times.emplace_back(v, p);
        }
      }
    }
    SL_RETURN_IF_ERROR(rm.get("min", &r.min));
    SL_RETURN_IF_ERROR(rm.get("max", &r.max));
    SL_RETURN_IF_ERROR(rm.finish());
    if (std::find(axis_keys.begin(), axis_keys.end(), r.key) != axis_keys.end()) {
      return spec_error(file, kv.first, key, "is also an axis; use one or the other");
    }
    if ((r.uses(RuleVar::kBatchTokens) || r.uses(RuleVar::kBatchSequences)) &&
        (r.key == "train.batch_size" || r.key == "train.grad_accum" || r.key == "model.ctx")) {
      return spec_error(file, kv.first, key,
                        "cannot depend on B or batch (the batch per step), which it sets; use N, "
                        "D or width");
    }
    out.push_back(r);
  }
  return out;
}

absl::Status apply_rules(const std::vector<Rule>& rules, const std::string& file, RunScale scale,
                         YAML::Node doc, YamlOrigins* origins) {
  for (const auto& r : rules) {
    if (r.uses(RuleVar::kBatchTokens)) scale.batch_tokens = doc_batch_tokens(doc);
    if (r.uses(RuleVar::kBatchSequences)) scale.batch_sequences = doc_batch_sequences(doc);
    const double v = r.eval(scale);
    if (integer_key(r.key)) {
      if (!(std::fabs(v) <= kMaxRunTokens)) {
        return spec_error(file, r.node, "rules." + r.key,
                          absl::StrFormat("gives %g, not a whole number a config can hold", v));
      }
      set_dotted(doc, r.key, YAML::Node(static_cast<int64_t>(std::llround(v))));
    } else if (!std::isfinite(v)) {
      return spec_error(file, r.node, "rules." + r.key,
                        absl::StrFormat("gives %g for N = %g, D = %g, width = %g, B = %g, batch "
                                        "= %g; give min and max, or change the rule",
                                        v, scale.n, scale.d, scale.width, scale.batch_tokens,
                                        scale.batch_sequences));
    } else {
      set_dotted(doc, r.key, YAML::Node(v));
    }
    yaml_set_origin(origins, r.key, yaml_where(file, r.node));
  }
  return absl::OkStatus();
}
}  // namespace sl
