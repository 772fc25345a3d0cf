#include "core/yaml_util.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <type_traits>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/files.h"

namespace sl {

namespace {
// Every key of every mapping in the document: a plain scalar, once per mapping. yaml-cpp accepts a
// repeated key and keeps the first value, so `lr: 1e-3` ... `lr: 3e-3` would silently train at
// 1e-3. `where` places a node in errors; `lines`: positions mean lines of a file (not of an
// override).
absl::Status check_keys(const YAML::Node& node, const std::string& path,
                        const std::function<std::string(const YAML::Node&)>& where,
                        bool lines = true) {
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      SL_RETURN_IF_ERROR(check_keys(node[i], absl::StrCat(path, "[", i, "]"), where, lines));
    }
    return absl::OkStatus();
  }
  if (!node.IsMap()) return absl::OkStatus();
  std::map<std::string, YAML::Mark> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(kv.first), ": ", path.empty() ? "a key" : "a key in '" + path + "'",
                       " is ", kv.first.IsNull() ? "empty (~/null)" : "a list or mapping",
                       "; keys are plain names (e.g. lr: 1e-3)"));
    }
    const std::string key = kv.first.Scalar();
    const std::string dotted = path.empty() ? key : path + "." + key;
    auto [it, fresh] = seen.emplace(key, kv.first.Mark());
    if (!fresh) {
      const std::string first = !lines || it->second.is_null()
                                    ? ""
                                    : absl::StrCat(" (first at line ", it->second.line + 1, ")");
      return absl::InvalidArgumentError(
          absl::StrCat(where(kv.first), ": key '", dotted, "' appears twice", first, "; keep one"));
    }
    SL_RETURN_IF_ERROR(check_keys(kv.second, dotted, where, lines));
  }
  return absl::OkStatus();
}

// A walk of the document as its readers walk it, every alias (*name) expanded, that stops at a
// bound instead of running away: 9 aliases of 9 aliases ... (a "YAML bomb") are a few lines that
// expand to billions of values, and an alias inside its own anchor (`c: &c [*c]`) to a cycle that
// never ends. The walk costs at most kMaxNodes steps, whatever the document.
constexpr size_t kMaxNodes = 100000;  // a config or sweep spec has hundreds
constexpr int kMaxDepth = 64;         // and is 3 or 4 levels deep

struct ExpansionWalk {
  size_t nodes = 0;
  bool too_deep = false;
  bool over() const { return nodes > kMaxNodes || too_deep; }
  void visit(const YAML::Node& node, int depth) {
    if (over()) return;
    ++nodes;
    if (depth > kMaxDepth) {
      too_deep = true;
      return;
    }
    if (!node.IsSequence() && !node.IsMap()) return;
    for (const auto& child : node) {
      if (over()) return;
      if (node.IsMap()) {  // a mapping's children come as key/value pairs
        visit(child.first, depth + 1);
        visit(child.second, depth + 1);
      } else {
        visit(child, depth + 1);
      }
    }
  }
};

absl::Status check_expanded_size(const YAML::Node& doc, const std::string& name) {
  ExpansionWalk walk;
  walk.visit(doc, 0);
  if (walk.too_deep) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": nests deeper than ", kMaxDepth,
                     " levels (counting what aliases (*name) refer to); a config needs 3 or 4"));
  }
  if (walk.nodes > kMaxNodes) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": expands to more than ", kMaxNodes,
        " values through its aliases (*name refers back to &name); a config needs far fewer: "
        "write the values out instead of nesting aliases"));
  }
  return absl::OkStatus();
}

absl::Status check_document_keys(const YAML::Node& doc, const std::string& name) {
  SL_RETURN_IF_ERROR(check_expanded_size(doc, name));
  return check_keys(doc, "", [&](const YAML::Node& n) { return yaml_where(name, n); });
}
}  // namespace

absl::StatusOr<YAML::Node> yaml_load_string(const std::string& text, const std::string& name) {
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ":", e.mark.line + 1, ":", e.mark.column + 1, ": YAML syntax error: ", e.msg));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": unreadable YAML: ", e.what()));
  }
  SL_RETURN_IF_ERROR(check_document_keys(doc, name));
  return doc;
}

