// Step 1 of a sweep spec's expansion (sweeps/spec.h): the spec's text read into a SweepSpec, every
// key checked where it is written (file, key, line and column), nothing resolved yet: sizes are
// still targets, budgets still numbers, the base config not yet parsed.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/yaml_util.h"
#include "model/accounting.h"
#include "model/shape_rule.h"
#include "sweeps/spec_rules.h"

namespace sl {
// One value of the spec, with the node it came from.
struct SpecValue {
  YAML::Node node;
  std::string key;    // "data.tokens[2]", for errors
  std::string where;  // its file:line:col when the node has no position of its own ("1, 2")
  double number = 0;  // sizes and budgets: the value read as a count
};

struct SpecAxis {
  std::string key;  // dotted config key
  std::vector<SpecValue> values;
};

enum class BudgetMode { kTokens, kTokensPerParam, kFlops };

struct SweepSpec {
  std::string file, text, name;
  YAML::Node doc;  // the spec as parsed (positions intact)
  // The base train config (clone of the spec's mapping, or the file it names) and where its keys
  // are written.
  YAML::Node base;
  std::string base_file;
  YamlOrigins base_origins;
  std::vector<std::pair<std::string, YAML::Node>> fixed;  // dotted key -> value for every run
  std::vector<SpecAxis> axes;                             // in the spec's order
  std::vector<SpecValue> seeds;                           // empty: the base config's seed
  ShapeRule shape_rule;
  std::vector<SpecValue> sizes;   // models.sizes: target non-embedding parameters (number)
  std::vector<SpecValue> shapes;  // or models.shapes: mappings of model keys
  BudgetMode mode = BudgetMode::kTokens;
  std::string mode_key;            // "tokens", "tokens_per_param" or "flops"
  std::vector<SpecValue> budgets;  // data.<mode_key>
  FlopsConvention convention = FlopsConvention::kKaplan6N;
  std::vector<Rule> rules;
  bool share_stable_phase = false;
  std::vector<std::string> overrides;  // "key=value" from the command line, for every run

  // Errors at a top-level key ("file:line:col: key 'K': message").
  absl::Status error(const std::string& key, const std::string& message) const;
  std::string where(const std::string& key) const;
};

absl::StatusOr<SweepSpec> parse_sweep_spec(const std::string& text, const std::string& file,
                                           const std::vector<std::string>& overrides = {});

// The largest budget a run can count: train.tokens is an int64.
constexpr double kMaxRunTokens = 9.2e18;

// Helpers for reading spec values (shared by the steps of the expansion).
// "file:line:col: key 'K': message"
absl::Status spec_error(const std::string& file, const YAML::Node& node, const std::string& key,
                        const std::string& message);
// A positive number with an optional k/M/G suffix ("50k", 1e13).
absl::StatusOr<double> spec_count(const std::string& file, const YAML::Node& n,
                                  const std::string& key);
// Whether `dotted` is a key of a train config ("optim.lr", "probes.tasks", ...).
bool is_config_key(const std::string& dotted);
// root[a][b][c] = a clone of value, for "a.b.c", creating mappings on the way.
void set_dotted(YAML::Node root, const std::string& dotted, const YAML::Node& value);
}  // namespace sl
