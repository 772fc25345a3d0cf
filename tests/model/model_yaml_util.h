// A model: mapping in and out of YAML text, as config.yaml holds it, for the config tests.
#pragma once
#include <string>

#include "core/yaml_util.h"
#include "model/config.h"

namespace sl::testing {
inline absl::StatusOr<GptConfig> model_from_yaml(const std::string& text) {
  YamlMap m("model.yaml", "model", YAML::Load(text));
  return gpt_config_from_yaml(m);
}

inline std::string model_to_yaml(const GptConfig& c) {
  YAML::Emitter out;
  gpt_config_to_yaml(c, out);
  return out.c_str();
}
}  // namespace sl::testing