absl::StatusOr<YAML::Node> yaml_load_file(const std::string& path) {
  // Read first (a directory or an unreadable file would otherwise escape yaml-cpp as an iostream
  // exception), then parse the text with the file's name in every error.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read config file ", path, ": it is a directory; name a YAML file"));
  }
  auto text = read_file(path);
  if (!text.ok()) {
    return absl::NotFoundError(
        absl::StrCat("cannot read config file ", path, ": no such file or not readable"));
  }
  return yaml_load_string(*text, path);
}

std::string yaml_where(const std::string& file, const YAML::Node& node) {
  if (!node.IsDefined()) return file;
  YAML::Mark m = node.Mark();
  if (m.is_null()) return file;
  return absl::StrCat(file, ":", m.line + 1, ":", m.column + 1);
}

const std::string* yaml_origin(const YamlOrigins& origins, const std::string& dotted) {
  const std::string* best = nullptr;
  size_t best_len = 0;
  for (const auto& [key, origin] : origins) {
    const bool covers =
        dotted == key || (dotted.size() > key.size() && dotted.compare(0, key.size(), key) == 0 &&
                          (dotted[key.size()] == '.' || dotted[key.size()] == '['));
    if (covers && (!best || key.size() > best_len)) {
      best = &origin;
      best_len = key.size();
    }
  }
  return best;
}

void yaml_set_origin(YamlOrigins* origins, const std::string& dotted, const std::string& origin) {
  for (auto it = origins->lower_bound(dotted);
       it != origins->end() && it->first.compare(0, dotted.size(), dotted) == 0;) {
    const std::string& k = it->first;
    if (k.size() > dotted.size() && k[dotted.size()] != '.' && k[dotted.size()] != '[') {
      ++it;
      continue;
    }
    it = origins->erase(it);
  }
  (*origins)[dotted] = origin;
}

void yaml_record_positions(const std::string& file, const YAML::Node& node,
                           const std::string& prefix, YamlOrigins* origins) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) continue;
      const std::string key = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
      (*origins)[key] = yaml_where(file, kv.second.IsNull() ? kv.first : kv.second);
      yaml_record_positions(file, kv.second, key, origins);
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string key = absl::StrCat(prefix, "[", i, "]");
      (*origins)[key] = yaml_where(file, node[i]);
      yaml_record_positions(file, node[i], key, origins);
    }
  }
}

std::string yaml_key_where(const std::string& file, const YAML::Node& root,
                           const YamlOrigins& origins, const std::string& dotted) {
  if (const std::string* o = yaml_origin(origins, dotted)) return *o;
  YAML::Node at = root;
  for (const auto& key : absl::StrSplit(dotted, '.')) {
    if (!at.IsMap()) break;
    const YAML::Node next = at[std::string(key)];
    if (!next.IsDefined()) break;
    at.reset(
        next);  // (at = next would rewrite the node `at` refers to: yaml-cpp nodes are references)
  }
  return yaml_where(file, at);
}

absl::Status yaml_apply_override(YAML::Node root, const std::string& assignment,
                                 YamlOrigins* origins) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "override '", assignment, "' is not of the form key=value (e.g. optim.lr=3e-4)"));
  }
  const std::string dotted = assignment.substr(0, eq);
  const std::string origin = absl::StrCat("override '", assignment, "'");
  std::vector<std::string> keys = absl::StrSplit(dotted, '.');
  for (const auto& k : keys) {
    if (k.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ": key '", dotted,
                                                     "' has an empty part; write dotted "
                                                     "keys like optim.lr"));
    }
  }
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": bad value: ", e.what()));
  }
  SL_RETURN_IF_ERROR(check_expanded_size(value, origin));
  SL_RETURN_IF_ERROR(check_keys(
      value, dotted, [&](const YAML::Node&) { return origin; }, /*lines=*/false));
  // A document that is a scalar or a list has no keys to set (yaml-cpp would throw BadSubscript).
  if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ": the document is a ", root.IsSequence() ? "list" : "scalar",
        ", not a mapping of keys like 'optim: {lr: 3e-4}', so '", dotted, "' cannot be set"));
  }
  // yaml-cpp's operator[] returns handles; walk with explicit copies of the handles.
  std::vector<YAML::Node> path{root};
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    YAML::Node next = path.back()[keys[i]];
    if (next.IsDefined() && !next.IsMap() && !next.IsNull()) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ": '", keys[i], "' is not a mapping"));
    }
    path.push_back(next);
  }
  path.back()[keys.back()] = value;
  if (origins) yaml_set_origin(origins, dotted, origin);
  return absl::OkStatus();
}

