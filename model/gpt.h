// GPT decoder: token embeddings (plus a learned position table, or RoPE on q and k), n_layer
// pre-norm blocks of causal self-attention and an MLP, a final norm, and a head tied to the token
// embedding (untied as an option). The variants of model/config.h: LayerNorm or RMSNorm (with or
// without a gain), learned positions or RoPE, a GELU, SwiGLU or ReLU^2 MLP, parameter-free QK-norm,
// grouped-query attention. The defaults are GPT-2's layout, parameter for parameter.
// GPT-2 init for every variant: N(0, 0.02), residual projections scaled by 1/sqrt(2 n_layer),
// gains 1, biases 0. Under muP (model.parametrization: mup) the hidden matrices' std is divided by
// sqrt(m), the logits by m, and attention scores are scaled by GptConfig::attn_scale (config.h).
#pragma once
#include <torch/torch.h>

#include "model/config.h"

namespace sl {
// LayerNorm (optional gain, optional shift) or RMSNorm (optional gain), eps 1e-5. The parameters are
// `weight` and `bias`, each undefined when the config has none.
struct NormImpl : torch::nn::Module {
  NormImpl(int64_t dim, const GptConfig& c);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;
  bool rms;
};
TORCH_MODULE(Norm);

// x / sqrt(mean(x^2) + eps) over the last dimension, no gain.
torch::Tensor rms_normalize(const torch::Tensor& x);

// RoPE's tables for positions 0..ctx-1 of a head of head_dim coordinates: cos and sin of the angle
// t * theta^(-2i / head_dim), i < head_dim / 2, each (ctx, head_dim / 2) float32.
std::pair<torch::Tensor, torch::Tensor> rope_tables(int64_t ctx, int64_t head_dim, double theta);
// Rotates x (B, T, H, hs) by position: the half-split pairing (coordinate i with i + hs/2, as
// GPT-NeoX and nanochat do), y1 = x1 cos - x2 sin, y2 = x1 sin + x2 cos. cos, sin: rope_tables'
// first T rows or more.
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin);

struct CausalSelfAttentionImpl : torch::nn::Module {
  explicit CausalSelfAttentionImpl(const GptConfig& c);
  // (B, T, d) -> (B, T, d); cos and sin: RoPE's tables (undefined without RoPE).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos = {},
                        const torch::Tensor& sin = {});
  // The c_attn output (B, T, d + 2 kv_dim) = [q | k | v] made ready for attention: q and k turned
  // by RoPE and normalised per head when the config says so; the same layout.
  torch::Tensor prepare_qkv(const torch::Tensor& qkv, const torch::Tensor& cos,
                            const torch::Tensor& sin) const;
  torch::nn::Linear c_attn{nullptr}, c_proj{nullptr};
  int n_head, n_kv_head, head_dim;
  double scale;  // on the scores q k^T: GptConfig::attn_scale
  bool qk_norm;
  double dropout;
};
TORCH_MODULE(CausalSelfAttention);

struct MlpImpl : torch::nn::Module {
  explicit MlpImpl(const GptConfig& c);
  torch::Tensor forward(const torch::Tensor& x);
  // c_fc: (d_ff, d), or (2 d_ff, d) under SwiGLU, [gate | up]; c_proj: (d, d_ff).
  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
  std::string kind;  // gelu | swiglu | relu2
  double dropout;
};
TORCH_MODULE(Mlp);

// The MLP's nonlinearity on the c_fc output: gelu(h); silu(gate) * up for h = [gate | up]; relu(h)^2.
torch::Tensor mlp_activation(const std::string& kind, const torch::Tensor& h);

struct BlockImpl : torch::nn::Module {
  explicit BlockImpl(const GptConfig& c);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& cos = {},
                        const torch::Tensor& sin = {});
  Norm ln_1{nullptr}, ln_2{nullptr};
  CausalSelfAttention attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

struct GptImpl : torch::nn::Module {
  explicit GptImpl(const GptConfig& c);
  // idx: (B, T) int64 token ids, T <= ctx -> logits (B, T, vocab). With `trace`, appends the
  // activations the coordinate check measures, by name: "embedding" (B, T, d), "block.<i>" (the
  // residual stream after block i), "logits".
  using Trace = std::vector<std::pair<std::string, torch::Tensor>>;
  torch::Tensor forward(const torch::Tensor& idx, Trace* trace = nullptr);
  // Mean cross-entropy of next-token predictions; targets (B, T).
  torch::Tensor loss(const torch::Tensor& idx, const torch::Tensor& targets);
  // Re-draws every parameter from the GPT-2 init (muP's under mup) using torch's current RNG (seed
  // it first).
  void reset_parameters();
  GptConfig config;
  torch::nn::Embedding wte{nullptr}, wpe{nullptr};  // wpe only with learned positions
  torch::nn::ModuleList blocks;
  Norm ln_f{nullptr};
  torch::nn::Linear lm_head{nullptr};  // only when untied
  torch::Tensor rope_cos, rope_sin;    // buffers (ctx, head_dim / 2), only under RoPE
};
TORCH_MODULE(Gpt);
}  // namespace sl
