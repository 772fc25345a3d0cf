// YAML reading with errors a user can act on: every message names the file, the dotted key, its
// line and column, and what to change. Maps are read through YamlMap, which also rejects unknown keys.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "yaml-cpp/yaml.h"

namespace sl {
// Parses a file; a syntax error becomes "file:line:col: ...".
absl::StatusOr<YAML::Node> yaml_load_file(const std::string& path);
absl::StatusOr<YAML::Node> yaml_load_string(const std::string& text, const std::string& name);

// "file:line:col" of a node (1-based), or just "file" when the node has no position (overrides).
std::string yaml_where(const std::string& file, const YAML::Node& node);

// Applies "a.b.c=value" overrides onto a document; the value is parsed as YAML ("3e-4", "true", "[1,2]").
absl::Status yaml_apply_override(YAML::Node root, const std::string& assignment);

// Parses counts such as "50k", "1.5M", "2e9", "5_000_000" (suffixes k, M, B/G, T).
absl::StatusOr<double> parse_count(const std::string& text);

// A mapping being read: get() fills a field if the key is present (keeping the default otherwise),
// finish() reports any key nobody asked for.
class YamlMap {
 public:
  YamlMap(std::string file, std::string prefix, YAML::Node node);
  static absl::StatusOr<YamlMap> of(std::string file, std::string prefix, YAML::Node node);

  bool has(const std::string& key) const;
  absl::Status get(const std::string& key, int64_t* out);
  absl::Status get(const std::string& key, int* out);
  absl::Status get(const std::string& key, double* out);
  absl::Status get(const std::string& key, bool* out);
  absl::Status get(const std::string& key, std::string* out);
  absl::Status require(const std::string& key);  // error if the key is missing
  // A nested mapping (empty if absent).
  absl::StatusOr<YamlMap> child(const std::string& key);
  YAML::Node raw(const std::string& key);  // marks the key as used
  absl::Status finish() const;

  const std::string& file() const { return file_; }
  std::string key_path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  // "file:line:col: key 'model.n_head': " prefix for errors about a key's value.
  std::string where(const std::string& key) const;
  absl::Status error(const std::string& key, const std::string& message) const;

 private:
  std::string file_, prefix_;
  YAML::Node node_;
  std::set<std::string> used_;
};
}  // namespace sl
