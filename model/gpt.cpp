#include "model/gpt.h"

#include <cmath>

#include "model/torch_compat.h"

namespace sl {
namespace F = torch::nn::functional;

LayerNormImpl::LayerNormImpl(int64_t dim, bool with_bias) {
  weight = register_parameter("weight", torch::ones({dim}));
  if (with_bias) bias = register_parameter("bias", torch::zeros({dim}));
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
  return torch::layer_norm(x, {weight.size(0)}, weight, bias, 1e-5);
}

static torch::nn::Linear make_linear(int64_t in, int64_t out, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GptConfig& c)
    : n_head(c.n_head), dropout(c.dropout) {
  c_attn = register_module("c_attn", make_linear(c.d_model, 3 * c.d_model, c.bias));
  c_proj = register_module("c_proj", make_linear(c.d_model, c.d_model, c.bias));
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x) {
  auto y = causal_self_attention(linear_forward(x, c_attn->weight, c_attn->bias), n_head, dropout,
                                 is_training());
  y = linear_forward(y, c_proj->weight, c_proj->bias);  // (B, T, C)
  return dropout > 0 ? F::dropout(y, F::DropoutFuncOptions().p(dropout).training(is_training()))
                     : y;
}

MlpImpl::MlpImpl(const GptConfig& c) : dropout(c.dropout) {
  c_fc = register_module("c_fc", make_linear(c.d_model, c.ff(), c.bias));
  c_proj = register_module("c_proj", make_linear(c.ff(), c.d_model, c.bias));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  auto y = linear_forward(torch::gelu(linear_forward(x, c_fc->weight, c_fc->bias)), c_proj->weight,
                          c_proj->bias);
  return dropout > 0 ? F::dropout(y, F::DropoutFuncOptions().p(dropout).training(is_training()))
                     : y;
}

BlockImpl::BlockImpl(const GptConfig& c) {
  ln_1 = register_module("ln_1", LayerNorm(c.d_model, c.bias));
  attn = register_module("attn", CausalSelfAttention(c));
  ln_2 = register_module("ln_2", LayerNorm(c.d_model, c.bias));
  mlp = register_module("mlp", Mlp(c));
}

torch::Tensor BlockImpl::forward(torch::Tensor x) {
  x = x + attn->forward(ln_1->forward(x));
  return x + mlp->forward(ln_2->forward(x));
}

GptImpl::GptImpl(const GptConfig& c) : config(c) {
  wte = register_module("wte", torch::nn::Embedding(c.vocab, c.d_model));
  wpe = register_module("wpe", torch::nn::Embedding(c.ctx, c.d_model));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < c.n_layer; ++i) blocks->push_back(Block(c));
  ln_f = register_module("ln_f", LayerNorm(c.d_model, c.bias));
  if (!c.tied) lm_head = register_module("lm_head", make_linear(c.d_model, c.vocab, c.bias));
  reset_parameters();
}

void GptImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  const double residual_std = 0.02 / std::sqrt(2.0 * config.n_layer);
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor& p = item.value();
    bool is_bias = name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0;
    if (name.find("ln_") != std::string::npos) {
      is_bias ? p.zero_() : p.fill_(1.0);
    } else if (is_bias) {
      p.zero_();
    } else if (name.find("c_proj.weight") != std::string::npos) {
      p.normal_(0.0, residual_std);  // residual projections: GPT-2's 1/sqrt(2 n_layer) scaling
    } else {
      p.normal_(0.0, 0.02);
    }
  }
}

torch::Tensor GptImpl::forward(const torch::Tensor& idx) {
  const int64_t T = idx.size(1);
  TORCH_CHECK(T <= config.ctx, "sequence of length ", T, " exceeds the context length ",
              config.ctx);
  auto pos = torch::arange(T, idx.options());      // (T)
  auto x = wte->forward(idx) + wpe->forward(pos);  // (B, T, d)
  if (config.dropout > 0)
    x = F::dropout(x, F::DropoutFuncOptions().p(config.dropout).training(is_training()));
  for (const auto& block : *blocks) x = block->as<Block>()->forward(x);
  x = ln_f->forward(x);
  return config.tied ? linear_forward(x, wte->weight)
                     : linear_forward(x, lm_head->weight, lm_head->bias);  // (B, T, vocab)
}

torch::Tensor GptImpl::loss(const torch::Tensor& idx, const torch::Tensor& targets) {
  auto logits = forward(idx);
  return F::cross_entropy(logits.view({-1, logits.size(-1)}).to(torch::kFloat),
                          targets.reshape({-1}));
}
}  // namespace sl
