#include "model/config.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/config_schema.h"

namespace sl {
int GptConfig::default_ff() const {
  if (!swiglu()) return 4 * d_model;
  // Llama's rule: two thirds of 4 d_model (3 matrices for the 2 of GELU), rounded up to a multiple.
  const int64_t two_thirds = 2 * (4 * static_cast<int64_t>(d_model)) / 3;
  const int64_t m = ff_multiple > 0 ? ff_multiple : 1;
  return static_cast<int>((two_thirds + m - 1) / m * m);
}

double GptConfig::width_mult() const {
  if (!mup() || base_width <= 0) return 1.0;
  return static_cast<double>(d_model) / base_width;
}
double GptConfig::hidden_init_mult() const { return 1.0 / std::sqrt(width_mult()); }
double GptConfig::hidden_lr_mult() const { return 1.0 / width_mult(); }
double GptConfig::logit_mult() const { return 1.0 / width_mult(); }
double GptConfig::attn_scale() const {
  const double hs = head_dim();
  if (!mup()) return 1.0 / std::sqrt(hs);
  return std::sqrt(hs / width_mult()) / hs;
}

std::string GptConfig::shape_name() const {
  std::string s = absl::StrFormat("L%d-d%d-h%d", n_layer, d_model, n_head);
  if (ff() != default_ff()) s += absl::StrFormat("-ff%d", ff());
  if (norm == "rmsnorm") s += norm_gain ? "-rms" : "-rms0";
  if (norm == "layernorm" && !norm_gain) s += "-ln0";
  if (rope()) s += "-rope";
  if (rope() && rope_theta != GptConfig{}.rope_theta) s += absl::StrFormat("-theta%g", rope_theta);
  if (mlp != "gelu") s += "-" + mlp;
  if (qk_norm) s += "-qkn";
  if (kv_heads() != n_head) s += absl::StrFormat("-kv%d", kv_heads());
  if (mup())
    s += base_width > 0 && base_width != d_model ? absl::StrFormat("-mup%d", base_width)
                                                 : std::string("-mup");
  return s;
}

const std::vector<std::string>& gpt_preset_names() {
  static const std::vector<std::string> names{"gpt2", "llama", "nanochat"};
  return names;
}

absl::Status apply_gpt_preset(const std::string& name, GptConfig* c) {
  const GptConfig gpt2;
  c->norm = gpt2.norm;
  c->norm_gain = gpt2.norm_gain;
  c->pos = gpt2.pos;
  c->mlp = gpt2.mlp;
  c->qk_norm = gpt2.qk_norm;
  c->n_kv_head = gpt2.n_kv_head;
  c->tied = gpt2.tied;
  c->bias = gpt2.bias;
  if (name == "gpt2") return absl::OkStatus();
  if (name == "llama") {  // RMSNorm, RoPE, SwiGLU, untied, no biases
    c->norm = "rmsnorm";
    c->pos = "rope";
    c->mlp = "swiglu";
    c->tied = false;
    return absl::OkStatus();
  }
  if (name == "nanochat") {  // parameter-free RMSNorm, RoPE, QK-norm, ReLU^2, untied
    c->norm = "rmsnorm";
    c->norm_gain = false;
    c->pos = "rope";
    c->mlp = "relu2";
    c->qk_norm = true;
    c->tied = false;
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown preset '", name, "'; use one of ",
                                                 absl::StrJoin(gpt_preset_names(), ", ")));
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
  if (c.norm != "layernorm" && c.norm != "rmsnorm")
    return bad("norm", absl::StrCat("must be layernorm or rmsnorm, got '", c.norm, "'"));
  if (c.pos != "learned" && c.pos != "rope")
    return bad("pos", absl::StrCat("must be learned or rope, got '", c.pos, "'"));
  if (c.rope() && c.head_dim() % 2 != 0) {
    return bad("pos", absl::StrFormat("rope turns pairs of a head's coordinates, but head_dim = "
                                      "d_model / n_head = %d is odd; choose an even head_dim",
                                      c.head_dim()));
  }
  if (!(c.rope_theta > 1) || !std::isfinite(c.rope_theta))
    return bad("rope_theta", absl::StrCat("must be a finite number > 1, got ", c.rope_theta));
  if (c.mlp != "gelu" && c.mlp != "swiglu" && c.mlp != "relu2")
    return bad("mlp", absl::StrCat("must be gelu, swiglu or relu2, got '", c.mlp, "'"));
  if (c.ff_multiple < 1)
    return bad("ff_multiple", absl::StrCat("must be >= 1, got ", c.ff_multiple));
  if (c.n_kv_head < 0 || c.n_kv_head > c.n_head || (c.n_kv_head > 0 && c.n_head % c.n_kv_head)) {
    return bad("n_kv_head", absl::StrFormat("must divide n_head %d (0 means n_head: no grouping), "
                                            "got %d",
                                            c.n_head, c.n_kv_head));
  }
  if (c.parametrization != "sp" && c.parametrization != "mup") {
    return bad("parametrization", absl::StrCat("must be sp or mup, got '", c.parametrization, "'"));
  }
  if (c.base_width < 0)
    return bad("base_width", absl::StrCat("must be >= 0 (0 means d_model), got ", c.base_width));
  return std::nullopt;
}

