#include "model/config.h"

#include "absl/strings/str_format.h"

namespace sl {
std::string GptConfig::shape_name() const {
  std::string s = absl::StrFormat("L%d-d%d-h%d", n_layer, d_model, n_head);
  if (d_ff > 0 && d_ff != 4 * d_model) s += absl::StrFormat("-ff%d", d_ff);
  return s;
}

std::optional<KeyError> check_gpt_config(const GptConfig& c) {
  auto bad = [](const char* key, std::string msg) { return KeyError{key, std::move(msg)}; };
  if (c.n_layer < 1) return bad("n_layer", absl::StrCat("must be >= 1, got ", c.n_layer));
  if (c.d_model < 1) return bad("d_model", absl::StrCat("must be >= 1, got ", c.d_model));
  if (c.n_head < 1) return bad("n_head", absl::StrCat("must be >= 1, got ", c.n_head));
  if (c.d_model % c.n_head != 0) {
    int h = c.n_head;
    while (c.d_model % h != 0) --h;  // largest divisor below the request
    return bad("n_head", absl::StrFormat("d_model %d is not divisible by n_head %d; use a divisor of "
                                         "d_model (e.g. n_head: %d) or change d_model",
                                         c.d_model, c.n_head, h));
  }
  if (c.d_ff < 0) return bad("d_ff", absl::StrCat("must be >= 0 (0 means 4*d_model), got ", c.d_ff));
  if (c.ctx < 1) return bad("ctx", absl::StrCat("must be >= 1, got ", c.ctx));
  if (c.vocab < 2) return bad("vocab", absl::StrCat("must be >= 2, got ", c.vocab));
  if (c.dropout < 0 || c.dropout >= 1) return bad("dropout", absl::StrCat("must be in [0, 1), got ", c.dropout));
  return std::nullopt;
}

absl::Status validate_gpt_config(const GptConfig& c, const std::string& where) {
  auto err = check_gpt_config(c);
  if (!err) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(where, ".", err->key, ": ", err->message));
}

absl::StatusOr<GptConfig> gpt_config_from_yaml(YamlMap& m) {
  GptConfig c;
  SL_RETURN_IF_ERROR(m.get("n_layer", &c.n_layer));
  SL_RETURN_IF_ERROR(m.get("d_model", &c.d_model));
  SL_RETURN_IF_ERROR(m.get("n_head", &c.n_head));
  SL_RETURN_IF_ERROR(m.get("d_ff", &c.d_ff));
  SL_RETURN_IF_ERROR(m.get("ctx", &c.ctx));
  SL_RETURN_IF_ERROR(m.get("vocab", &c.vocab));
  SL_RETURN_IF_ERROR(m.get("bias", &c.bias));
  SL_RETURN_IF_ERROR(m.get("tied", &c.tied));
  SL_RETURN_IF_ERROR(m.get("dropout", &c.dropout));
  SL_RETURN_IF_ERROR(m.finish());
  if (auto err = check_gpt_config(c)) return m.error(err->key, err->message);
  return c;
}

void gpt_config_to_yaml(const GptConfig& c, YAML::Emitter& out) {
  out << YAML::BeginMap;
  out << YAML::Key << "n_layer" << YAML::Value << c.n_layer;
  out << YAML::Key << "d_model" << YAML::Value << c.d_model;
  out << YAML::Key << "n_head" << YAML::Value << c.n_head;
  out << YAML::Key << "d_ff" << YAML::Value << c.ff();
  out << YAML::Key << "ctx" << YAML::Value << c.ctx;
  out << YAML::Key << "vocab" << YAML::Value << c.vocab;
  out << YAML::Key << "bias" << YAML::Value << c.bias;
  out << YAML::Key << "tied" << YAML::Value << c.tied;
  out << YAML::Key << "dropout" << YAML::Value << c.dropout;
  out << YAML::EndMap;
}
}  // namespace sl