absl::StatusOr<double> parse_count(const std::string& text_in) {
  std::string text;
  for (char c : text_in)
    if (c != '_' && c != ',') text.push_back(c);
  if (text.empty()) return absl::InvalidArgumentError("empty number");
  double mult = 1;
  switch (text.back()) {
    case 'k':
    case 'K': mult = 1e3; break;
    case 'M':
    case 'm': mult = 1e6; break;
    case 'B':
    case 'G':
    case 'g':
    case 'b': mult = 1e9; break;
    case 'T':
    case 't': mult = 1e12; break;
    default: break;
  }
  if (mult != 1) text.pop_back();
  // Plain decimal only: [+-] digits [. digits] [e [+-] digits]. strtod alone would also take "0x10"
  // (16), hexadecimal floats, "inf", "nan" and leading blanks.
  size_t i = 0, digits = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  }
  bool plain = digits > 0;
  if (plain && i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++exp_digits;
    plain = exp_digits > 0;
  }
  plain = plain && i == text.size();
  char* end = nullptr;
  const double v = plain ? std::strtod(text.c_str(), &end) : 0;
  if (!plain || *end != '\0' || !std::isfinite(v * mult)) {
    const bool hex = text.find("0x") != std::string::npos || text.find("0X") != std::string::npos;
    return absl::InvalidArgumentError(
        absl::StrCat("'", text_in, "' is not a number (write e.g. 5000, 5e6, 50k, 1.5M",
                     hex ? "; hexadecimal is not read, write the decimal value" : "", ")"));
  }
  return v * mult;
}

YamlMap::YamlMap(std::string file, std::string prefix, YAML::Node node, YamlOrigins origins)
    : file_(std::move(file)),
      prefix_(std::move(prefix)),
      node_(node),
      origins_(std::move(origins)) {}

absl::StatusOr<YamlMap> YamlMap::of(std::string file, std::string prefix, YAML::Node node,
                                    YamlOrigins origins) {
  if (node.IsDefined() && !node.IsNull() && !node.IsMap()) {
    const std::string* o = yaml_origin(origins, prefix);
    return absl::InvalidArgumentError(
        absl::StrCat(o ? *o : yaml_where(file, node), ": ",
                     prefix.empty() ? "the document" : "key '" + prefix + "'",
                     " must be a mapping of key: value"));
  }
  return YamlMap(std::move(file), std::move(prefix), node, std::move(origins));
}

bool YamlMap::has(const std::string& key) const {
  return node_.IsMap() && node_[key].IsDefined() && !node_[key].IsNull();
}

absl::Status YamlMap::reject_null(const std::string& key) const {
  if (!node_.IsMap() || !node_[key].IsDefined() || !node_[key].IsNull()) return absl::OkStatus();
  return error(key, yaml_origin(origins_, key_path(key))
                        ? "is empty (~/null); give a value"
                        : "is empty (~/null); give a value or delete the line");
}

std::string YamlMap::location(const std::string& key) const {
  if (const std::string* o = yaml_origin(origins_, key_path(key))) return *o;
  YAML::Node n = node_.IsMap() ? node_[key] : YAML::Node();
  if (n.IsDefined() && n.IsNull()) {
    // An empty value (`lr:`) has the position of whatever follows it: point at its key instead.
    for (const auto& kv : node_) {
      if (kv.first.IsScalar() && kv.first.Scalar() == key) return yaml_where(file_, kv.first);
    }
  }
  return yaml_where(file_, n.IsDefined() ? n : node_);
}

std::string YamlMap::where(const std::string& key) const {
  return absl::StrCat(location(key), ": key '", key_path(key), "'");
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
  SL_RETURN_IF_ERROR(m.reject_null(key));
  if (!m.has(key)) {
    m.raw(key);
    return absl::OkStatus();
  }
  YAML::Node n = m.raw(key);
  if (!n.IsScalar())
    return m.error(
        key, absl::StrCat("expected ", type_name, ", got a ", n.IsMap() ? "mapping" : "list"));
  try {
    *out = n.as<T>();
  } catch (const YAML::Exception&) {
    return m.error(key, absl::StrCat("expected ", type_name, ", got '", n.Scalar(), "'"));
  }
  return absl::OkStatus();
}
}  // namespace

