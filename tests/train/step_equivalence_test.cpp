// The optimised training step against a plain one. The reference re-implements the GPT forward with
// unfused operators (masked-softmax attention over split heads, torch::gelu, linear layers as
// matmuls), steps with torch::optim::AdamW over per-parameter tensors in two groups and clips with
// clip_grad_norm_; the optimised side is the trainer's own train_step (fused CPU attention and
// oneDNN linear layers, flat parameter storage, one vectorised AdamW, clipping without a host
// sync). Both start from the same weights; losses and parameters must agree to float tolerance
// after several steps.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/cpu_kernels.h"
#include "model/cuda_util.h"
#include "model/gpt.h"
#include "model/torch_compat.h"
#include "train/adamw.h"
#include "train/flat_params.h"
#include "train/train_step.h"

namespace sl {
namespace {
// Splits qkv into heads and runs the masked-softmax formula: the definition the fused kernel must
// meet.
torch::Tensor reference_self_attention(const torch::Tensor& qkv, int64_t n_head) {
  const int64_t B = qkv.size(0), T = qkv.size(1), C = qkv.size(2) / 3, hs = C / n_head;
  auto parts = qkv.split(C, 2);
  auto heads = [&](const torch::Tensor& t) {
    return t.reshape({B, T, n_head, hs}).transpose(1, 2);
  };
  auto y = causal_attention_reference(heads(parts[0]), heads(parts[1]), heads(parts[2]));
  return y.transpose(1, 2).reshape({B, T, C});
}

torch::Tensor linear(const torch::Tensor& x, const torch::nn::Linear& l) {
  auto y = torch::matmul(x, l->weight.t());
  return l->bias.defined() ? y + l->bias : y;
}

// LayerNorm, or RMSNorm written out: x / sqrt(mean(x^2) + eps), times the gain if any.
torch::Tensor layer_norm(const torch::Tensor& x, const Norm& ln) {
  if (!ln->rms) return torch::layer_norm(x, {x.size(-1)}, ln->weight, ln->bias, 1e-5);
  auto y = x / torch::sqrt(x.pow(2).mean(-1, true) + 1e-5);
  return ln->weight.defined() ? y * ln->weight : y;
}

// RoPE from its definition: the pair (i, i + hs/2) of position t turned by the angle
// t * theta^(-2i/hs) with a 2 x 2 rotation matrix. x: (B, T, H, hs).
torch::Tensor rotate_pairs(const torch::Tensor& x, double theta) {
  const int64_t T = x.size(1), hs = x.size(3), half = hs / 2;
  auto t = torch::arange(T, torch::kDouble).view({T, 1});
  auto freq = torch::pow(theta, -2.0 * torch::arange(half, torch::kDouble) / hs).view({1, half});
  auto angle = (t * freq).to(torch::kFloat).view({1, T, 1, half});
  auto a = x.narrow(3, 0, half), b = x.narrow(3, half, half);
  return torch::cat({angle.cos() * a - angle.sin() * b, angle.sin() * a + angle.cos() * b}, 3);
}

// q, k, v of the plain reference from the c_attn output: RoPE and QK-norm as the config says,
// key/value heads repeated for grouped-query attention, each (B, T, nh * hs) -> attention.
torch::Tensor reference_attention(const torch::Tensor& qkv, const GptConfig& c) {
  const int64_t B = qkv.size(0), T = qkv.size(1), nh = c.n_head, kvh = c.kv_heads(),
                hs = c.head_dim();
  auto q = qkv.narrow(2, 0, nh * hs).reshape({B, T, nh, hs});
  auto k = qkv.narrow(2, nh * hs, kvh * hs).reshape({B, T, kvh, hs});
  auto v = qkv.narrow(2, (nh + kvh) * hs, kvh * hs).reshape({B, T, kvh, hs});
  if (c.rope()) {
    q = rotate_pairs(q, c.rope_theta);
    k = rotate_pairs(k, c.rope_theta);
  }
  if (c.qk_norm) {
    q = q / torch::sqrt(q.pow(2).mean(-1, true) + 1e-5);
    k = k / torch::sqrt(k.pow(2).mean(-1, true) + 1e-5);
  }
  k = k.repeat_interleave(nh / kvh, 2);  // query head h reads key/value head h / (nh / kvh)
  v = v.repeat_interleave(nh / kvh, 2);
  auto heads = [&](const torch::Tensor& t) { return t.transpose(1, 2); };  // (B, nh, T, hs)
  // sp: 1/sqrt(hs); muP: sqrt(base head_dim) / hs, written out here from its definition.
  const double scale = c.mup() ? std::sqrt(hs * static_cast<double>(c.base_width) / c.d_model) / hs
                               : 1.0 / std::sqrt(static_cast<double>(hs));
  auto y = causal_attention_reference(heads(q), heads(k), heads(v), scale);
  return y.transpose(1, 2).reshape({B, T, nh * hs});
}

// The MLP's nonlinearity from its formula: GELU, SwiGLU (x sigmoid(x) of the gate times the up
// projection) or ReLU squared.
torch::Tensor reference_activation(const GptConfig& c, const torch::Tensor& h) {
  if (c.mlp == "swiglu") {
    auto gate = h.narrow(-1, 0, c.ff()), up = h.narrow(-1, c.ff(), c.ff());
    return gate * torch::sigmoid(gate) * up;
  }
  if (c.mlp == "relu2") return torch::clamp_min(h, 0).pow(2);
  return torch::gelu(h);
}

// The GPT forward (every variant) and mean next-token cross-entropy, written out with plain
// operators.
torch::Tensor reference_loss(Gpt& m, const torch::Tensor& idx, const torch::Tensor& targets) {
  const int64_t T = idx.size(1);
  const GptConfig& c = m->config;
  auto h = m->wte->weight.index({idx});
  if (!c.rope()) h = h + m->wpe->weight.narrow(0, 0, T);
  for (const auto& module : *m->blocks) {
    auto* b = module->as<Block>();
    auto qkv = linear(layer_norm(h, b->ln_1), b->attn->c_attn);
    h = h + linear(reference_attention(qkv, c), b->attn->c_proj);
    h = h + linear(reference_activation(c, linear(layer_norm(h, b->ln_2), b->mlp->c_fc)),
                   b->mlp->c_proj);
  }
  h = layer_norm(h, m->ln_f);
  auto logits = m->config.tied ? torch::matmul(h, m->wte->weight.t()) : linear(h, m->lm_head);
  if (c.mup()) logits = logits * (static_cast<double>(c.base_width) / c.d_model);  // muP: 1/m
  return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}),
                                              targets.reshape({-1}));
}

