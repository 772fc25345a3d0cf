#include "model/config.h"

#include "absl/strings/str_format.h"
#include "core/config_schema.h"

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
    return bad("n_head",
               absl::StrFormat("d_model %d is not divisible by n_head %d; use a divisor of "
                               "d_model (e.g. n_head: %d) or change d_model",
                               c.d_model, c.n_head, h));
  }
  if (c.d_ff < 0)
    return bad("d_ff", absl::StrCat("must be >= 0 (0 means 4*d_model), got ", c.d_ff));
  if (c.ctx < 1) return bad("ctx", absl::StrCat("must be >= 1, got ", c.ctx));
  if (c.vocab < 2) return bad("vocab", absl::StrCat("must be >= 2, got ", c.vocab));
  if (c.dropout < 0 || c.dropout >= 1)
    return bad("dropout", absl::StrCat("must be in [0, 1), got ", c.dropout));
  return std::nullopt;
}

absl::Status validate_gpt_config(const GptConfig& c, const std::string& where) {
  auto err = check_gpt_config(c);
  if (!err) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(where, ".", err->key, ": ", err->message));
}

namespace {
const ConfigSchema<GptConfig>& gpt_schema() {
  using G = GptConfig;
  static const auto s =
      ConfigSchema<G>()
          .field("n_layer", &G::n_layer, "transformer blocks")
          .field("d_model", &G::d_model, "residual stream width")
          .field("n_head", &G::n_head, "attention heads; must divide d_model")
          .field_written_as("d_ff", &G::d_ff, "MLP hidden width (0 = 4 * d_model)",
                            [](const G& g) { return g.ff(); })
          .field("ctx", &G::ctx, "context length T (learned position embeddings)")
          .field("vocab", &G::vocab, "vocabulary size (must cover the data's token ids)")
          .field("bias", &G::bias, "biases in the linear and LayerNorm layers")
          .field("tied", &G::tied, "the output head shares the token embedding matrix")
          .field("dropout", &G::dropout, "dropout on embeddings, attention output and MLP output");
  return s;
}
}  // namespace

absl::StatusOr<GptConfig> gpt_config_from_yaml(YamlMap& m) {
  GptConfig c;
  SL_RETURN_IF_ERROR(gpt_schema().read(m, &c));
  if (auto err = check_gpt_config(c)) return m.error(err->key, err->message);
  return c;
}

void gpt_config_to_yaml(const GptConfig& c, YAML::Emitter& out, YamlNumbers numbers) {
  gpt_schema().write(c, out, numbers);
}

std::vector<FieldDoc> gpt_config_keys() { return gpt_schema().docs(); }
}  // namespace sl
