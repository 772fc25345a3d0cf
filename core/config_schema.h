// One table per config section: each field's key, member, check and doc line, in the order the
// canonical YAML writes them. Reading (with the file, line and key in every error), writing, the
// list of dotted keys a sweep may set, and the key table in docs/train.md all come from the same
// table, so a new key is one line here and nowhere else.
#pragma once
#include <cmath>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/format.h"
#include "core/status.h"
#include "core/yaml_util.h"

namespace sl {
// How numbers are written. kShortest: the shortest text that reads back exactly ("0.003"), for
// config.yaml and everything a person reads. kDigits17: the emitter's 17 significant digits
// ("0.0030000000000000001"), the form run ids have always hashed, so ids stay what they were.
enum class YamlNumbers { kShortest, kDigits17 };

struct FieldDoc {
  std::string key, type, default_value, doc;
};

template <typename S>
class ConfigSchema {
 public:
  // "" when the section is fine, else what is wrong with this field and what to change.
  using Check = std::function<std::string(const S&)>;

  // A field read and written as it is. `omit_when_default`: written only when set, so configs from
  // before the field keep their canonical text (and run ids).
  template <typename T>
  ConfigSchema& field(const char* key, T S::*member, const char* doc, Check check = {},
                      bool omit_when_default = false) {
    Field f;
    f.key = key;
    f.type = type_name<T>();
    f.doc = doc;
    f.check = std::move(check);
    f.read = [key, member](YamlMap& m, S& s) { return m.get(key, &(s.*member)); };
    f.write = [key, member, omit_when_default](const S& s, YAML::Emitter& out,
                                               YamlNumbers numbers) {
      if (omit_when_default && s.*member == S{}.*member) return;
      out << YAML::Key << key << YAML::Value;
      if constexpr (is_list<T>::value)
        out << YAML::Flow << s.*member;  // [a, b]: the canonical text
      else
        emit(out, s.*member, numbers);
    };
    f.default_text = [member] { return text_of(S{}.*member); };
    fields_.push_back(std::move(f));
    return *this;
  }
  // The value written is not the member itself (a derived default, such as d_ff = 4 * d_model).
  template <typename T, typename Writer>
  ConfigSchema& field_written_as(const char* key, T S::*member, const char* doc, Writer writer,
                                 Check check = {}) {
    field(key, member, doc, std::move(check));
    fields_.back().write = [key, writer](const S& s, YAML::Emitter& out, YamlNumbers numbers) {
      out << YAML::Key << key << YAML::Value;
      emit(out, writer(s), numbers);
    };
    return *this;
  }

  // Every field present in `m` into `out` (the others keep their defaults), then the checks in
  // field order (the first failure names its key), then unknown keys.
  absl::Status read(YamlMap& m, S* out) const {
    for (const auto& f : fields_) SL_RETURN_IF_ERROR(f.read(m, *out));
    for (const auto& f : fields_) {
      if (!f.check) continue;
      if (std::string why = f.check(*out); !why.empty()) return m.error(f.key, why);
    }
    return m.finish();
  }
  void write(const S& s, YAML::Emitter& out, YamlNumbers numbers = YamlNumbers::kShortest) const {
    out << YAML::BeginMap;
    for (const auto& f : fields_) f.write(s, out, numbers);
    out << YAML::EndMap;
  }
  std::vector<FieldDoc> docs() const {
    std::vector<FieldDoc> out;
    for (const auto& f : fields_) out.push_back({f.key, f.type, f.default_text(), f.doc});
    return out;
  }

 private:
  struct Field {
    std::string key, type, doc;
    Check check;
    std::function<absl::Status(YamlMap&, S&)> read;
    std::function<void(const S&, YAML::Emitter&, YamlNumbers)> write;
    std::function<std::string()> default_text;
  };

  template <typename T>
  struct is_list : std::false_type {};
  template <typename T>
  struct is_list<std::vector<T>> : std::true_type {};

  template <typename T>
  static void emit(YAML::Emitter& out, const T& v, YamlNumbers numbers) {
    if constexpr (std::is_floating_point_v<T>) {
      // A plain scalar of the shortest text (YAML reads it back as the same double); inf and nan
      // keep the emitter's .inf / .nan.
      if (numbers == YamlNumbers::kShortest && std::isfinite(v)) {
        out << format_shortest(static_cast<double>(v));
        return;
      }
    }
    out << v;
  }

  template <typename T>
  static std::string type_name() {
    if constexpr (is_list<T>::value)
      return "list";
    else if constexpr (std::is_same_v<T, bool>)
      return "bool";
    else if constexpr (std::is_integral_v<T>)
      return "integer";
    else if constexpr (std::is_floating_point_v<T>)
      return "number";
    else
      return "string";
  }
  template <typename T>
  static std::string text_of(const T& v) {
    if constexpr (is_list<T>::value)
      return v.empty() ? "[]" : absl::StrCat("[", absl::StrJoin(v, ", "), "]");
    else if constexpr (std::is_same_v<T, bool>)
      return v ? "true" : "false";
    else if constexpr (std::is_floating_point_v<T>)
      return absl::StrFormat("%g", v);
    else if constexpr (std::is_integral_v<T>)
      return absl::StrCat(v);
    else
      return v;
  }

  std::vector<Field> fields_;
};
}  // namespace sl
