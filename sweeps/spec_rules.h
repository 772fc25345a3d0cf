// A sweep spec's rules: hyper-parameters as functions of a run's size, e.g.
//   rules: {optim.lr: {value: 3e-3, at: 800k, exponent: -0.333, min: 1e-4}}
// sets optim.lr = 3e-3 * (N / 800k)^-0.333, clamped to [min, max], for every run, where N is the
// run's non-embedding parameter count (or its token budget D with `of: D`); `coef: C` instead of
// value/at gives C * N^exponent. Keys that hold integers (train.batch_size, ...) are rounded.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/yaml_util.h"

namespace sl {
struct Rule {
  std::string key;  // dotted config key it sets
  YAML::Node node;  // the key's node in the spec, for errors
  double value = 0, at = 0, coef = 0, exponent = 0;
  bool of_d = false;  // a function of D (tokens) instead of N (non-embedding params)
  bool use_coef = false;
  double min = -INFINITY, max = INFINITY;
  double eval(double n, double d) const;
};

// The `rules:` mapping of `file`; `axis_keys` are the spec's swept keys (a key may not be both).
absl::StatusOr<std::vector<Rule>> parse_rules(const std::string& file, const YAML::Node& rules,
                                              const std::vector<std::string>& axis_keys);

// Sets every rule's key in a run's config `doc` for a run of N non-embedding parameters and D
// tokens, recording the rule as the key's origin. An integer key whose value no config can hold is
// an error at the rule.
absl::Status apply_rules(const std::vector<Rule>& rules, const std::string& file, double n,
                         double d, YAML::Node doc, YamlOrigins* origins);
}  // namespace sl