// torch::optim::AdamW over per-parameter tensors in groups: matrices decayed, vectors not, and
// under muP the blocks' matrices in a third group whose lr is base_width / d_model times the rest
// (group_lr_mults: each group's multiplier, for setting the lr at every step).
torch::optim::AdamW reference_adamw(Gpt& ref, const OptimConfig& o,
                                    std::vector<double>* group_lr_mults = nullptr) {
  std::vector<torch::Tensor> hidden, decay, no_decay;
  const GptConfig& c = ref->config;
  const double hidden_mult = c.mup() ? static_cast<double>(c.base_width) / c.d_model : 1.0;
  for (auto& item : ref->named_parameters()) {
    const torch::Tensor& p = item.value();
    const bool in_block = item.key().rfind("blocks.", 0) == 0;
    (p.dim() >= 2 ? (in_block && c.mup() ? hidden : decay) : no_decay).push_back(p);
  }
  auto adamw = [&](double lr, double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(lr).betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  std::vector<double> mults;
  if (!hidden.empty()) {
    groups.emplace_back(hidden, adamw(o.lr * hidden_mult, o.weight_decay));
    mults.push_back(hidden_mult);
  }
  groups.emplace_back(decay, adamw(o.lr, o.weight_decay));
  groups.emplace_back(no_decay, adamw(o.lr, 0.0));
  mults.push_back(1.0);
  mults.push_back(1.0);
  if (group_lr_mults) *group_lr_mults = mults;
  return torch::optim::AdamW(groups);
}

TEST(FusedCpuAttention, MatchesMaskedSoftmaxForwardAndBackward) {
  torch::manual_seed(0);
  struct Shape {
    int64_t B, T, C, nh;
  };
  // T around the 32-row block size and the 16-float vector width, heads of 4 to 64 floats.
  for (const Shape s : {Shape{2, 1, 8, 2}, Shape{2, 7, 24, 3}, Shape{3, 33, 32, 2},
                        Shape{2, 64, 64, 4}, Shape{1, 100, 48, 2}, Shape{2, 130, 128, 2}}) {
    auto qkv = torch::randn({s.B, s.T, 3 * s.C}, torch::requires_grad());
    auto ours = fused_causal_attention_cpu(qkv, s.nh);
    auto ref = reference_self_attention(qkv, s.nh);
    EXPECT_TRUE(torch::allclose(ours, ref, 1e-5, 1e-5))
        << "T=" << s.T << " max diff " << (ours - ref).abs().max().item<double>();
    auto w = torch::randn_like(ref);
    auto g1 = torch::autograd::grad({(ours * w).sum()}, {qkv})[0];
    auto g2 = torch::autograd::grad({(ref * w).sum()}, {qkv})[0];
    EXPECT_TRUE(torch::allclose(g1, g2, 1e-4, 1e-5))
        << "T=" << s.T << " max diff " << (g1 - g2).abs().max().item<double>();
    torch::NoGradGuard
        no_grad;  // the inference path keeps no probabilities but gives the same values
    EXPECT_TRUE(torch::allclose(fused_causal_attention_cpu(qkv, s.nh), ref, 1e-5, 1e-5))
        << "T=" << s.T;
  }
}

// Grouped-query attention in the fused kernel: q heads h read key/value head h / (nh / nkv); the
// reference repeats the key/value heads. Forward, backward (a group's dK and dV summed) and the
// inference path, against the generic path (split, repeat_interleave, SDPA) too.
TEST(FusedCpuAttention, GroupedQueryHeadsMatchRepeatedKeyValueHeads) {
  torch::manual_seed(9);
  struct Shape {
    int64_t B, T, nh, nkv, hs;
  };
  for (const Shape s : {Shape{2, 7, 4, 2, 8}, Shape{2, 40, 6, 3, 4}, Shape{1, 70, 4, 1, 16},
                        Shape{2, 33, 8, 2, 8}}) {
    const int64_t C = s.nh * s.hs, kv = s.nkv * s.hs;
    auto qkv = torch::randn({s.B, s.T, C + 2 * kv}, torch::requires_grad());
    auto heads = [&](const torch::Tensor& t, int64_t h) {
      return t.reshape({s.B, s.T, h, s.hs}).transpose(1, 2);
    };
    auto q = heads(qkv.narrow(2, 0, C), s.nh);
    auto k = heads(qkv.narrow(2, C, kv), s.nkv).repeat_interleave(s.nh / s.nkv, 1);
    auto v = heads(qkv.narrow(2, C + kv, kv), s.nkv).repeat_interleave(s.nh / s.nkv, 1);
    auto ref = causal_attention_reference(q, k, v).transpose(1, 2).reshape({s.B, s.T, C});
    auto w = torch::randn_like(ref);
    auto g_ref = torch::autograd::grad({(ref * w).sum()}, {qkv})[0];
    for (bool fused : {true, false}) {
      // fused: the CPU kernel; otherwise the generic path (as with dropout or on CUDA)
      auto ours = fused ? fused_causal_attention_cpu(qkv, s.nh, s.nkv)
                        : causal_self_attention(qkv, s.nh, 1e-9, /*training=*/true, s.nkv);
      EXPECT_TRUE(torch::allclose(ours, ref, 1e-5, 1e-5))
          << "T=" << s.T << " fused=" << fused << " max diff "
          << (ours - ref).abs().max().item<double>();
      auto g = torch::autograd::grad({(ours * w).sum()}, {qkv})[0];
      EXPECT_TRUE(torch::allclose(g, g_ref, 1e-4, 1e-5))
          << "T=" << s.T << " fused=" << fused << " max diff "
          << (g - g_ref).abs().max().item<double>();
    }
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::allclose(fused_causal_attention_cpu(qkv, s.nh, s.nkv), ref, 1e-5, 1e-5));
  }
}

