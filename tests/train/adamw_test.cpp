// The flat-storage AdamW must take the same steps as torch::optim::AdamW with two parameter groups
// (matrices decayed, vectors not), and clipping must match clip_grad_norm_.
#include "train/adamw.h"

#include <gtest/gtest.h>

#include "model/gpt.h"
#include "train/flat_params.h"

namespace sl {
namespace {
GptConfig small() {
  GptConfig c;
  c.n_layer = 2;
  c.d_model = 32;
  c.n_head = 4;
  c.ctx = 16;
  c.vocab = 40;
  c.bias = false;
  return c;
}

TEST(FlatParams, ViewsShareStorageAndKeepValues) {
  torch::manual_seed(0);
  Gpt model(small());
  std::vector<torch::Tensor> before;
  for (auto& p : model->parameters()) before.push_back(p.detach().clone());
  FlatParams flat = flatten_parameters(*model);
  int64_t total = 0, i = 0;
  for (auto& p : model->parameters()) {
    EXPECT_TRUE(torch::equal(p, before[i++]));
    total += p.numel();
  }
  EXPECT_EQ(flat.params.numel(), total);
  // Decayed part = all matrices.
  int64_t matrices = 0;
  for (auto& p : model->parameters())
    if (p.dim() >= 2) matrices += p.numel();
  EXPECT_EQ(flat.n_decayed, matrices);
  // Gradients land in the flat buffer.
  auto idx = torch::randint(0, 40, {2, 16}, torch::kLong);
  model->loss(idx, idx).backward();
  EXPECT_GT(flat.grads.abs().sum().item<double>(), 0);
  double per_param = 0;
  for (auto& p : model->parameters()) per_param += p.grad().abs().sum().item<double>();
  EXPECT_NEAR(flat.grads.abs().sum().item<double>(), per_param, 1e-3);
}

// Without biases: the key bias of attention has an exactly-zero true gradient (softmax ignores a
// shift), so Adam would amplify float noise differently in the two implementations.
TEST(FlatAdamW, MatchesTorchAdamWWithDecayGroups) {
  OptimConfig o;
  o.lr = 3e-3;
  o.weight_decay = 0.1;
  o.beta1 = 0.9;
  o.beta2 = 0.95;
  o.eps = 1e-8;
  o.grad_clip = 1.0;
  torch::manual_seed(1);
  Gpt ours(small());
  torch::manual_seed(1);
  Gpt ref(small());
  FlatParams flat = flatten_parameters(*ours);
  FlatAdamW opt(flat, o);

  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : ref->parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(
      decay, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(o.lr)
                                                              .betas({o.beta1, o.beta2})
                                                              .eps(o.eps)
                                                              .weight_decay(o.weight_decay)));
  groups.emplace_back(
      no_decay,
      std::make_unique<torch::optim::AdamWOptions>(
          torch::optim::AdamWOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(0.0)));
  torch::optim::AdamW ref_opt(groups);

  for (int step = 0; step < 6; ++step) {
    auto idx = torch::randint(0, 40, {4, 16}, torch::kLong);
    auto tgt = torch::randint(0, 40, {4, 16}, torch::kLong);
    auto l1 = ours->loss(idx, tgt);
    l1.backward();
    clip_grad_norm(flat.grads, o.grad_clip);
    opt.step(o.lr);
    flat.grads.zero_();

    ref_opt.zero_grad();
    auto l2 = ref->loss(idx, tgt);
    l2.backward();
    torch::nn::utils::clip_grad_norm_(ref->parameters(), o.grad_clip);
    ref_opt.step();
    EXPECT_NEAR(l1.item<double>(), l2.item<double>(), 1e-5) << "step " << step;
  }
  auto a = ours->named_parameters(), b = ref->named_parameters();
  for (const auto& item : a) {
    EXPECT_TRUE(torch::allclose(item.value(), b[item.key()], 1e-5, 1e-6)) << item.key();
  }
}

TEST(ClipGradNorm, ScalesToTheMaximumAndReportsTheNormBefore) {
  auto g = torch::tensor({3.0f, 4.0f});
  auto norm = clip_grad_norm(g, 1.0);
  EXPECT_NEAR(norm.item<double>(), 5.0, 1e-6);
  EXPECT_NEAR(g.norm().item<double>(), 1.0, 1e-5);
  auto h = torch::tensor({0.3f, 0.4f});
  clip_grad_norm(h, 1.0);
  EXPECT_NEAR(h.norm().item<double>(), 0.5, 1e-6);  // below the maximum: unchanged
}
}  // namespace
}  // namespace sl
