// A sweep spec's rules: hyper-parameters as functions of a run's size, e.g.
//   rules: {optim.lr: {value: 3e-3, at: 800k, exponent: -0.333, min: 1e-4}}
// sets optim.lr = 3e-3 * (X / 800k)^-0.333, clamped to [min, max], for every run. X (`of:`) is
//   N      the run's non-embedding parameter count (the default)
//   D      its token budget (train.tokens)
//   width  its d_model
//   B      its tokens per optimizer step (batch_size x grad_accum x ctx)
//   batch  its sequences per optimizer step (batch_size x grad_accum)
// B and batch are read after the rules above this one (a rule on train.batch_size comes first).
// `coef: C` instead of value/at gives C * X^exponent, and `times: {width: -1, ...}` multiplies that
// by further powers (Marin: lr = 0.33 sqrt(batch) / d_model is {coef: 0.33, of: batch, exponent:
// 0.5, times: {width: -1}}). A step function instead: `steps: [[0, 0.99], [524k, 0.95]]` gives the value of the
// last step whose start is <= X (OLMo: beta2 0.99 below 524K-token batches, else 0.95); the first
// step starts at 0. Keys that hold integers (train.batch_size, ...) are rounded.
#pragma once
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/yaml_util.h"

namespace sl {
enum class RuleVar { kN, kD, kWidth, kBatchTokens, kBatchSequences };
const char* rule_var_name(RuleVar v);  // N, D, width, B, batch

// What a rule may depend on, for one run.
struct RunScale {
  double n = 0;                // non-embedding parameters
  double d = 0;                // token budget
  double width = 0;            // d_model
  double batch_tokens = 0;     // tokens per optimizer step
  double batch_sequences = 0;  // sequences per optimizer step
  double of(RuleVar v) const;
};

struct Rule {
  std::string key;  // dotted config key it sets
  YAML::Node node;  // the key's node in the spec, for errors
  RuleVar of = RuleVar::kN;
  // Power law: value * (X/at)^exponent, or coef * X^exponent * prod(times: Y^p).
  double value = 0, at = 0, coef = 0, exponent = 0;
  bool use_coef = false;
  std::vector<std::pair<RuleVar, double>> times;
  // Step function (when not empty): (start, value) pairs, starts ascending from 0.
  std::vector<std::pair<double, double>> steps;
  double min = -INFINITY, max = INFINITY;
  double eval(const RunScale& s) const;
  bool uses(RuleVar v) const;  // whether eval reads that quantity
};

// The `rules:` mapping of `file`; `axis_keys` are the spec's swept keys (a key may not be both).
absl::StatusOr<std::vector<Rule>> parse_rules(const std::string& file, const YAML::Node& rules,
                                              const std::vector<std::string>& axis_keys);

// Sets every rule's key, in the spec's order, in a run's config `doc` for a run of `scale` (its
// batch_tokens and batch_sequences are recomputed from `doc` before each rule that reads them), recording the rule as the
// key's origin. An integer key whose value no config can hold is an error at the rule.
absl::Status apply_rules(const std::vector<Rule>& rules, const std::string& file, RunScale scale,
                         YAML::Node doc, YamlOrigins* origins);
}  // namespace sl