TEST(CausalSelfAttention, MatchesReferenceOnEveryPath) {
  torch::manual_seed(1);
  auto qkv = torch::randn({2, 20, 3 * 24}, torch::requires_grad());
  auto w = torch::randn({2, 20, 24});
  auto ref = reference_self_attention(qkv, 3);
  auto g_ref = torch::autograd::grad({(ref * w).sum()}, {qkv})[0];
  for (bool training : {true, false}) {
    auto ours = causal_self_attention(qkv, 3, 0.0, training);
    EXPECT_TRUE(torch::allclose(ours, ref, 1e-5, 1e-5));
    auto g = torch::autograd::grad({(ours * w).sum()}, {qkv})[0];
    EXPECT_TRUE(torch::allclose(g, g_ref, 1e-4, 1e-5));
  }
}

TEST(Gpt, ForwardMatchesThePlainReference) {
  for (bool tied : {true, false}) {
    GptConfig c;
    c.n_layer = 2;
    c.d_model = 48;
    c.n_head = 3;
    c.ctx = 40;
    c.vocab = 61;
    c.tied = tied;
    c.bias = !tied;
    torch::manual_seed(2);
    Gpt m(c);
    auto idx = torch::randint(0, c.vocab, {3, 40}, torch::kLong);
    auto tgt = torch::randint(0, c.vocab, {3, 40}, torch::kLong);
    EXPECT_NEAR(m->loss(idx, tgt).item<double>(), reference_loss(m, idx, tgt).item<double>(), 1e-5);
  }
}

