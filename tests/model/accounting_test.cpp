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

namespace sl {
namespace {
// Every architecture variant's counts: from the module's own tensors, grouped by name (an
// independent count), and from closed forms derived by hand below.
struct GroupCounts {
  int64_t token_embedding = 0, position_embedding = 0, head = 0, attention = 0, mlp = 0, norms = 0,
          matrices = 0, total = 0;
};
GroupCounts module_groups(const GptConfig& c) {
  Gpt model(c);
  GroupCounts g;
  for (const auto& item : model->named_parameters()) {
    const std::string& name = item.key();
    const int64_t n = item.value().numel();
    g.total += n;
    auto has = [&](const char* part) { return name.find(part) != std::string::npos; };
    if (name == "wte.weight") {
      g.token_embedding += n;
    } else if (name == "wpe.weight") {
      g.position_embedding += n;
    } else if (has("lm_head")) {
      g.head += n;
    } else if (has(".attn.")) {
      g.attention += n;
    } else if (has(".mlp.")) {
      g.mlp += n;
    } else if (has("ln_")) {
      g.norms += n;
    } else {
      ADD_FAILURE() << "parameter in no group: " << name;
    }
    if (has("blocks.") && item.value().dim() == 2) g.matrices += n;
  }
  return g;
}

GptConfig preset(const std::string& name) {
  GptConfig c;
  c.n_layer = 3;
  c.d_model = 48;
  c.n_head = 4;
  c.ctx = 17;
  c.vocab = 61;
  EXPECT_TRUE(apply_gpt_preset(name, &c).ok());
  return c;
}

void expect_counts_match_module(const GptConfig& c, const std::string& what) {
  const ParamCounts p = count_params(c);
  const GroupCounts g = module_groups(c);
  EXPECT_EQ(p.total, g.total) << what;
  EXPECT_EQ(p.token_embedding, g.token_embedding) << what;
  EXPECT_EQ(p.position_embedding, g.position_embedding) << what;
  EXPECT_EQ(p.head, g.head) << what;
  EXPECT_EQ(p.attention, g.attention) << what;
  EXPECT_EQ(p.mlp, g.mlp) << what;
  EXPECT_EQ(p.norms, g.norms) << what;
  EXPECT_EQ(p.matrices, g.matrices) << what;
  EXPECT_EQ(p.nonembedding, g.attention + g.mlp + g.norms) << what;
  EXPECT_EQ(p.with_head, p.nonembedding + (c.tied ? g.token_embedding : g.head)) << what;
}

TEST(Accounting, EveryPresetAndVariantMatchesTheModuleByGroup) {
  for (const std::string& name : gpt_preset_names()) {
    for (int kv : {0, 2, 1}) {
      for (bool bias : {false, true}) {
        GptConfig c = preset(name);
        c.n_kv_head = kv;
        c.bias = bias;
        expect_counts_match_module(
            c, name + " kv=" + std::to_string(kv) + " bias=" + std::to_string(bias));
      }
    }
  }
  GptConfig c = preset("gpt2");
  c.norm_gain = false;
  expect_counts_match_module(c, "layernorm without gain");
  c.bias = true;
  expect_counts_match_module(c, "layernorm shift only");
}

// By hand, d = 48, L = 3, V = 61, T = 17, 4 heads of 12.
TEST(Accounting, PresetsByHand) {
  // gpt2: per layer 2 LayerNorm gains 2*48, qkv 48*144, out 48*48, MLP 2*48*192; final gain 48;
  // embeddings 61*48 + 17*48, tied head.
  const int64_t gpt2_layer = 96 + 48 * 144 + 48 * 48 + 2 * 48 * 192;  // 27,744
  ParamCounts g = count_params(preset("gpt2"));
  EXPECT_EQ(g.per_layer, 27744);
  EXPECT_EQ(g.per_layer, gpt2_layer);
  EXPECT_EQ(g.nonembedding, 3 * 27744 + 48);
  EXPECT_EQ(g.total, 3 * 27744 + 48 + 61 * 48 + 17 * 48);
  EXPECT_EQ(g.with_head, 3 * 27744 + 48 + 61 * 48);  // the tied head is counted as the head
  EXPECT_EQ(g.matrices, 3 * (48 * 144 + 48 * 48 + 2 * 48 * 192));

  // llama: d_ff = 2/3 * 192 = 128, rounded up to 256 -> 256; SwiGLU's 3 matrices; RMSNorm gains;
  // no position table; untied head 61*48.
  GptConfig lc = preset("llama");
  EXPECT_EQ(lc.ff(), 256);
  ParamCounts l = count_params(lc);
  EXPECT_EQ(l.per_layer, 96 + 48 * 144 + 48 * 48 + 3 * 48 * 256);
  EXPECT_EQ(l.position_embedding, 0);
  EXPECT_EQ(l.head, 61 * 48);
  EXPECT_EQ(l.total, 3 * (96 + 48 * 144 + 48 * 48 + 3 * 48 * 256) + 48 + 2 * 61 * 48);
  lc.ff_multiple = 32;  // 128 is already a multiple of 32
  EXPECT_EQ(lc.ff(), 128);
  lc.ff_multiple = 48;  // 128 -> 144
  EXPECT_EQ(lc.ff(), 144);

  // nanochat: parameter-free norms, ReLU^2 MLP of 4d, no position table, untied head.
  ParamCounts n = count_params(preset("nanochat"));
  EXPECT_EQ(n.norms, 0);
  EXPECT_EQ(n.per_layer, 48 * 144 + 48 * 48 + 2 * 48 * 192);
  EXPECT_EQ(n.nonembedding, n.matrices);
  EXPECT_EQ(n.total, 3 * n.per_layer + 2 * 61 * 48);

  // GQA with 1 key/value head of 12: qkv is 48 x (48 + 2 * 12).
  GptConfig q = preset("llama");
  q.n_kv_head = 1;
  EXPECT_EQ(count_params(q).attention, 3 * (48 * 72 + 48 * 48));
}

TEST(Accounting, VariantFlopsCountTheirOwnMatrices) {
  GptConfig c = preset("llama");
  c.n_kv_head = 2;  // k, v: 2 heads of 12 = 24 wide
  const FlopsPerToken f = flops_per_token(c);
  EXPECT_DOUBLE_EQ(f.chinchilla.attention_qkv, 3 * 2 * 48 * (48 + 2 * 24));
  EXPECT_DOUBLE_EQ(f.chinchilla.attention_output, 3 * 2 * 48 * 48);
  EXPECT_DOUBLE_EQ(f.chinchilla.attention_logits, 3 * 2 * 17 * 48);  // every query head: d wide
  EXPECT_DOUBLE_EQ(f.chinchilla.mlp, 3 * 2 * 3 * 48 * 256);          // SwiGLU: 3 matrices
  EXPECT_DOUBLE_EQ(f.kaplan_6n, 6.0 * static_cast<double>(count_params(c).nonembedding));
  EXPECT_DOUBLE_EQ(f.kaplan_6n_attention, f.kaplan_6n + 6.0 * 3 * 17 * 48);
  // The blocks' matrices are 2 FLOPs per parameter forward in appendix F.
  EXPECT_DOUBLE_EQ(f.chinchilla.attention_qkv + f.chinchilla.attention_output + f.chinchilla.mlp,
                   2.0 * static_cast<double>(count_params(c).matrices));
  // GPT-2's numbers are unchanged.
  EXPECT_DOUBLE_EQ(flops_per_token(preset("gpt2")).chinchilla.mlp, 3 * 2 * 2 * 48 * 192);
}

TEST(Accounting, ParamConventionsByNameAndColumn) {
  const ParamCounts p = count_params(preset("llama"));
  const std::vector<std::pair<std::string, int64_t>> want{{"non_embedding", p.nonembedding},
                                                          {"all", p.total},
                                                          {"nanochat", p.with_head},
                                                          {"matrices", p.matrices}};
  for (const auto& [name, n] : want) {
    auto c = parse_param_convention(name);
    ASSERT_TRUE(c.ok()) << name;
    EXPECT_EQ(param_convention_name(*c), name);
    EXPECT_EQ(params_under(p, *c), n) << name;
  }
  EXPECT_STREQ(param_convention_column(ParamConvention::kNonEmbedding), "params_nonembedding");
  EXPECT_STREQ(param_convention_column(ParamConvention::kAll), "params_total");
  EXPECT_STREQ(param_convention_column(ParamConvention::kNanochat), "params_with_head");
  EXPECT_STREQ(param_convention_column(ParamConvention::kMatrices), "params_matrices");
  auto bad = parse_param_convention("kaplan");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("non_embedding"), std::string::npos);
  // Strictly ordered on a variant with embeddings, a head and norms.
  EXPECT_LT(p.matrices, p.nonembedding);
  EXPECT_LT(p.nonembedding, p.with_head);
  EXPECT_LT(p.with_head, p.total);
}
}  // namespace
}  // namespace sl
