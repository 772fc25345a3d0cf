#include "model/accounting.h"

namespace sl {
namespace {
// The one formula, in the number type T: int64_t for exact counts, double for shapes whose count
// would overflow an int64 (the memory check of absurd configs).
template <typename T>
ParamCountsOf<T> counts_in(const GptConfig& c) {
  const T d = c.d_model, b = c.bias ? 1 : 0, v = c.vocab, t = c.ctx;
  const T ff = c.d_ff > 0 ? T(c.d_ff) : 4 * d;
  ParamCountsOf<T> p;
  p.token_embedding = v * d;
  p.position_embedding = t * d;
  p.head = c.tied ? 0 : v * d + b * v;
  const T layer_norm = d + b * d;
  const T attention = (3 * d * d + b * 3 * d) + (d * d + b * d);  // qkv + output projection
  const T mlp = (d * ff + b * ff) + (ff * d + b * d);             // up + down projection
  p.per_layer = 2 * layer_norm + attention + mlp;
  p.nonembedding = T(c.n_layer) * p.per_layer + layer_norm;  // + final LayerNorm
  p.total = p.nonembedding + p.token_embedding + p.position_embedding + p.head;
  return p;
}
}  // namespace

ParamCounts count_params(const GptConfig& c) { return counts_in<int64_t>(c); }
ParamCountsOf<double> count_params_approx(const GptConfig& c) { return counts_in<double>(c); }

std::vector<std::pair<std::string, double>> ChinchillaFlops::terms() const {
  return {{"embeddings", embeddings},
          {"attention_qkv", attention_qkv},
          {"attention_logits", attention_logits},
          {"attention_softmax", attention_softmax},
          {"attention_values", attention_values},
          {"attention_output", attention_output},
          {"mlp", mlp},
          {"logits", logits}};
}

FlopsPerToken flops_per_token(const GptConfig& c) {
  const double L = c.n_layer, d = c.d_model, T = c.ctx, V = c.vocab, H = c.n_head, ff = c.ff();
  FlopsPerToken f;
  const double n = static_cast<double>(count_params(c).nonembedding);
  f.kaplan_6n = 6 * n;
  f.kaplan_6n_attention = 6 * n + 6 * L * T * d;
  ChinchillaFlops& ch = f.chinchilla;
  // Appendix F gives FLOPs per sequence of length T; each term below is divided by T.
  ch.embeddings = 2 * V * d;
  ch.attention_qkv = L * 2 * 3 * d * d;  // key_size * n_heads = d_model
  ch.attention_logits = L * 2 * T * d;
  ch.attention_softmax = L * 3 * H * T;
  ch.attention_values = L * 2 * T * d;
  ch.attention_output = L * 2 * d * d;
  ch.mlp = L * 2 * (d * ff + d * ff);
  ch.logits = 2 * d * V;
  for (const auto& [name, v] : ch.terms()) ch.forward += v;
  ch.train = 3 * ch.forward;
  return f;
}

absl::StatusOr<FlopsConvention> parse_flops_convention(const std::string& name) {
  if (name == "6n" || name == "kaplan_6n") return FlopsConvention::kKaplan6N;
  if (name == "6n_attention" || name == "kaplan_6n_attention")
    return FlopsConvention::kKaplan6NAttention;
  if (name == "chinchilla") return FlopsConvention::kChinchilla;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown FLOPs convention '", name, "'; use 6n, 6n_attention or chinchilla"));
}

const char* flops_convention_name(FlopsConvention c) {
  switch (c) {
    case FlopsConvention::kKaplan6N: return "6n";
    case FlopsConvention::kKaplan6NAttention: return "6n_attention";
    case FlopsConvention::kChinchilla: return "chinchilla";
  }
  return "?";
}

double train_flops_per_token(const FlopsPerToken& f, FlopsConvention c) {
  switch (c) {
    case FlopsConvention::kKaplan6N: return f.kaplan_6n;
    case FlopsConvention::kKaplan6NAttention: return f.kaplan_6n_attention;
    case FlopsConvention::kChinchilla: return f.chinchilla.train;
  }
  return 0;
}
}  // namespace sl
