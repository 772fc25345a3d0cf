// The GPT module: shapes, init statistics, causal masking, and attention paths against the
// reference.
#include "model/gpt.h"

#include <gtest/gtest.h>

#include <cmath>

#include "model/torch_compat.h"

namespace sl {
namespace {
GptConfig small() {
  GptConfig c;
  c.n_layer = 2;
  c.d_model = 32;
  c.n_head = 4;
  c.ctx = 16;
  c.vocab = 50;
  return c;
}

TEST(Gpt, ForwardShapeAndInitialLossNearUniform) {
  torch::manual_seed(0);
  Gpt model(small());
  auto idx = torch::randint(0, 50, {4, 16}, torch::kLong);
  auto targets = torch::randint(0, 50, {4, 16}, torch::kLong);
  auto logits = model->forward(idx);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{4, 16, 50}));
  // Small init gives near-uniform predictions: loss close to ln(vocab).
  double loss = model->loss(idx, targets).item<double>();
  EXPECT_NEAR(loss, std::log(50.0), 0.1);
}

TEST(Gpt, InitFollowsGpt2) {
  GptConfig c = small();
  c.n_layer = 8;
  c.d_model = 256;
  c.n_head = 4;
  torch::manual_seed(1);
  Gpt model(c);
  auto params = model->named_parameters();
  EXPECT_NEAR(params["wte.weight"].std().item<double>(), 0.02, 0.001);
  EXPECT_NEAR(params["blocks.0.attn.c_proj.weight"].std().item<double>(), 0.02 / std::sqrt(16.0),
              0.0005);
  EXPECT_NEAR(params["blocks.0.mlp.c_fc.weight"].std().item<double>(), 0.02, 0.001);
  EXPECT_EQ(params["ln_f.weight"].sum().item<double>(), 256.0);
}

TEST(Gpt, OutputsAreCausal) {
  torch::manual_seed(2);
  Gpt model(small());
  model->eval();
  auto a = torch::randint(0, 50, {1, 16}, torch::kLong);
  auto b = a.clone();
  b.index_put_({0, 10}, (a.index({0, 10}).item<int64_t>() + 1) % 50);  // change token 10 only
  auto la = model->forward(a), lb = model->forward(b);
  EXPECT_TRUE(torch::allclose(la.narrow(1, 0, 10), lb.narrow(1, 0, 10)));
  EXPECT_FALSE(torch::allclose(la.narrow(1, 10, 6), lb.narrow(1, 10, 6)));
}

TEST(Attention, MatchesMaskedSoftmaxReference) {
  torch::manual_seed(3);
  for (int64_t T : {1, 7, 64}) {
    auto q = torch::randn({2, 3, T, 8}), k = torch::randn({2, 3, T, 8}),
         v = torch::randn({2, 3, T, 8});
    auto ours = causal_attention(q, k, v, 0.0, false);
    auto ref = causal_attention_reference(q, k, v);
    EXPECT_TRUE(torch::allclose(ours, ref, 1e-5, 1e-5)) << "T=" << T;
  }
}

TEST(Attention, GradientsMatchReference) {
  torch::manual_seed(4);
  auto q = torch::randn({1, 2, 9, 4}, torch::requires_grad());
  auto k = torch::randn({1, 2, 9, 4}, torch::requires_grad());
  auto v = torch::randn({1, 2, 9, 4}, torch::requires_grad());
  auto g1 = torch::autograd::grad({causal_attention(q, k, v, 0.0, false).pow(2).sum()}, {q, k, v});
  auto g2 = torch::autograd::grad({causal_attention_reference(q, k, v).pow(2).sum()}, {q, k, v});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(torch::allclose(g1[i], g2[i], 1e-4, 1e-5));
}

TEST(Gpt, UntiedHeadAndBiasesWork) {
  GptConfig c = small();
  c.tied = false;
  c.bias = true;
  torch::manual_seed(5);
  Gpt model(c);
  auto idx = torch::randint(0, 50, {2, 8}, torch::kLong);
  auto loss = model->loss(idx, idx);
  loss.backward();
  EXPECT_TRUE(model->lm_head->weight.grad().defined());
  EXPECT_GT(model->lm_head->weight.grad().abs().sum().item<double>(), 0);
}
}  // namespace
}  // namespace sl
