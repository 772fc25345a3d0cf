// GPT decoder (GPT-2 layout): token + learned position embeddings, n_layer pre-LayerNorm blocks of
// causal self-attention and a GELU MLP, a final LayerNorm, and a head tied to the token embedding
// (untied as an option). GPT-2 init: N(0, 0.02), residual projections scaled by 1/sqrt(2 n_layer).
#pragma once
#include <torch/torch.h>

#include "model/config.h"

namespace sl {
// LayerNorm whose bias is optional (torch::nn::LayerNorm has both or neither).
struct LayerNormImpl : torch::nn::Module {
  LayerNormImpl(int64_t dim, bool bias);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;  // bias undefined when disabled
};
TORCH_MODULE(LayerNorm);

struct CausalSelfAttentionImpl : torch::nn::Module {
  explicit CausalSelfAttentionImpl(const GptConfig& c);
  torch::Tensor forward(const torch::Tensor& x);  // (B, T, d) -> (B, T, d)
  torch::nn::Linear c_attn{nullptr}, c_proj{nullptr};
  int n_head;
  double dropout;
};
TORCH_MODULE(CausalSelfAttention);

struct MlpImpl : torch::nn::Module {
  explicit MlpImpl(const GptConfig& c);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
  double dropout;
};
TORCH_MODULE(Mlp);

struct BlockImpl : torch::nn::Module {
  explicit BlockImpl(const GptConfig& c);
  torch::Tensor forward(torch::Tensor x);
  LayerNorm ln_1{nullptr}, ln_2{nullptr};
  CausalSelfAttention attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

struct GptImpl : torch::nn::Module {
  explicit GptImpl(const GptConfig& c);
  // idx: (B, T) int64 token ids, T <= ctx -> logits (B, T, vocab).
  torch::Tensor forward(const torch::Tensor& idx);
  // Mean cross-entropy of next-token predictions; targets (B, T).
  torch::Tensor loss(const torch::Tensor& idx, const torch::Tensor& targets);
  // Re-draws every parameter from the GPT-2 init using torch's current RNG (seed it first).
  void reset_parameters();
  GptConfig config;
  torch::nn::Embedding wte{nullptr}, wpe{nullptr};
  torch::nn::ModuleList blocks;
  LayerNorm ln_f{nullptr};
  torch::nn::Linear lm_head{nullptr};  // only when untied
};
TORCH_MODULE(Gpt);
}  // namespace sl
