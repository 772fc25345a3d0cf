// GPT decoder configuration, its validation and YAML form. Pure C++: no torch, so fit/ and the
// planner can use the same shapes and accounting as the trainer.
#pragma once
#include <optional>
#include <string>

#include "core/config_schema.h"
#include "core/status.h"
#include "core/yaml_util.h"

namespace sl {
struct GptConfig {
  int n_layer = 4;       // transformer blocks
  int d_model = 128;     // residual stream width
  int n_head = 4;        // attention heads; d_model must divide evenly
  int d_ff = 0;          // MLP hidden width; 0 means 4 * d_model
  int ctx = 128;         // context length T (learned position embeddings)
  int vocab = 256;       // vocabulary size (must cover the data's tokens)
  bool bias = false;     // biases in Linear and LayerNorm layers
  bool tied = true;      // output head shares the token embedding matrix
  double dropout = 0.0;  // dropout on embeddings, attention output and MLP output

  int ff() const { return d_ff > 0 ? d_ff : 4 * d_model; }
  int head_dim() const { return d_model / n_head; }
  // "L4-d128-h4" (plus non-default extras): a readable name for tables and run ids.
  std::string shape_name() const;
};

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
