#include "model/gpt.h"

#include <cmath>

#include "model/torch_compat.h"

namespace sl {
namespace F = torch::nn::functional;

namespace {
constexpr double kNormEps = 1e-5;
}  // namespace

NormImpl::NormImpl(int64_t dim, const GptConfig& c) : rms(!c.layernorm()) {
  if (c.norm_gain) weight = register_parameter("weight", torch::ones({dim}));
  if (c.bias && c.layernorm()) bias = register_parameter("bias", torch::zeros({dim}));
}

torch::Tensor rms_normalize(const torch::Tensor& x) {
  return x * torch::rsqrt(x.square().mean(-1, /*keepdim=*/true) + kNormEps);
}

torch::Tensor NormImpl::forward(const torch::Tensor& x) {
  if (!rms) return torch::layer_norm(x, {x.size(-1)}, weight, bias, kNormEps);
  auto y = rms_normalize(x);
  return weight.defined() ? y * weight : y;
}

std::pair<torch::Tensor, torch::Tensor> rope_tables(int64_t ctx, int64_t head_dim, double theta) {
  const int64_t half = head_dim / 2;
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  auto inv_freq = torch::pow(theta, -2.0 * torch::arange(half, opts) / head_dim);  // (hs/2)
  auto angle = torch::outer(torch::arange(ctx, opts), inv_freq);                   // (ctx, hs/2)
  return {angle.cos().to(torch::kFloat), angle.sin().to(torch::kFloat)};
}

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin) {
  const int64_t T = x.size(1), half = x.size(3) / 2;
  // Broadcast over batch and heads, in x's type (bf16 under autocast).
  auto c = cos.narrow(0, 0, T).view({1, T, 1, half}).to(x.scalar_type());
  auto s = sin.narrow(0, 0, T).view({1, T, 1, half}).to(x.scalar_type());
  auto x1 = x.narrow(3, 0, half), x2 = x.narrow(3, half, half);
  return torch::cat({x1 * c - x2 * s, x1 * s + x2 * c}, 3);
}

static torch::nn::Linear make_linear(int64_t in, int64_t out, bool bias) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GptConfig& c)
    : n_head(c.n_head),
      n_kv_head(c.kv_heads()),
      head_dim(c.head_dim()),
      scale(c.attn_scale()),
      qk_norm(c.qk_norm),
      dropout(c.dropout) {
  c_attn = register_module("c_attn", make_linear(c.d_model, c.d_model + 2 * c.kv_dim(), c.bias));
  c_proj = register_module("c_proj", make_linear(c.d_model, c.d_model, c.bias));
}

torch::Tensor CausalSelfAttentionImpl::prepare_qkv(const torch::Tensor& qkv,
                                                   const torch::Tensor& cos,
                                                   const torch::Tensor& sin) const {
  if (!cos.defined() && !qk_norm) return qkv;
  const int64_t B = qkv.size(0), T = qkv.size(1), C = n_head * head_dim, kv = n_kv_head * head_dim;
  auto q = qkv.narrow(2, 0, C).view({B, T, n_head, head_dim});  // (B, T, nh, hs)
  auto k = qkv.narrow(2, C, kv).view({B, T, n_kv_head, head_dim});
  if (cos.defined()) {
    q = apply_rope(q, cos, sin);
    k = apply_rope(k, cos, sin);
  }
  if (qk_norm) {
    q = rms_normalize(q);
    k = rms_normalize(k);
  }
  return torch::cat({q.reshape({B, T, C}), k.reshape({B, T, kv}), qkv.narrow(2, C + kv, kv)}, 2);
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                               const torch::Tensor& sin) {
  auto qkv = prepare_qkv(linear_forward(x, c_attn->weight, c_attn->bias), cos, sin);
  auto y = causal_self_attention(qkv, n_head, dropout, is_training(), n_kv_head, scale);
  y = linear_forward(y, c_proj->weight, c_proj->bias);  // (B, T, C)
  return dropout > 0 ? F::dropout(y, F::DropoutFuncOptions().p(dropout).training(is_training()))
                     : y;
}

MlpImpl::MlpImpl(const GptConfig& c) : kind(c.mlp), dropout(c.dropout) {
  const int64_t up = c.swiglu() ? 2 * c.ff() : c.ff();
  c_fc = register_module("c_fc", make_linear(c.d_model, up, c.bias));
  c_proj = register_module("c_proj", make_linear(c.ff(), c.d_model, c.bias));
}