struct StepCase {
  int grad_accum;
  double grad_clip;
};
// Readable ctest names (otherwise gtest prints the struct's bytes).
void PrintTo(const StepCase& c, std::ostream* os) {
  *os << "accum " << c.grad_accum << ", clip " << c.grad_clip;
}

// The optimised step of model `c` against the plain reference, six steps.
void expect_step_matches_reference(const GptConfig& c, const StepCase& sc) {
  OptimConfig o;
  // eps 1e-6, not the default 1e-8: with 1e-8 a coordinate whose gradient is ~1e-8 turns float
  // rounding (MKL's or oneDNN's summation order against the reference's) into a visible fraction of
  // a step; one of 12,288 c_attn weights moved 6% of lr so while the mean moved 1e-4 of lr.
  o.lr = 2e-3;
  o.weight_decay = 0.1;
  o.beta1 = 0.9;
  o.beta2 = 0.95;
  o.eps = 1e-6;
  o.grad_clip = sc.grad_clip;

  torch::manual_seed(7);
  Gpt ours(c);
  torch::manual_seed(7);
  Gpt ref(c);
  FlatParams flat = flatten_parameters(*ours, flat_layout_for(o, c));
  FlatOptimizer opt(flat, o, hidden_adam_lr_mult(o, c));
  std::vector<double> group_lr_mults;
  torch::optim::AdamW ref_opt = reference_adamw(ref, o, &group_lr_mults);

  const StepSetup setup{torch::kCPU, /*bf16=*/true, sc.grad_accum, o.grad_clip};
  auto loss_acc = torch::zeros({}, torch::kDouble);
  for (int step = 0; step < 6; ++step) {
    const double lr = o.lr * (1.0 - 0.1 * step);  // a changing schedule
    std::vector<Batch> micro;
    for (int m = 0; m < sc.grad_accum; ++m) {
      micro.push_back({torch::randint(0, c.vocab, {4, c.ctx}, torch::kLong),
                       torch::randint(0, c.vocab, {4, c.ctx}, torch::kLong)});
    }
    loss_acc.zero_();
    auto norm = train_step(
        ours, flat, opt, setup, [&](int m) { return micro[m]; }, lr, loss_acc);

    ref_opt.zero_grad();
    double ref_loss = 0;
    for (const auto& b : micro) {
      auto l = reference_loss(ref, b.x, b.y);
      (l / sc.grad_accum).backward();
      ref_loss += l.item<double>() / sc.grad_accum;
    }
    double ref_norm =
        torch::nn::utils::clip_grad_norm_(ref->parameters(), o.grad_clip > 0 ? o.grad_clip : 1e30);
    for (size_t g = 0; g < ref_opt.param_groups().size(); ++g) {
      static_cast<torch::optim::AdamWOptions&>(ref_opt.param_groups()[g].options())
          .lr(lr * group_lr_mults[g]);
    }
    ref_opt.step();

    EXPECT_NEAR(loss_acc.item<double>(), ref_loss, 1e-5 * std::max(1.0, ref_loss))
        << "step " << step;
    EXPECT_NEAR(norm.item<double>(), ref_norm, 1e-4 * ref_norm) << "step " << step;
  }
  // Adam normalises each coordinate's step to about lr, so float rounding in a gradient near zero
  // (summation order, the fused kernels) can move a weight by a visible fraction of lr; a real
  // error moves weights by whole steps. Tolerance: 2.5% of one step, after six steps.
  auto a = ours->named_parameters(), b = ref->named_parameters();
  for (const auto& item : a) {
    const double diff = (item.value() - b[item.key()]).abs().max().item<double>();
    EXPECT_LT(diff, 0.025 * o.lr) << item.key();
  }
  // The gradients were zeroed for the next step.
  EXPECT_EQ(flat.grads.abs().sum().item<double>(), 0.0);
}

