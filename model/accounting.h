// Parameter and FLOP accounting as pure functions of the config. The parameter count is checked
// against the real module in tests; FLOPs follow three published conventions:
//   kaplan_6n            6 N, N = non-embedding parameters (Kaplan et al. 2020)
//   kaplan_6n_attention  6 N + 6 n_layer ctx d_model (Kaplan's attention term, forward
//                        2 n_layer ctx d)
//   chinchilla           every term of Hoffmann et al. 2022, appendix F, backward = 2 x forward
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
}  // namespace sl
