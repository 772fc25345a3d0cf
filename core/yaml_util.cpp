#include "core/yaml_util.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace sl {

absl::StatusOr<YAML::Node> yaml_load_string(const std::string& text, const std::string& name) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(absl::StrCat(name, ":", e.mark.line + 1, ":", e.mark.column + 1,
                                                   ": YAML syntax error: ", e.msg));
  }
}

absl::StatusOr<YAML::Node> yaml_load_file(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return absl::NotFoundError(absl::StrCat("cannot read config file ", path,
                                            ": no such file or not readable"));
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", e.mark.line + 1, ":", e.mark.column + 1,
                                                   ": YAML syntax error: ", e.msg));
  }
}

std::string yaml_where(const std::string& file, const YAML::Node& node) {
  if (!node.IsDefined()) return file;
  YAML::Mark m = node.Mark();
  if (m.is_null()) return file;
  return absl::StrCat(file, ":", m.line + 1, ":", m.column + 1);
}

absl::Status yaml_apply_override(YAML::Node root, const std::string& assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError(absl::StrCat("override '", assignment,
                                                   "' is not of the form key=value (e.g. optim.lr=3e-4)"));
  }
  std::vector<std::string> keys = absl::StrSplit(assignment.substr(0, eq), '.');
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("override '", assignment, "': bad value: ", e.what()));
  }
  // yaml-cpp's operator[] returns handles; walk with explicit copies of the handles.
  std::vector<YAML::Node> path{root};
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    YAML::Node next = path.back()[keys[i]];
    if (next.IsDefined() && !next.IsMap() && !next.IsNull()) {
      return absl::InvalidArgumentError(absl::StrCat("override '", assignment, "': '", keys[i],
                                                     "' is not a mapping"));
    }
    path.push_back(next);
  }
  path.back()[keys.back()] = value;
  return absl::OkStatus();
}

absl::StatusOr<double> parse_count(const std::string& text_in) {
  std::string text;
  for (char c : text_in) if (c != '_' && c != ',') text.push_back(c);
  if (text.empty()) return absl::InvalidArgumentError("empty number");
  double mult = 1;
  switch (text.back()) {
    case 'k': case 'K': mult = 1e3; break;
    case 'M': case 'm': mult = 1e6; break;
    case 'B': case 'G': case 'g': case 'b': mult = 1e9; break;
    case 'T': case 't': mult = 1e12; break;
    default: break;
  }
  if (mult != 1) text.pop_back();
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(v)) {
    return absl::InvalidArgumentError(absl::StrCat("'", text_in,
                                                   "' is not a number (write e.g. 5000, 5e6, 50k, 1.5M)"));
  }
  return v * mult;
}

YamlMap::YamlMap(std::string file, std::string prefix, YAML::Node node)
    : file_(std::move(file)), prefix_(std::move(prefix)), node_(node) {}

absl::StatusOr<YamlMap> YamlMap::of(std::string file, std::string prefix, YAML::Node node) {
  if (node.IsDefined() && !node.IsNull() && !node.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(yaml_where(file, node), ": ",
                                                   prefix.empty() ? "the document" : "key '" + prefix + "'",
                                                   " must be a mapping of key: value"));
  }
  return YamlMap(std::move(file), std::move(prefix), node);
}

bool YamlMap::has(const std::string& key) const {
  return node_.IsMap() && node_[key].IsDefined() && !node_[key].IsNull();
}

std::string YamlMap::where(const std::string& key) const {
  YAML::Node n = node_.IsMap() ? node_[key] : YAML::Node();
  return absl::StrCat(yaml_where(file_, n.IsDefined() ? n : node_), ": key '", key_path(key), "'");
}

absl::Status YamlMap::error(const std::string& key, const std::string& message) const {
  return absl::InvalidArgumentError(absl::StrCat(where(key), ": ", message));
}

YAML::Node YamlMap::raw(const std::string& key) {
  used_.insert(key);
  return node_.IsMap() ? node_[key] : YAML::Node();
}

namespace {
template <typename T>
absl::Status read_scalar(YamlMap& m, const std::string& key, T* out, const char* type_name) {
  if (!m.has(key)) { m.raw(key); return absl::OkStatus(); }
  YAML::Node n = m.raw(key);
  if (!n.IsScalar()) return m.error(key, absl::StrCat("expected ", type_name, ", got a ", n.IsMap() ? "mapping" : "list"));
  try {
    *out = n.as<T>();
  } catch (const YAML::Exception&) {
    return m.error(key, absl::StrCat("expected ", type_name, ", got '", n.Scalar(), "'"));
  }
  return absl::OkStatus();
}
}  // namespace

absl::Status YamlMap::get(const std::string& key, double* out) {
  if (!has(key)) { raw(key); return absl::OkStatus(); }
  YAML::Node n = raw(key);
  if (!n.IsScalar()) return error(key, "expected a number");
  auto v = parse_count(n.Scalar());
  if (!v.ok()) return error(key, std::string(v.status().message()));
  *out = *v;
  return absl::OkStatus();
}

absl::Status YamlMap::get(const std::string& key, int64_t* out) {
  double v = static_cast<double>(*out);
  SL_RETURN_IF_ERROR(get(key, &v));
  if (v != std::floor(v) || std::fabs(v) > 9e18) return error(key, absl::StrCat("expected a whole number, got ", v));
  *out = static_cast<int64_t>(v);
  return absl::OkStatus();
}

absl::Status YamlMap::get(const std::string& key, int* out) {
  int64_t v = *out;
  SL_RETURN_IF_ERROR(get(key, &v));
  if (v > 2147483647 || v < -2147483647) return error(key, "value is out of range");
  *out = static_cast<int>(v);
  return absl::OkStatus();
}

absl::Status YamlMap::get(const std::string& key, bool* out) { return read_scalar(*this, key, out, "true or false"); }
absl::Status YamlMap::get(const std::string& key, std::string* out) { return read_scalar(*this, key, out, "a string"); }

absl::Status YamlMap::require(const std::string& key) {
  if (!has(key)) {
    return absl::InvalidArgumentError(absl::StrCat(yaml_where(file_, node_), ": missing required key '",
                                                   key_path(key), "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<YamlMap> YamlMap::child(const std::string& key) {
  return YamlMap::of(file_, key_path(key), raw(key));
}

absl::Status YamlMap::finish() const {
  if (!node_.IsMap()) return absl::OkStatus();
  std::vector<std::string> known(used_.begin(), used_.end());
  for (const auto& kv : node_) {
    std::string k = kv.first.as<std::string>();
    if (!used_.count(k)) {
      return absl::InvalidArgumentError(absl::StrCat(
          yaml_where(file_, kv.first), ": unknown key '", key_path(k), "'; known keys here: ",
          absl::StrJoin(known, ", "), ". Remove it or fix its spelling"));
    }
  }
  return absl::OkStatus();
}
}  // namespace sl