GptConfig step_shape() {
  GptConfig c;
  c.n_layer = 2;
  c.d_model = 64;
  c.n_head = 4;
  c.ctx = 48;
  c.vocab = 50;
  return c;
}

class TrainStepEquivalence : public ::testing::TestWithParam<StepCase> {};

TEST_P(TrainStepEquivalence, MatchesPlainReferenceStep) {
  expect_step_matches_reference(step_shape(), GetParam());
}

// Every architecture variant: a preset, or the GPT-2 layout with one key changed.
struct Variant {
  std::string name, preset;
  std::function<void(GptConfig&)> change;
};
std::vector<Variant> variants() {
  return {
      {"llama", "llama", {}},
      {"nanochat", "nanochat", {}},
      {"llama_gqa", "llama", [](GptConfig& c) { c.n_kv_head = 2; }},
      {"nanochat_mqa_theta500", "nanochat",
       [](GptConfig& c) {
         c.n_kv_head = 1;
         c.rope_theta = 500;
       }},
      {"rmsnorm", "gpt2", [](GptConfig& c) { c.norm = "rmsnorm"; }},
      {"layernorm_no_gain_bias", "gpt2",
       [](GptConfig& c) {
         c.norm_gain = false;
         c.bias = true;
       }},
      {"rope", "gpt2", [](GptConfig& c) { c.pos = "rope"; }},
      {"swiglu_bias", "gpt2",
       [](GptConfig& c) {
         c.mlp = "swiglu";
         c.ff_multiple = 16;
         c.bias = true;
       }},
      {"relu2", "gpt2", [](GptConfig& c) { c.mlp = "relu2"; }},
      {"qk_norm", "gpt2", [](GptConfig& c) { c.qk_norm = true; }},
      {"gqa", "gpt2", [](GptConfig& c) { c.n_kv_head = 2; }},
      // muP at m = 4: hidden lr / 4 (a third AdamW group), logits / 4, attention 1 / 8 for 1 / 4
      {"mup", "gpt2",
       [](GptConfig& c) {
         c.parametrization = "mup";
         c.base_width = 16;
       }},
      {"mup_llama_gqa", "llama", [](GptConfig& c) {
         c.parametrization = "mup";
         c.base_width = 32;
         c.n_kv_head = 2;
       }}};
}
GptConfig variant_config(const Variant& v, GptConfig c) {
  EXPECT_TRUE(apply_gpt_preset(v.preset, &c).ok());
  if (v.change) v.change(c);
  EXPECT_FALSE(check_gpt_config(c).has_value()) << v.name;
  return c;
}
void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