absl::Status validate_gpt_config(const GptConfig& c, const std::string& where) {
  auto err = check_gpt_config(c);
  if (!err) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(where, ".", err->key, ": ", err->message));
}

namespace {
constexpr bool kOmitDefault = true;  // variant keys: written only when not GPT-2's

const ConfigSchema<GptConfig>& gpt_schema() {
  using G = GptConfig;
  static const auto s =
      ConfigSchema<G>()
          .field("n_layer", &G::n_layer, "transformer blocks")
          .field("d_model", &G::d_model, "residual stream width")
          .field("n_head", &G::n_head, "attention heads; must divide d_model")
          .field_written_as("d_ff", &G::d_ff,
                            "MLP hidden width (0: 4 * d_model; under swiglu, see ff_multiple)",
                            [](const G& g) { return g.ff(); })
          .field("ctx", &G::ctx,
                 "context length T (the longest sequence; the position table's length)")
          .field("vocab", &G::vocab, "vocabulary size (must cover the data's token ids)")
          .field("bias", &G::bias, "biases in the linear and LayerNorm layers")
          .field("tied", &G::tied, "the output head shares the token embedding matrix")
          .field("dropout", &G::dropout, "dropout on embeddings, attention output and MLP output")
          .field("norm", &G::norm, "layernorm | rmsnorm (before attention, MLP and the head)", {},
                 kOmitDefault)
          .field("norm_gain", &G::norm_gain,
                 "a learned gain in every norm (false: parameter-free, as nanochat)", {},
                 kOmitDefault)
          .field("pos", &G::pos, "learned (a position table) | rope (rotary q and k, no table)", {},
                 kOmitDefault)
          .field("rope_theta", &G::rope_theta, "RoPE base (pair i turns by t theta^(-2i/head_dim))",
                 {}, kOmitDefault)
          .field("mlp", &G::mlp, "gelu | swiglu (3 matrices) | relu2 (ReLU squared)", {},
                 kOmitDefault)
          .field("ff_multiple", &G::ff_multiple,
                 "under swiglu, d_ff 0 means 2/3 * 4 d_model rounded up to this (Llama)", {},
                 kOmitDefault)
          .field("qk_norm", &G::qk_norm, "parameter-free RMSNorm of each head's q and k", {},
                 kOmitDefault)
          .field("n_kv_head", &G::n_kv_head,
                 "key/value heads, grouped-query attention (0 = n_head); must divide n_head", {},
                 kOmitDefault)
          .field("parametrization", &G::parametrization,
                 "sp | mup (muP: hidden init / sqrt(m), hidden Adam lr / m, logits / m, "
                 "attention 1/head_dim; m = d_model / base_width)",
                 {}, kOmitDefault)
          .field("base_width", &G::base_width,
                 "mup: the d_model whose hyperparameters transfer (0 = d_model, i.e. m = 1); sp "
                 "does not "
                 "read it, so a sweep can fix it and put parametrization on an axis",
                 {}, kOmitDefault);
  return s;
}
}  // namespace

absl::StatusOr<GptConfig> gpt_config_from_yaml(YamlMap& m) {
  GptConfig c;
  std::string preset;  // first, so that the mapping's own keys override it
  SL_RETURN_IF_ERROR(m.get("preset", &preset));
  if (!preset.empty()) {
    if (absl::Status s = apply_gpt_preset(preset, &c); !s.ok())
      return m.error("preset", std::string(s.message()));
  }
  SL_RETURN_IF_ERROR(gpt_schema().read(m, &c));
  if (auto err = check_gpt_config(c)) return m.error(err->key, err->message);
  return c;
}

void gpt_config_to_yaml(const GptConfig& c, YAML::Emitter& out, YamlNumbers numbers) {
  gpt_schema().write(c, out, numbers);
}

std::vector<FieldDoc> gpt_config_keys() {
  std::vector<FieldDoc> docs = gpt_schema().docs();
  docs.insert(docs.begin(),
              FieldDoc{"preset", "string", "gpt2",
                       "gpt2 | llama (rmsnorm, rope, swiglu, untied) | nanochat (rmsnorm without "
                       "gain, rope, relu2, qk_norm, untied): sets those keys; explicit keys win"});
  return docs;
}
}  // namespace sl
