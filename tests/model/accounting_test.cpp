// Parameter and FLOP accounting: known totals, agreement with the real module, appendix-F terms.
#include "model/accounting.h"

#include <gtest/gtest.h>

#include "model/gpt.h"
#include "model/shape_rule.h"

namespace sl {
namespace {
GptConfig gpt2_small() {
  GptConfig c;
  c.n_layer = 12;
  c.d_model = 768;
  c.n_head = 12;
  c.ctx = 1024;
  c.vocab = 50257;
  c.bias = false;
  c.tied = true;
  return c;
}

TEST(Accounting, Gpt2SmallHasKnownParameterCount) {
  ParamCounts p = count_params(gpt2_small());
  EXPECT_EQ(p.total, 124337664);
  // Non-embedding: 12 layers x (12 d^2 + 2 d) + final LayerNorm d.
  EXPECT_EQ(p.nonembedding, 12 * (12LL * 768 * 768 + 2 * 768) + 768);
  EXPECT_EQ(p.total - p.nonembedding, 50257LL * 768 + 1024LL * 768);
}

int64_t module_param_count(const GptConfig& c) {
  Gpt model(c);
  int64_t n = 0;
  for (const auto& p : model->parameters()) n += p.numel();
  return n;
}

TEST(Accounting, TheDoubleCountIsTheSameFormulaAndDoesNotOverflow) {
  for (bool bias : {false, true})
    for (bool tied : {false, true}) {
      GptConfig c;
      c.n_layer = 3, c.d_model = 96, c.n_head = 3, c.d_ff = 200, c.bias = bias, c.tied = tied;
      const ParamCounts p = count_params(c);
      const ParamCountsOf<double> q = count_params_approx(c);
      EXPECT_EQ(q.total, static_cast<double>(p.total));
      EXPECT_EQ(q.nonembedding, static_cast<double>(p.nonembedding));
      EXPECT_EQ(q.head, static_cast<double>(p.head));
    }
  // d_model 1e8 x 1000 layers: 12 * 1e16 * 1e3 = 1.2e20 > 9.2e18, the int64 range.
  GptConfig huge;
  huge.n_layer = 1000, huge.d_model = 100000000, huge.n_head = 1;
  EXPECT_NEAR(count_params_approx(huge).nonembedding, 1.2e20, 1e18);
}

TEST(Accounting, MatchesTheModuleForEveryBiasAndTyingChoice) {
  for (bool bias : {false, true}) {
    for (bool tied : {false, true}) {
      GptConfig c;
      c.n_layer = 3;
      c.d_model = 48;
      c.n_head = 4;
      c.d_ff = 100;
      c.ctx = 17;
      c.vocab = 61;
      c.bias = bias;
      c.tied = tied;
      EXPECT_EQ(count_params(c).total, module_param_count(c))
          << "bias=" << bias << " tied=" << tied;
    }
  }
}

TEST(Accounting, ChinchillaTermsByHand) {
  GptConfig c;
  c.n_layer = 2;
  c.d_model = 8;
  c.n_head = 2;
  c.ctx = 4;
  c.vocab = 10;  // d_ff = 32
  ChinchillaFlops f = flops_per_token(c).chinchilla;
  EXPECT_DOUBLE_EQ(f.embeddings, 2 * 10 * 8);
  EXPECT_DOUBLE_EQ(f.attention_qkv, 2 * 2 * 3 * 8 * 8);
  EXPECT_DOUBLE_EQ(f.attention_logits, 2 * 2 * 4 * 8);
  EXPECT_DOUBLE_EQ(f.attention_softmax, 2 * 3 * 2 * 4);
  EXPECT_DOUBLE_EQ(f.attention_values, 2 * 2 * 4 * 8);
  EXPECT_DOUBLE_EQ(f.attention_output, 2 * 2 * 8 * 8);
  EXPECT_DOUBLE_EQ(f.mlp, 2 * 2 * (8 * 32 + 8 * 32));
  EXPECT_DOUBLE_EQ(f.logits, 2 * 8 * 10);
  EXPECT_DOUBLE_EQ(f.forward, 160 + 768 + 128 + 48 + 128 + 256 + 2048 + 160);
  EXPECT_DOUBLE_EQ(f.train, 3 * f.forward);
}

TEST(Accounting, KaplanConventions) {
  GptConfig c = gpt2_small();
  FlopsPerToken f = flops_per_token(c);
  double n = static_cast<double>(count_params(c).nonembedding);
  EXPECT_DOUBLE_EQ(f.kaplan_6n, 6 * n);
  EXPECT_DOUBLE_EQ(f.kaplan_6n_attention, 6 * n + 6.0 * 12 * 1024 * 768);
  // The matrices of the blocks are 2 FLOPs per parameter in both counts; what differs is what 6N
  // leaves out (embeddings, logits, attention over the context) and the LayerNorm weights 6N
  // includes.
  const ChinchillaFlops& ch = f.chinchilla;
  double layer_norm_params = 12 * 2 * 768 + 768;
  EXPECT_DOUBLE_EQ(ch.train - f.kaplan_6n, 3 * (ch.embeddings + ch.logits + ch.attention_logits +
                                                ch.attention_softmax + ch.attention_values) -
                                               6 * layer_norm_params);
}

TEST(ShapeRule, HitsTargetSizesWithinTolerance) {
  GptConfig base;
  ShapeRule rule;
  for (double target : {5e4, 1e5, 2e5, 1e6, 1e7, 8.5e7}) {
    auto c = shape_for_nonembedding_params(target, rule, base);
    ASSERT_TRUE(c.ok());
    double n = static_cast<double>(count_params(*c).nonembedding);
    EXPECT_NEAR(n / target, 1.0, 0.1) << c->shape_name();
    EXPECT_TRUE(validate_gpt_config(*c).ok());
    EXPECT_EQ(c->d_model % rule.head_dim, 0);
  }
}

TEST(Config, ValidationNamesTheKeyAndTheFix) {
  GptConfig c;
  c.d_model = 100;
  c.n_head = 3;
  absl::Status st = validate_gpt_config(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("model.n_head"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("n_head: 2"), std::string::npos) << st.message();
  c = GptConfig();
  c.n_layer = 0;
  EXPECT_FALSE(validate_gpt_config(c).ok());
}
}  // namespace
}  // namespace sl