class VariantStepEquivalence : public ::testing::TestWithParam<Variant> {};

// The optimised CPU step (fused attention from packed qkv with RoPE/QK-norm applied in place,
// grouped heads in the kernel, oneDNN linear layers, flat AdamW) equals the plain reference step.
TEST_P(VariantStepEquivalence, MatchesPlainReferenceStep) {
  expect_step_matches_reference(variant_config(GetParam(), step_shape()), StepCase{1, 1.0});
}

// The module's forward equals the plain reference's, in training and eval (the fused kernel's
// inference path keeps no probabilities).
TEST_P(VariantStepEquivalence, ForwardMatchesThePlainReference) {
  GptConfig c = variant_config(GetParam(), step_shape());
  torch::manual_seed(2);
  Gpt m(c);
  auto idx = torch::randint(0, c.vocab, {3, 40}, torch::kLong);  // shorter than ctx
  auto tgt = torch::randint(0, c.vocab, {3, 40}, torch::kLong);
  const double ref = reference_loss(m, idx, tgt).item<double>();
  EXPECT_NEAR(m->loss(idx, tgt).item<double>(), ref, 1e-5);
  m->eval();
  torch::NoGradGuard no_grad;
  EXPECT_NEAR(m->loss(idx, tgt).item<double>(), ref, 1e-5);
}

// On the GPU: the bf16-autocast step (scaled_dot_product_attention, fused AdamW on 2.x, TF32)
// against the float32 CPU reference. bf16 tolerance: losses within 2%, and the weights' total
// update over the steps within 15% (relative L2) of the reference's. Runs where CUDA is
// (scripts/device_check.sh).
GptConfig cuda_shape() {
  GptConfig c;
  c.n_layer = 2;
  c.d_model = 128;
  c.n_head = 4;
  c.ctx = 64;
  c.vocab = 96;
  return c;
}

void expect_bf16_cuda_step_matches_reference(const GptConfig& c) {
  torch::Device cuda(torch::kCUDA);
  OptimConfig o;
  o.lr = 1e-3;
  torch::manual_seed(11);
  Gpt ours(c);
  torch::manual_seed(11);
  Gpt ref(c);
  ours->to(cuda);
  FlatParams flat = flatten_parameters(*ours, flat_layout_for(o, c));
  FlatOptimizer opt(flat, o,
                    hidden_adam_lr_mult(o, c));  // muP variants: the fused kernel per segment
  torch::optim::AdamW ref_opt = reference_adamw(ref, o);  // lr constant: each group's own
  std::map<std::string, torch::Tensor> init;
  for (const auto& item : ref->named_parameters()) init[item.key()] = item.value().detach().clone();

  const StepSetup setup{cuda, /*bf16=*/true, 1, o.grad_clip};
  auto loss_acc = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(cuda));
  for (int step = 0; step < 5; ++step) {
    Batch b{torch::randint(0, c.vocab, {8, c.ctx}, torch::kLong),
            torch::randint(0, c.vocab, {8, c.ctx}, torch::kLong)};
    Batch bd{b.x.to(cuda), b.y.to(cuda)};
    loss_acc.zero_();
    train_step(
        ours, flat, opt, setup, [&](int) { return bd; }, o.lr, loss_acc);
    ref_opt.zero_grad();
    auto l = reference_loss(ref, b.x, b.y);
    l.backward();
    torch::nn::utils::clip_grad_norm_(ref->parameters(), o.grad_clip);
    ref_opt.step();
    EXPECT_NEAR(loss_acc.item<double>(), l.item<double>(), 0.02 * l.item<double>())
        << "step " << step;
  }
  auto a = ours->named_parameters(), r = ref->named_parameters();
  for (const auto& item : a) {
    auto d_ours = item.value().detach().cpu() - init[item.key()];
    auto d_ref = r[item.key()].detach() - init[item.key()];
    const double rel =
        (d_ours - d_ref).norm().item<double>() / (d_ref.norm().item<double>() + 1e-12);
    EXPECT_LT(rel, 0.15) << item.key();
  }
}