absl::Status YamlMap::get(const std::string& key, double* out) {
  SL_RETURN_IF_ERROR(reject_null(key));
  if (!has(key)) {
    raw(key);
    return absl::OkStatus();
  }
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
  if (std::fabs(v) > 9e18) return error(key, absl::StrCat(v, " is out of range (at most 9e18)"));
  if (v != std::floor(v)) return error(key, absl::StrCat("expected a whole number, got ", v));
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

absl::Status YamlMap::get(const std::string& key, bool* out) {
  return read_scalar(*this, key, out, "true or false");
}
absl::Status YamlMap::get(const std::string& key, std::string* out) {
  return read_scalar(*this, key, out, "a string");
}

namespace {
template <typename T>
absl::Status read_list(YamlMap& m, const std::string& key, std::vector<T>* out) {
  SL_RETURN_IF_ERROR(m.reject_null(key));
  if (!m.has(key)) return absl::OkStatus();
  YAML::Node n = m.raw(key);
  out->clear();
  if (n.IsScalar()) {  // "a, b" or a single value
    auto list = yaml_load_string("[" + n.Scalar() + "]", m.file());
    if (!list.ok()) return m.error(key, "must be a list, e.g. [1, 2]");
    n.reset(*list);  // (not n = ...: that would rewrite the document's node)
  }
  if (!n.IsSequence()) return m.error(key, "must be a list, e.g. [1, 2]");
  for (const auto& item : n) {
    const std::string shown = item.IsScalar() ? item.Scalar() : YAML::Dump(item);
    if (!item.IsScalar()) return m.error(key, "has an element of the wrong type: " + shown);
    if constexpr (std::is_same_v<T, int>) {
      // Through parse_count, like every other number: yaml-cpp's own reading takes 0x10 as 16.
      auto v = parse_count(item.Scalar());
      if (!v.ok() || *v != std::floor(*v) || std::fabs(*v) > 1e9) {
        return m.error(key, "has an element that is not a whole number: " + shown);
      }
      out->push_back(static_cast<int>(*v));
    } else {
      out->push_back(item.Scalar());
    }
  }
  return absl::OkStatus();
}
}  // namespace

absl::Status YamlMap::get(const std::string& key, std::vector<int>* out) {
  return read_list(*this, key, out);
}
absl::Status YamlMap::get(const std::string& key, std::vector<std::string>* out) {
  return read_list(*this, key, out);
}

absl::Status YamlMap::require(const std::string& key) {
  SL_RETURN_IF_ERROR(reject_null(key));
  if (!has(key)) {
    return absl::InvalidArgumentError(
        absl::StrCat(yaml_where(file_, node_), ": missing required key '", key_path(key), "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<YamlMap> YamlMap::child(const std::string& key) {
  return YamlMap::of(file_, key_path(key), raw(key), origins_);
}

namespace {
// An origin recorded below `dotted` (an override "a.b.c=1" creates the unknown key 'a').
const std::string* origin_below(const YamlOrigins& origins, const std::string& dotted) {
  const auto it = origins.lower_bound(dotted + ".");
  return it != origins.end() && it->first.rfind(dotted + ".", 0) == 0 ? &it->second : nullptr;
}
}  // namespace

absl::Status YamlMap::finish() const {
  if (!node_.IsMap()) return absl::OkStatus();
  std::vector<std::string> known(used_.begin(), used_.end());
  for (const auto& kv : node_) {
    std::string k = kv.first.as<std::string>();
    if (!used_.count(k)) {
      const std::string* o = yaml_origin(origins_, key_path(k));
      if (!o) o = origin_below(origins_, key_path(k));
      return absl::InvalidArgumentError(absl::StrCat(
          o ? *o : yaml_where(file_, kv.first), ": unknown key '", key_path(k),
          "'; known keys here: ", absl::StrJoin(known, ", "), ". Remove it or fix its spelling"));
    }
  }
  return absl::OkStatus();
}
}  // namespace sl
