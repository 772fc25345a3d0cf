// YAML reading with errors a user can act on: every message names the file, the dotted key, its
// line and column, and what to change. Maps are read through YamlMap, which also rejects unknown
// keys.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "yaml-cpp/yaml.h"

namespace sl {
// Parses a file; a syntax error becomes "file:line:col: ...". So does a key that appears twice in
// one mapping (yaml-cpp would keep the first silently) and a key that is not a plain scalar.
absl::StatusOr<YAML::Node> yaml_load_file(const std::string& path);
absl::StatusOr<YAML::Node> yaml_load_string(const std::string& text, const std::string& name);

// "file:line:col" of a node (1-based), or just "file" when the node has no position.
std::string yaml_where(const std::string& file, const YAML::Node& node);

// Where values that are not the file's own text came from, by dotted key: an error about that key,
// or about anything below it, names this instead of a file:line:col ("override 'optim.lr=0x10'", or
// "spec.yaml:9:16" for a value a sweep spec set in a run's config). The longest matching key wins.
// Needed because a value parsed on its own (an override) carries the position 1:1 of its own text,
// and YAML::Clone resets every position to 1:1.
using YamlOrigins = std::map<std::string, std::string>;
// The origin of `dotted` or of a key above it ("a" covers "a.b" and "a[0]"), or nullptr.
const std::string* yaml_origin(const YamlOrigins& origins, const std::string& dotted);
// Sets the origin of `dotted`, forgetting those of the keys below it (their values were replaced).
void yaml_set_origin(YamlOrigins* origins, const std::string& dotted, const std::string& origin);
// The "file:line:col" of every key below `prefix` in `node` (list elements as key[i]), recorded as
// origins: positions that survive YAML::Clone, for documents assembled from pieces (sweep runs).
void yaml_record_positions(const std::string& file, const YAML::Node& node,
                           const std::string& prefix, YamlOrigins* origins);
// The origin, else "file:line:col" of the node at `dotted` (or of the nearest mapping above it that
// exists), e.g. for an error about a key found after parsing.
std::string yaml_key_where(const std::string& file, const YAML::Node& root,
                           const YamlOrigins& origins, const std::string& dotted);

// Applies "a.b.c=value" overrides onto a document; the value is parsed as YAML ("3e-4", "true",
// "[1,2]"). With `origins`, records that the key came from this override.
absl::Status yaml_apply_override(YAML::Node root, const std::string& assignment,
                                 YamlOrigins* origins = nullptr);

// Parses counts such as "50k", "1.5M", "2e9", "5_000_000" (suffixes k, M, B/G, T). Only plain
// decimal numbers with an optional exponent: no hexadecimal, inf, nan or leading blanks (strtod's
// extras).
absl::StatusOr<double> parse_count(const std::string& text);

// A mapping being read: get() fills a field if the key is present (keeping the default otherwise),
// finish() reports any key nobody asked for. A key given with no value (`lr:`, `lr: ~`) is an error
// for get() and require(), not the default; an empty section (a child() mapping) is allowed.
class YamlMap {
 public:
  YamlMap(std::string file, std::string prefix, YAML::Node node, YamlOrigins origins = {});
  static absl::StatusOr<YamlMap> of(std::string file, std::string prefix, YAML::Node node,
                                    YamlOrigins origins = {});

  bool has(const std::string& key) const;  // present with a value (not null)
  // An error if the key is present but null ("is empty (~/null)"); for keys read through raw().
  absl::Status reject_null(const std::string& key) const;
  absl::Status get(const std::string& key, int64_t* out);
  absl::Status get(const std::string& key, int* out);
  absl::Status get(const std::string& key, double* out);
  absl::Status get(const std::string& key, bool* out);
  absl::Status get(const std::string& key, std::string* out);
  // Lists: [1, 2] (or "1, 2", or one value); whole numbers read as every other number is.
  absl::Status get(const std::string& key, std::vector<int>* out);
  absl::Status get(const std::string& key, std::vector<std::string>* out);
  absl::Status require(const std::string& key);  // error if the key is missing
  // A nested mapping (empty if absent).
  absl::StatusOr<YamlMap> child(const std::string& key);
  YAML::Node raw(const std::string& key);  // marks the key as used
  absl::Status finish() const;

  const std::string& file() const { return file_; }
  std::string key_path(const std::string& key) const {
    return prefix_.empty() ? key : prefix_ + "." + key;
  }
  // "file:line:col: key 'model.n_head'" (or "override 'model.n_head=3': key 'model.n_head'") for
  // errors about a key's value.
  std::string where(const std::string& key) const;
  absl::Status error(const std::string& key, const std::string& message) const;
  const YamlOrigins& origins() const { return origins_; }

 private:
  std::string location(const std::string& key) const;  // the part of where() before ": key"
  std::string file_, prefix_;
  YAML::Node node_;
  YamlOrigins origins_;
  std::set<std::string> used_;
};
}  // namespace sl