TEST(TrainStepCuda, Bf16StepMatchesFloat32Reference) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  expect_bf16_cuda_step_matches_reference(cuda_shape());
}

// Every variant on the CUDA path (split heads, repeated key/value heads, SDPA, bf16 autocast)
// against the float32 CPU reference.
TEST_P(VariantStepEquivalence, CudaBf16StepMatchesFloat32Reference) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  expect_bf16_cuda_step_matches_reference(variant_config(GetParam(), cuda_shape()));
}

// A step replayed from a CUDA graph does what the same step does eagerly (same kernels, so the
// weights agree to float rounding).
TEST(TrainStepCuda, CudaGraphReplayMatchesEagerSteps) {
  if (!CudaGraphStep::available()) GTEST_SKIP() << "no CUDA graphs in this build or machine";
  torch::Device cuda(torch::kCUDA);
  GptConfig c;
  c.n_layer = 2;
  c.d_model = 64;
  c.n_head = 2;
  c.ctx = 32;
  c.vocab = 64;
  OptimConfig o;
  auto make = [&](Gpt& m, std::unique_ptr<FlatParams>& flat, std::unique_ptr<FlatOptimizer>& opt) {
    torch::manual_seed(5);
    m = Gpt(c);
    m->to(cuda);
    flat = std::make_unique<FlatParams>(flatten_parameters(*m));
    opt = std::make_unique<FlatOptimizer>(*flat, o);
  };
  Gpt eager{nullptr}, graphed{nullptr};
  std::unique_ptr<FlatParams> fe, fg;
  std::unique_ptr<FlatOptimizer> oe, og;
  make(eager, fe, oe);
  make(graphed, fg, og);
  std::vector<Batch> batches;
  for (int i = 0; i < 4; ++i) {
    batches.push_back({torch::randint(0, c.vocab, {4, c.ctx},
                                      torch::TensorOptions().dtype(torch::kLong).device(cuda)),
                       torch::randint(0, c.vocab, {4, c.ctx},
                                      torch::TensorOptions().dtype(torch::kLong).device(cuda))});
  }
  const StepSetup setup{cuda, /*bf16=*/true, 1, o.grad_clip};
  auto acc_e = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(cuda));
  auto acc_g = torch::zeros_like(acc_e);
  const int warmup = 3, replays = 6;
  for (int i = 0; i < warmup; ++i)
    train_step(
        eager, *fe, *oe, setup, [&](int) { return batches[0]; }, o.lr, acc_e);
  for (int i = 0; i < replays; ++i) {
    train_step(
        eager, *fe, *oe, setup, [&](int) { return batches[(i + 1) % 4]; }, o.lr, acc_e);
  }
  Batch fixed{batches[0].x.clone(), batches[0].y.clone()};
  CudaGraphStep graph;
  graph.capture(
      [&] {
        train_step(
            graphed, *fg, *og, setup, [&](int) { return fixed; }, o.lr, acc_g);
      },
      warmup);
  for (int i = 0; i < replays; ++i) {
    fixed.x.copy_(batches[(i + 1) % 4].x);
    fixed.y.copy_(batches[(i + 1) % 4].y);
    graph.replay();
  }
  torch::cuda::synchronize();
  EXPECT_NEAR(acc_g.item<double>(), acc_e.item<double>(), 1e-4 * std::abs(acc_e.item<double>()));
  EXPECT_LT((fg->params - fe->params).abs().max().item<double>(), 0.01 * o.lr);
}

INSTANTIATE_TEST_SUITE_P(Cases, TrainStepEquivalence,
                         ::testing::Values(StepCase{1, 1.0}, StepCase{2, 1.0}, StepCase{1, 0.05},
                                           StepCase{1, 0.0}),
                         [](const auto& info) {
                           return "accum" + std::to_string(info.param.grad_accum) + "_clip" +
                                  std::to_string(static_cast<int>(info.param.grad_clip * 100));
                         });
INSTANTIATE_TEST_SUITE_P(Variants, VariantStepEquivalence, ::testing::ValuesIn(variants()),
                         [](const auto& info) { return info.param.name; });
}  // namespace
}  // namespace sl
