#include "model/accounting.h"

namespace sl {
namespace {
// The one formula, in the number type T: int64_t for exact counts, double for shapes whose count
// would overflow an int64 (the memory check of absurd configs).
template <typename T>
ParamCountsOf<T> counts_in(const GptConfig& c) {
  const T d = c.d_model, b = c.bias ? 1 : 0, v = c.vocab, t = c.ctx, L = c.n_layer;
  const T ff = c.ff(), kv = T(c.kv_heads()) * T(c.head_dim());
  const T up = c.swiglu() ? 2 * ff : ff;  // SwiGLU's gate and up projections, packed
  ParamCountsOf<T> p;
  p.token_embedding = v * d;
  p.position_embedding = c.rope() ? 0 : t * d;
  p.head = c.tied ? 0 : v * d + b * v;
  const T norm = (c.norm_gain ? d : 0) + (c.layernorm() ? b * d : 0);  // gain, LayerNorm's shift
  const T qkv_width = d + 2 * kv;
  const T attention = (d * qkv_width + b * qkv_width) + (d * d + b * d);  // qkv + output proj.
  const T mlp = (d * up + b * up) + (ff * d + b * d);                     // up (+ gate) + down
  p.per_layer = 2 * norm + attention + mlp;
  p.attention = L * attention;
  p.mlp = L * mlp;
  p.norms = L * 2 * norm + norm;  // + the final norm
  p.nonembedding = L * p.per_layer + norm;
  p.total = p.nonembedding + p.token_embedding + p.position_embedding + p.head;
  p.with_head = p.nonembedding + (c.tied ? v * d : p.head);
  p.matrices = L * (d * qkv_width + d * d + d * up + ff * d);
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
  const double kv = static_cast<double>(c.kv_heads()) * c.head_dim();
  const double mlp_matrices = c.swiglu() ? 3 : 2;
  FlopsPerToken f;
  const double n = static_cast<double>(count_params(c).nonembedding);
  f.kaplan_6n = 6 * n;
  f.kaplan_6n_attention = 6 * n + 6 * L * T * d;
  ChinchillaFlops& ch = f.chinchilla;
  // Appendix F gives FLOPs per sequence of length T; each term below is divided by T.
  ch.embeddings = 2 * V * d;
  ch.attention_qkv = L * 2 * d * (d + 2 * kv);  // q: key_size * n_heads = d_model; k, v: kv
  ch.attention_logits = L * 2 * T * d;
  ch.attention_softmax = L * 3 * H * T;
  ch.attention_values = L * 2 * T * d;
  ch.attention_output = L * 2 * d * d;
  ch.mlp = L * 2 * mlp_matrices * d * ff;
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

absl::StatusOr<ParamConvention> parse_param_convention(const std::string& name) {
  for (ParamConvention c : param_conventions())
    if (name == param_convention_name(c)) return c;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown parameter convention '", name,
                   "'; use non_embedding (Kaplan), all (Chinchilla), nanochat (transformer + "
                   "lm_head) or matrices (the blocks' weight matrices)"));
}

const char* param_convention_name(ParamConvention c) {
  switch (c) {
    case ParamConvention::kNonEmbedding: return "non_embedding";
    case ParamConvention::kAll: return "all";
    case ParamConvention::kNanochat: return "nanochat";
    case ParamConvention::kMatrices: return "matrices";
  }
  return "?";
}

const char* param_convention_column(ParamConvention c) {
  switch (c) {
    case ParamConvention::kNonEmbedding: return "params_nonembedding";
    case ParamConvention::kAll: return "params_total";
    case ParamConvention::kNanochat: return "params_with_head";
    case ParamConvention::kMatrices: return "params_matrices";
  }
  return "?";
}

std::vector<ParamConvention> param_conventions() {
  return {ParamConvention::kNonEmbedding, ParamConvention::kAll, ParamConvention::kNanochat,
          ParamConvention::kMatrices};
}

int64_t params_under(const ParamCounts& p, ParamConvention c) {
  switch (c) {
    case ParamConvention::kNonEmbedding: return p.nonembedding;
    case ParamConvention::kAll: return p.total;
    case ParamConvention::kNanochat: return p.with_head;
    case ParamConvention::kMatrices: return p.matrices;
  }
  return 0;
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
