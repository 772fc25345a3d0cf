// muP's model side (model.parametrization: mup): the config keys (canonical YAML unchanged for sp,
// errors that name the key), the multipliers' values, muP at its base width equal to sp number for
// number, the init scaled by 1/sqrt(m) on hidden matrices only, the logits scaled by 1/m, and the
// attention score scale honoured by the fused CPU kernel and SDPA alike.
#include <gtest/gtest.h>

#include <cmath>

#include "model/config.h"
#include "model/cpu_kernels.h"
#include "model/gpt.h"
#include "model/torch_compat.h"
#include "tests/model/model_yaml_util.h"

namespace sl {
namespace {
using testing::model_from_yaml;
using testing::model_to_yaml;

GptConfig mup_config(int d_model, int base_width) {
  GptConfig c;
  c.n_layer = 2;
  c.d_model = d_model;
  c.n_head = 4;
  c.ctx = 24;
  c.vocab = 40;
  c.parametrization = "mup";
  c.base_width = base_width;
  return c;
}

TEST(MupConfig, KeysReadBackAndSpConfigsKeepTheirText) {
  auto c = model_from_yaml("{d_model: 128, n_head: 4, parametrization: mup, base_width: 32}");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->mup());
  EXPECT_EQ(c->base_width, 32);
  EXPECT_DOUBLE_EQ(c->width_mult(), 4.0);
  EXPECT_EQ(c->shape_name(), "L4-d128-h4-mup32");
  const std::string text = model_to_yaml(*c);
  EXPECT_NE(text.find("parametrization: mup"), std::string::npos) << text;
  EXPECT_NE(text.find("base_width: 32"), std::string::npos) << text;
  auto back = model_from_yaml(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(model_to_yaml(*back), text);
  // sp (the default) writes neither key: configs from before muP keep their text and run ids.
  auto sp = model_from_yaml("{d_model: 128, n_head: 4}");
  ASSERT_TRUE(sp.ok());
  EXPECT_EQ(model_to_yaml(*sp).find("parametrization"), std::string::npos);
  EXPECT_EQ(model_to_yaml(*sp).find("base_width"), std::string::npos);
  EXPECT_EQ(sp->shape_name(), "L4-d128-h4");
  // muP at its own width (base_width 0) says so in the shape name, without a number.
  auto own = model_from_yaml("{d_model: 64, n_head: 4, parametrization: mup}");
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->shape_name(), "L4-d64-h4-mup");
  EXPECT_DOUBLE_EQ(own->width_mult(), 1.0);
}

TEST(MupConfig, BadValuesNameTheKey) {
  auto bad = model_from_yaml("{parametrization: mu_p}");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("parametrization"), std::string::npos);
  EXPECT_NE(bad.status().message().find("sp or mup"), std::string::npos);
  auto negative = model_from_yaml("{parametrization: mup, base_width: -8}");
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find("base_width"), std::string::npos);
  EXPECT_NE(negative.status().message().find(">= 0"), std::string::npos);
}

TEST(MupConfig, MultipliersFollowTheWidthRatio) {
  const GptConfig c = mup_config(128, 32);  // m = 4, head_dim 32, base head_dim 8
  EXPECT_DOUBLE_EQ(c.hidden_init_mult(), 0.5);
  EXPECT_DOUBLE_EQ(c.hidden_lr_mult(), 0.25);
  EXPECT_DOUBLE_EQ(c.logit_mult(), 0.25);
  EXPECT_DOUBLE_EQ(c.attn_scale(), std::sqrt(8.0) / 32.0);
  // 1 / head_dim scaling: doubling the width (n_head fixed) halves the scale; sp's falls by sqrt 2.
  EXPECT_DOUBLE_EQ(mup_config(256, 32).attn_scale() / c.attn_scale(), 0.5);
  GptConfig sp = c;
  sp.parametrization = "sp";  // base_width is not read under sp
  EXPECT_DOUBLE_EQ(sp.width_mult(), 1.0);
  EXPECT_DOUBLE_EQ(sp.attn_scale(), 1.0 / std::sqrt(32.0));
  EXPECT_DOUBLE_EQ(sp.logit_mult(), 1.0);
}

