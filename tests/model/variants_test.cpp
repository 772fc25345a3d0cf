// The architecture variants: RoPE against the closed-form rotation and the relative-position
// invariance of q.k, RMSNorm and SwiGLU against their formulas, presets and explicit keys,
// validation errors that name the key, distinct shape names, the canonical YAML round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "model/config.h"
#include "model/gpt.h"
#include "tests/model/model_yaml_util.h"

namespace sl {
namespace {
using testing::model_from_yaml;
using testing::model_to_yaml;

TEST(Rope, RotatesEachPairByItsClosedFormAngle) {
  // head_dim 4: pairs (0, 2) and (1, 3) turn by t * theta^0 and t * theta^(-1/2).
  const double theta = 100;
  auto [cos, sin] = rope_tables(5, 4, theta);
  ASSERT_EQ(cos.sizes(), (std::vector<int64_t>{5, 2}));
  auto x = torch::tensor({1.0f, 2.0f, -3.0f, 0.5f}).view({1, 1, 1, 4}).expand({1, 5, 1, 4});
  auto y = apply_rope(x.contiguous(), cos, sin);  // (1, 5, 1, 4)
  for (int t = 0; t < 5; ++t) {
    for (int i = 0; i < 2; ++i) {
      const double a = t * std::pow(theta, -2.0 * i / 4);
      const double x1 = x[0][t][0][i].item<double>(), x2 = x[0][t][0][i + 2].item<double>();
      EXPECT_NEAR(y[0][t][0][i].item<double>(), x1 * std::cos(a) - x2 * std::sin(a), 1e-6);
      EXPECT_NEAR(y[0][t][0][i + 2].item<double>(), x1 * std::sin(a) + x2 * std::cos(a), 1e-6);
    }
  }
  // Position 0 is the identity; norms are kept at every position.
  EXPECT_TRUE(torch::allclose(y[0][0], x[0][0]));
  EXPECT_TRUE(torch::allclose(y.norm(2, -1), x.norm(2, -1), 1e-5));
}

TEST(Rope, QueryKeyLogitsDependOnlyOnTheOffset) {
  torch::manual_seed(0);
  const int64_t hs = 16, ctx = 64;
  auto [cos, sin] = rope_tables(ctx, hs, 10000);
  auto q = torch::randn({hs}), k = torch::randn({hs});
  // The same q at every position, the same k at every position: logit(i, j) = f(i - j).
  auto qs = apply_rope(q.view({1, 1, 1, hs}).expand({1, ctx, 1, hs}).contiguous(), cos, sin);
  auto ks = apply_rope(k.view({1, 1, 1, hs}).expand({1, ctx, 1, hs}).contiguous(), cos, sin);
  auto logits = torch::matmul(qs.view({ctx, hs}), ks.view({ctx, hs}).t());  // (ctx, ctx)
  for (int64_t offset : {0, 1, 5, 30}) {
    auto diag = logits.diagonal(-offset);  // logit(j + offset, j) for every j
    EXPECT_LT((diag - diag[0]).abs().max().item<double>(), 1e-4) << "offset " << offset;
  }
  // ... and does depend on the offset (the rotation is not the identity).
  EXPECT_GT(std::abs(logits[5][0].item<double>() - logits[0][0].item<double>()), 1e-3);
}

TEST(Norms, RmsNormAndLayerNormFollowTheirFormulas) {
  torch::manual_seed(1);
  auto x = torch::randn({3, 5, 8});
  GptConfig c;
  c.norm = "rmsnorm";
  Norm rms(8, c);
  rms->weight.data().copy_(torch::linspace(0.5, 2.0, 8));
  auto want = x / torch::sqrt((x * x).mean(-1, true) + 1e-5) * torch::linspace(0.5, 2.0, 8);
  EXPECT_TRUE(torch::allclose(rms->forward(x), want, 1e-5, 1e-6));
  c.norm_gain = false;  // nanochat's: no parameters at all
  Norm bare(8, c);
  EXPECT_EQ(bare->parameters().size(), 0u);
  EXPECT_TRUE(torch::allclose(bare->forward(x), x / torch::sqrt((x * x).mean(-1, true) + 1e-5),
                              1e-5, 1e-6));
  GptConfig ln;
  ln.bias = true;
  Norm layer(8, ln);
  EXPECT_EQ(layer->parameters().size(), 2u);
  auto mu = x.mean(-1, true), var = (x - mu).pow(2).mean(-1, true);
  EXPECT_TRUE(torch::allclose(layer->forward(x), (x - mu) / torch::sqrt(var + 1e-5), 1e-5, 1e-5));
}

TEST(Mlp, SwigluAndRelu2FollowTheirFormulas) {
  auto h = torch::tensor({-2.0f, -0.5f, 0.0f, 1.5f, 0.3f, -1.0f, 2.0f, 4.0f}).view({1, 8});
  // SwiGLU: [gate | up] = [-2, -0.5, 0, 1.5 | 0.3, -1, 2, 4]; silu(g) u = g / (1 + e^-g) u.
  auto y = mlp_activation("swiglu", h);
  const float g[4] = {-2.0f, -0.5f, 0.0f, 1.5f}, u[4] = {0.3f, -1.0f, 2.0f, 4.0f};
  ASSERT_EQ(y.size(1), 4);
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(y[0][i].item<double>(), g[i] / (1 + std::exp(-g[i])) * u[i], 1e-6);
  auto r = mlp_activation("relu2", h);
  for (int i = 0; i < 8; ++i) {
    const double v = h[0][i].item<double>();
    EXPECT_NEAR(r[0][i].item<double>(), v > 0 ? v * v : 0.0, 1e-6);
  }
  GptConfig c;
  c.d_model = 48;
  c.mlp = "swiglu";
  EXPECT_EQ(c.ff(), 256);  // Llama: 2/3 * 192 = 128, rounded up to a multiple of 256
  Mlp m(c);
  EXPECT_EQ(m->c_fc->weight.sizes(), (std::vector<int64_t>{512, 48}));  // [gate | up]
  EXPECT_EQ(m->c_proj->weight.sizes(), (std::vector<int64_t>{48, 256}));
}

TEST(GptConfigVariants, PresetsSetTheirKeysAndExplicitKeysWin) {
  auto llama = model_from_yaml("{preset: llama, d_model: 64}");
  ASSERT_TRUE(llama.ok()) << llama.status().message();
  EXPECT_EQ(llama->norm, "rmsnorm");
  EXPECT_TRUE(llama->norm_gain);
  EXPECT_EQ(llama->pos, "rope");
  EXPECT_EQ(llama->mlp, "swiglu");
  EXPECT_FALSE(llama->tied);
  EXPECT_FALSE(llama->bias);
  auto nano =
      model_from_yaml("{preset: nanochat, tied: true, n_kv_head: 2}");  // keys over the preset
  ASSERT_TRUE(nano.ok()) << nano.status().message();
  EXPECT_EQ(nano->norm, "rmsnorm");
  EXPECT_FALSE(nano->norm_gain);
  EXPECT_EQ(nano->mlp, "relu2");
  EXPECT_TRUE(nano->qk_norm);
  EXPECT_TRUE(nano->tied);
  EXPECT_EQ(nano->kv_heads(), 2);
  // gpt2 is the default, number for number: the same YAML as no preset at all.
  auto gpt2 = model_from_yaml("{preset: gpt2}");
  ASSERT_TRUE(gpt2.ok());
  EXPECT_EQ(model_to_yaml(*gpt2), model_to_yaml(GptConfig{}));
  EXPECT_EQ(model_to_yaml(GptConfig{}).find("norm"),
            std::string::npos);  // old configs keep their text
}

TEST(GptConfigVariants, CanonicalYamlReadsBackToTheSameModel) {
  for (const std::string text :
       {"{preset: llama}", "{preset: nanochat, rope_theta: 500000}",
        "{preset: llama, n_kv_head: 1, ff_multiple: 32}", "{norm_gain: false, mlp: relu2}"}) {
    auto c = model_from_yaml(text);
    ASSERT_TRUE(c.ok()) << text;
    auto again = model_from_yaml(model_to_yaml(*c));
    ASSERT_TRUE(again.ok()) << model_to_yaml(*c);
    EXPECT_EQ(model_to_yaml(*again), model_to_yaml(*c)) << text;
    EXPECT_EQ(again->shape_name(), c->shape_name()) << text;
    EXPECT_EQ(model_to_yaml(*c).find("preset"),
              std::string::npos);  // resolved keys, not the preset
  }
}

TEST(GptConfigVariants, BadValuesNameTheKey) {
  struct Bad {
    std::string text, key, hint;
  };
  for (const Bad& b : {Bad{"{preset: mistral}", "model.preset", "gpt2, llama, nanochat"},
                       Bad{"{norm: batchnorm}", "model.norm", "layernorm or rmsnorm"},
                       Bad{"{pos: alibi}", "model.pos", "learned or rope"},
                       Bad{"{mlp: geglu}", "model.mlp", "gelu, swiglu or relu2"},
                       Bad{"{n_head: 4, n_kv_head: 3}", "model.n_kv_head", "divide n_head 4"},
                       Bad{"{n_head: 4, n_kv_head: 8}", "model.n_kv_head", "divide"},
                       Bad{"{pos: rope, d_model: 12, n_head: 4}", "model.pos", "odd"},
                       Bad{"{pos: rope, rope_theta: 0.5}", "model.rope_theta", "> 1"},
                       Bad{"{mlp: swiglu, ff_multiple: 0}", "model.ff_multiple", ">= 1"}}) {
    auto c = model_from_yaml(b.text);
    ASSERT_FALSE(c.ok()) << b.text;
    const std::string msg(c.status().message());
    EXPECT_NE(msg.find(b.key), std::string::npos) << msg;
    EXPECT_NE(msg.find(b.hint), std::string::npos) << msg;
  }
}

TEST(GptConfigVariants, EveryVariantHasItsOwnShapeName) {
  std::set<std::string> names;
  std::vector<std::string> texts{"{}",
                                 "{preset: llama}",
                                 "{preset: nanochat}",
                                 "{norm: rmsnorm}",
                                 "{norm: rmsnorm, norm_gain: false}",
                                 "{norm_gain: false}",
                                 "{pos: rope}",
                                 "{pos: rope, rope_theta: 500000}",
                                 "{mlp: swiglu}",
                                 "{mlp: relu2}",
                                 "{qk_norm: true}",
                                 "{n_kv_head: 2}",
                                 "{n_kv_head: 1}"};
  for (const auto& t : texts) {
    auto c = model_from_yaml(t);
    ASSERT_TRUE(c.ok()) << t;
    names.insert(c->shape_name());
  }
  EXPECT_EQ(names.size(), texts.size());
  EXPECT_TRUE(names.count("L4-d128-h4"));  // GPT-2's name unchanged
  EXPECT_TRUE(names.count("L4-d128-h4-rms-rope-swiglu"));
  EXPECT_TRUE(names.count("L4-d128-h4-rms0-rope-relu2-qkn"));
}

TEST(GptVariants, RopeModelsHaveNoPositionTableAndStayCausal) {
  GptConfig c;
  c.n_layer = 2;
  c.d_model = 32;
  c.n_head = 4;
  c.ctx = 16;
  c.vocab = 50;
  for (const std::string& p : gpt_preset_names()) {
    GptConfig v = c;
    ASSERT_TRUE(apply_gpt_preset(p, &v).ok());
    torch::manual_seed(2);
    Gpt model(v);
    EXPECT_EQ(static_cast<bool>(model->wpe), !v.rope()) << p;
    model->eval();
    auto a = torch::randint(0, 50, {1, 16}, torch::kLong);
    auto b = a.clone();
    b.index_put_({0, 10}, (a.index({0, 10}).item<int64_t>() + 1) % 50);
    auto la = model->forward(a), lb = model->forward(b);
    EXPECT_TRUE(torch::allclose(la.narrow(1, 0, 10), lb.narrow(1, 0, 10))) << p;
    EXPECT_FALSE(torch::allclose(la.narrow(1, 10, 6), lb.narrow(1, 10, 6))) << p;
    // Small init: near-uniform predictions for every preset.
    auto x = torch::randint(0, 50, {4, 16}, torch::kLong), y = torch::randint(0, 50, {4, 16});
    EXPECT_NEAR(model->loss(x, y.to(torch::kLong)).item<double>(), std::log(50.0), 0.15) << p;
  }
}
}  // namespace
}  // namespace sl