torch::Tensor mlp_activation(const std::string& kind, const torch::Tensor& h) {
  if (kind == "swiglu") {
    auto parts = h.chunk(2, -1);  // [gate | up], each (..., d_ff)
    return torch::silu(parts[0]) * parts[1];
  }
  if (kind == "relu2") return torch::relu(h).square();
  return torch::gelu(h);
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  auto y = linear_forward(mlp_activation(kind, linear_forward(x, c_fc->weight, c_fc->bias)),
                          c_proj->weight, c_proj->bias);
  return dropout > 0 ? F::dropout(y, F::DropoutFuncOptions().p(dropout).training(is_training()))
                     : y;
}

BlockImpl::BlockImpl(const GptConfig& c) {
  ln_1 = register_module("ln_1", Norm(c.d_model, c));
  attn = register_module("attn", CausalSelfAttention(c));
  ln_2 = register_module("ln_2", Norm(c.d_model, c));
  mlp = register_module("mlp", Mlp(c));
}

torch::Tensor BlockImpl::forward(torch::Tensor x, const torch::Tensor& cos,
                                 const torch::Tensor& sin) {
  x = x + attn->forward(ln_1->forward(x), cos, sin);
  return x + mlp->forward(ln_2->forward(x));
}

GptImpl::GptImpl(const GptConfig& c) : config(c) {
  wte = register_module("wte", torch::nn::Embedding(c.vocab, c.d_model));
  if (!c.rope()) wpe = register_module("wpe", torch::nn::Embedding(c.ctx, c.d_model));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < c.n_layer; ++i) blocks->push_back(Block(c));
  ln_f = register_module("ln_f", Norm(c.d_model, c));
  if (c.rope()) {  // buffers: they follow the module to its device and are not trained
    auto [cos, sin] = rope_tables(c.ctx, c.head_dim(), c.rope_theta);
    rope_cos = register_buffer("rope_cos", cos);
    rope_sin = register_buffer("rope_sin", sin);
  }
  if (!c.tied) lm_head = register_module("lm_head", make_linear(c.d_model, c.vocab, c.bias));
  reset_parameters();
}

void GptImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  // muP: the hidden matrices' std shrinks as 1 / sqrt(m) (fan-in scaling from the base width);
  // the embeddings and the untied head keep 0.02 (the head's 1 / m is on the logits instead).
  const double hidden_std = 0.02 * config.hidden_init_mult();
  const double residual_std = hidden_std / std::sqrt(2.0 * config.n_layer);
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
    } else if (name.rfind("blocks.", 0) == 0) {
      p.normal_(0.0, hidden_std);  // attention's c_attn, the MLP's c_fc
    } else {
      p.normal_(0.0, 0.02);  // wte, wpe, lm_head
    }
  }
}

torch::Tensor GptImpl::forward(const torch::Tensor& idx, Trace* trace) {
  const int64_t T = idx.size(1);
  TORCH_CHECK(T <= config.ctx, "sequence of length ", T, " exceeds the context length ",
              config.ctx);
  auto x = wte->forward(idx);  // (B, T, d)
  if (!config.rope()) x = x + wpe->forward(torch::arange(T, idx.options()));
  if (config.dropout > 0)
    x = F::dropout(x, F::DropoutFuncOptions().p(config.dropout).training(is_training()));
  if (trace) trace->emplace_back("embedding", x.detach());
  for (size_t i = 0; i < blocks->size(); ++i) {
    x = blocks[i]->as<Block>()->forward(x, rope_cos, rope_sin);
    if (trace) trace->emplace_back("block." + std::to_string(i), x.detach());
  }
  x = ln_f->forward(x);
  auto logits = config.tied ? linear_forward(x, wte->weight)
                            : linear_forward(x, lm_head->weight, lm_head->bias);  // (B, T, vocab)
  if (config.mup() && config.logit_mult() != 1.0) logits = logits * config.logit_mult();
  if (trace) trace->emplace_back("logits", logits.detach());
  return logits;
}

torch::Tensor GptImpl::loss(const torch::Tensor& idx, const torch::Tensor& targets) {
  auto logits = forward(idx);
  return F::cross_entropy(logits.view({-1, logits.size(-1)}).to(torch::kFloat),
                          targets.reshape({-1}));
}
}  // namespace sl
