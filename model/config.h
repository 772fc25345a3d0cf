// GPT decoder configuration, its validation and YAML form. Pure C++: no torch, so fit/ and the
// planner can use the same shapes and accounting as the trainer.
//
// The architecture variants are keys of their own (norm, pos, mlp, qk_norm, n_kv_head, tied, bias);
// `preset` (gpt2 | llama | nanochat) sets several of them at once before the mapping's other keys
// are read, so an explicit key always wins over its preset. The canonical YAML writes the resolved
// keys, never the preset, and writes a variant key only when it differs from GPT-2's value: configs
// from before the variants keep their text and their run ids.
//
// The parametrization (`parametrization: sp | mup`, `base_width`) is how init, learning rates and
// two multipliers scale with width; muP (Tensor Programs V) keeps the best hyperparameters of a
// base_width model right at every width. The numbers muP changes are the methods below, so the
// module, the optimizer and the tests read one definition (docs/train.md#parametrization-mup).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/config_schema.h"
#include "core/status.h"
#include "core/yaml_util.h"

namespace sl {
struct GptConfig {
  int n_layer = 4;                     // transformer blocks
  int d_model = 128;                   // residual stream width
  int n_head = 4;                      // attention heads; d_model must divide evenly
  int d_ff = 0;                        // MLP hidden width; 0 means 4 * d_model
  int ctx = 128;                       // context length T (the learned position table's length)
  int vocab = 256;                     // vocabulary size (must cover the data's tokens)
  bool bias = false;                   // biases in Linear layers (and LayerNorm's shift)
  bool tied = true;                    // output head shares the token embedding matrix
  double dropout = 0.0;                // dropout on embeddings, attention output and MLP output
  std::string norm = "layernorm";      // layernorm | rmsnorm
  bool norm_gain = true;               // a learned gain in every norm (false: parameter-free)
  std::string pos = "learned";         // learned (a position table) | rope (rotary, no table)
  double rope_theta = 10000;           // RoPE base: pair i turns by t * theta^(-2i / head_dim)
  std::string mlp = "gelu";            // gelu | swiglu (3 matrices) | relu2 (ReLU squared)
  int ff_multiple = 256;               // SwiGLU's default d_ff: 2/3 * 4 d_model rounded up to this
  bool qk_norm = false;                // parameter-free RMSNorm of each head's q and k
  int n_kv_head = 0;                   // key/value heads (grouped-query attention); 0 means n_head
  std::string parametrization = "sp";  // sp (standard) | mup (maximal update, Tensor Programs V)
  int base_width = 0;  // mup: the base model's d_model; 0 means this d_model (sp: not read)

  bool mup() const { return parametrization == "mup"; }
  // m = d_model / base_width under mup (1 at the base width), 1 under sp.
  double width_mult() const;
  // The factor on a hidden matrix's init std and on its Adam learning rate: 1 / sqrt(m) and 1 / m
  // (hidden: the 2-D weights inside the blocks; embeddings, head, gains and biases keep theirs).
  double hidden_init_mult() const;
  double hidden_lr_mult() const;
  // The factor on the logits: 1 / m (the readout keeps its init and learning rate).
  double logit_mult() const;
  // The attention score scale: 1 / sqrt(head_dim) under sp; under mup sqrt(base_head_dim) /
  // head_dim with base_head_dim = head_dim / m (the base model's heads, n_head held fixed): 1 /
  // head_dim up to a constant that makes it sp's scale at the base width.
  double attn_scale() const;

  // The MLP width: d_ff, or the variant's default (4 d_model; Llama's rounding under SwiGLU).
  int ff() const { return d_ff > 0 ? d_ff : default_ff(); }
  int default_ff() const;
  int head_dim() const { return d_model / n_head; }
  int kv_heads() const { return n_kv_head > 0 ? n_kv_head : n_head; }
  int kv_dim() const { return kv_heads() * head_dim(); }  // width of k (and of v)
  bool rope() const { return pos == "rope"; }
  bool swiglu() const { return mlp == "swiglu"; }
  bool layernorm() const { return norm == "layernorm"; }
  // "L4-d128-h4" plus what differs from GPT-2 ("-ff96", "-rms", "-rms0" parameter-free, "-ln0",
  // "-rope", "-theta5e+05", "-swiglu", "-relu2", "-qkn", "-kv2", "-mup", "-mup64" with
  // base_width 64): a readable name for tables and
  // run ids, different for every variant.
  std::string shape_name() const;
};

// The preset names, in the order the docs list them: gpt2, llama, nanochat.
const std::vector<std::string>& gpt_preset_names();
// Sets the variant keys of `c` to the preset's (the shape keys are left as they are); an error
// naming the presets when `name` is none of them.
absl::Status apply_gpt_preset(const std::string& name, GptConfig* c);

// The first problem found: which key, and what to change.
struct KeyError {
  std::string key;
  std::string message;
};
std::optional<KeyError> check_gpt_config(const GptConfig& c);
// The same as a Status; `where` prefixes the key ("model" -> "model.n_head: ...").
absl::Status validate_gpt_config(const GptConfig& c, const std::string& where = "model");
// Reads the `model:` mapping (all keys optional, defaults above); rejects unknown keys.
absl::StatusOr<GptConfig> gpt_config_from_yaml(YamlMap& m);
void gpt_config_to_yaml(const GptConfig& c, YAML::Emitter& out,
                        YamlNumbers numbers = YamlNumbers::kShortest);
// The model: section's keys with type, default and doc line (docs/train.md's table).
std::vector<FieldDoc> gpt_config_keys();
}  // namespace sl
