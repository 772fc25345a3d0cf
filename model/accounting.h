// Parameter and FLOP accounting as pure functions of the config, for every architecture variant
// (model/config.h). The parameter counts are checked against the real module's tensors in tests.
// Parameters by group: token_embedding, position_embedding (0 under RoPE), head (0 when tied),
// attention (q, k, v and output projections; k and v n_kv_head * head_dim wide), mlp (2 matrices,
// 3 under SwiGLU), norms (every gain and LayerNorm shift, the final norm's included); and N under
// the four conventions of the scaling-law literature:
//   nonembedding  Kaplan et al. 2020: all but the embeddings and an untied head
//   total         Hoffmann et al. 2022 (Chinchilla): every parameter, a tied head counted once
//   with_head     nanochat: the transformer plus the output head (V d), tied or not
//   matrices      the blocks' weight matrices only (no biases, norms, embeddings or head)
// FLOPs follow three published conventions:
//   kaplan_6n            6 N, N = non-embedding parameters (Kaplan et al. 2020)
//   kaplan_6n_attention  6 N + 6 n_layer ctx d_model (Kaplan's attention term, forward
//                        2 n_layer ctx d)
//   chinchilla           every term of Hoffmann et al. 2022, appendix F, backward = 2 x forward,
//                        with the variant's own matrices: q d x d and k, v d x kv_dim each; the
//                        MLP's 2 (3 under SwiGLU) d x d_ff. Norms, RoPE's rotation and the MLP's
//                        nonlinearity are elementwise and, as in the appendix, not counted.
// All FLOPs are per trained token (the appendix's per-sequence terms divided by the sequence
// length).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/config.h"

namespace sl {
template <typename T>
struct ParamCountsOf {
  T total = 0;         // every trainable parameter (tied head counted once)
  T nonembedding = 0;  // total minus token/position embeddings and an untied output head
  T token_embedding = 0;
  T position_embedding = 0;
  T head = 0;  // untied output head (0 when tied)
  T per_layer = 0;
  T attention = 0;  // all layers
  T mlp = 0;        // all layers
  T norms = 0;      // all layers and the final norm
  T with_head = 0;  // nanochat's N: nonembedding + the output head (V d + its bias)
  T matrices = 0;   // the blocks' 2-D weights only
};
using ParamCounts = ParamCountsOf<int64_t>;
ParamCounts count_params(const GptConfig& c);
// The same formula in double: for shapes whose exact count would overflow an int64 (d_model 1e8 x
// n_layer 1e3 is 1.2e20), which the memory check must still measure to refuse.
ParamCountsOf<double> count_params_approx(const GptConfig& c);

struct ChinchillaFlops {  // forward FLOPs per token, summed over layers
  double embeddings = 0, attention_qkv = 0, attention_logits = 0, attention_softmax = 0,
         attention_values = 0, attention_output = 0, mlp = 0, logits = 0;
  double forward = 0;  // sum of the terms above
  double train = 0;    // 3 x forward (backward = 2 x forward)
  std::vector<std::pair<std::string, double>> terms() const;  // name -> value, in appendix order
};

struct FlopsPerToken {
  double kaplan_6n = 0;
  double kaplan_6n_attention = 0;
  ChinchillaFlops chinchilla;
};
FlopsPerToken flops_per_token(const GptConfig& c);

// The FLOP conventions by name, as used in configs and tables.
enum class FlopsConvention { kKaplan6N, kKaplan6NAttention, kChinchilla };
absl::StatusOr<FlopsConvention> parse_flops_convention(const std::string& name);
const char* flops_convention_name(FlopsConvention c);  // "6n", "6n_attention", "chinchilla"
double train_flops_per_token(const FlopsPerToken& f, FlopsConvention c);

// What N counts (the parameter conventions above), by name as `scalelab fit --params` takes it,
// and the summary/export column that holds it.
enum class ParamConvention { kNonEmbedding, kAll, kNanochat, kMatrices };
absl::StatusOr<ParamConvention> parse_param_convention(const std::string& name);
const char* param_convention_name(ParamConvention c);    // non_embedding, all, nanochat, matrices
const char* param_convention_column(ParamConvention c);  // params_nonembedding, params_total, ...
std::vector<ParamConvention> param_conventions();        // all four, in that order
int64_t params_under(const ParamCounts& p, ParamConvention c);
}  // namespace sl