TEST(MupModel, AtItsBaseWidthItIsSpNumberForNumber) {
  for (bool tied : {true, false}) {
    GptConfig mup = mup_config(48, 48), sp = mup;
    mup.tied = sp.tied = tied;
    sp.parametrization = "sp";
    sp.base_width = 0;
    torch::manual_seed(3);
    Gpt a(mup);
    torch::manual_seed(3);
    Gpt b(sp);
    auto idx = torch::randint(0, mup.vocab, {2, 24}, torch::kLong);
    EXPECT_TRUE(torch::equal(a->forward(idx), b->forward(idx))) << "tied " << tied;
  }
}

TEST(MupModel, HiddenInitShrinksAsOneOverSqrtMAndTheRestKeepsGpt2s) {
  GptConfig c = mup_config(256, 16);  // m = 16: hidden std 0.02 / 4
  c.tied = false;
  torch::manual_seed(4);
  Gpt m(c);
  const double residual = 1.0 / std::sqrt(2.0 * c.n_layer);
  for (const auto& item : m->named_parameters()) {
    const std::string& name = item.key();
    if (item.value().dim() < 2) continue;
    const double std = item.value().std().item<double>();
    double want = 0.02;
    if (name.find("c_proj") != std::string::npos)
      want = 0.005 * residual;
    else if (name.rfind("blocks.", 0) == 0)
      want = 0.005;
    EXPECT_NEAR(std, want, 0.03 * want) << name;
  }
}

TEST(MupModel, LogitsAreTheReadoutTimesOneOverM) {
  GptConfig c = mup_config(64, 16);  // m = 4
  torch::manual_seed(5);
  Gpt m(c);
  auto idx = torch::randint(0, c.vocab, {2, 20}, torch::kLong);
  GptImpl::Trace trace;
  auto logits = m->forward(idx, &trace);
  ASSERT_EQ(trace.size(), 4u);  // embedding, block.0, block.1, logits
  EXPECT_EQ(trace[1].first, "block.0");
  // The readout by hand: ln_f of the last block's output against the tied embedding, times 1/4.
  auto h = m->ln_f->forward(trace[2].second);
  auto want = torch::matmul(h, m->wte->weight.t()) * 0.25;
  EXPECT_TRUE(torch::allclose(logits, want, 1e-5, 1e-6));
  EXPECT_TRUE(torch::equal(trace[3].second, logits.detach()));
}

// The fused CPU kernel and the generic path (SDPA) with muP's scale against the masked-softmax
// formula at that scale, forward and backward, grouped heads included.
TEST(MupAttention, EveryPathHonoursTheScoreScale) {
  torch::manual_seed(6);
  const int64_t B = 2, T = 37, nh = 4, nkv = 2, hs = 16, C = nh * hs, kv = nkv * hs;
  const double scale = 1.0 / hs;
  auto qkv = torch::randn({B, T, C + 2 * kv}, torch::requires_grad());
  auto heads = [&](const torch::Tensor& t, int64_t h) {
    return t.reshape({B, T, h, hs}).transpose(1, 2);
  };
  auto q = heads(qkv.narrow(2, 0, C), nh);
  auto k = heads(qkv.narrow(2, C, kv), nkv).repeat_interleave(nh / nkv, 1);
  auto v = heads(qkv.narrow(2, C + kv, kv), nkv).repeat_interleave(nh / nkv, 1);
  auto ref = causal_attention_reference(q, k, v, scale).transpose(1, 2).reshape({B, T, C});
  auto sp_ref = causal_attention_reference(q, k, v).transpose(1, 2).reshape({B, T, C});
  ASSERT_GT((ref - sp_ref).abs().max().item<double>(), 1e-2);  // the scale matters here
  auto w = torch::randn_like(ref);
  auto g_ref = torch::autograd::grad({(ref * w).sum()}, {qkv})[0];
  for (bool fused : {true, false}) {
    auto ours = fused ? fused_causal_attention_cpu(qkv, nh, nkv, scale)
                      : causal_self_attention(qkv, nh, 1e-9, /*training=*/true, nkv, scale);
    EXPECT_TRUE(torch::allclose(ours, ref, 1e-5, 1e-5))
        << "fused " << fused << " max diff " << (ours - ref).abs().max().item<double>();
    auto g = torch::autograd::grad({(ours * w).sum()}, {qkv})[0];
    EXPECT_TRUE(torch::allclose(g, g_ref, 1e-4, 1e-5))
        << "fused " << fused << " max diff " << (g - g_ref).abs().max().item<double>();
  }
  torch::NoGradGuard no_grad;  // the inference path
  EXPECT_TRUE(torch::allclose(fused_causal_attention_cpu(qkv, nh, nkv, scale), ref, 1e-5, 1e-5));
}
}  // namespace
}  // namespace sl
