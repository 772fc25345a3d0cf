// nanoGPT's names for our Gpt: the exact list and order of its state_dict(), the shapes of
// nn.Linear (out, in), every parameter exported once (a tied head twice), no biases without bias,
// and GPTConfig's fields in the metadata.
#include "model/nanogpt_layout.h"

#include <gtest/gtest.h>

#include <set>

namespace sl {
namespace {
GptConfig shape(bool bias, bool tied) {
  GptConfig c;
  c.n_layer = 2;
  c.d_model = 16;
  c.n_head = 2;
  c.d_ff = 40;
  c.ctx = 8;
  c.vocab = 30;
  c.bias = bias;
  c.tied = tied;
  return c;
}

std::vector<std::string> names_of(const std::vector<NamedTensor>& sd) {
  std::vector<std::string> names;
  for (const auto& t : sd) names.push_back(t.name);
  return names;
}

TEST(NanogptLayout, BiasedUntiedModelHasNanogptsNamesOrderAndShapes) {
  Gpt model(shape(/*bias=*/true, /*tied=*/false));
  const auto sd = nanogpt_state_dict(*model);
  std::vector<std::string> expected{"transformer.wte.weight", "transformer.wpe.weight"};
  for (int i = 0; i < 2; ++i) {
    for (const char* layer :
         {"ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj"}) {
      for (const char* part : {"weight", "bias"}) {
        expected.push_back("transformer.h." + std::to_string(i) + "." + layer + "." + part);
      }
    }
  }
  for (const char* n :
       {"transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight", "lm_head.bias"}) {
    expected.push_back(n);
  }
  EXPECT_EQ(names_of(sd), expected);
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& t : sd) shapes[t.name] = t.value.sizes().vec();
  using S = std::vector<int64_t>;
  EXPECT_EQ(shapes["transformer.wte.weight"], (S{30, 16}));
  EXPECT_EQ(shapes["transformer.wpe.weight"], (S{8, 16}));
  EXPECT_EQ(shapes["transformer.h.1.ln_1.bias"], (S{16}));
  EXPECT_EQ(shapes["transformer.h.0.attn.c_attn.weight"], (S{48, 16}));  // (3C, C)
  EXPECT_EQ(shapes["transformer.h.0.attn.c_attn.bias"], (S{48}));
  EXPECT_EQ(shapes["transformer.h.0.attn.c_proj.weight"], (S{16, 16}));
  EXPECT_EQ(shapes["transformer.h.0.mlp.c_fc.weight"], (S{40, 16}));  // (F, C): out, in
  EXPECT_EQ(shapes["transformer.h.0.mlp.c_proj.weight"], (S{16, 40}));
  EXPECT_EQ(shapes["lm_head.weight"], (S{30, 16}));
  EXPECT_EQ(shapes["lm_head.bias"], (S{30}));
  // Each entry is the module's own parameter, and every parameter is exported exactly once.
  std::set<const void*> exported;
  for (const auto& t : sd) EXPECT_TRUE(exported.insert(t.value.data_ptr()).second) << t.name;
  EXPECT_EQ(exported.size(), model->parameters().size());
  EXPECT_EQ(sd[0].value.data_ptr(), model->wte->weight.data_ptr());
  EXPECT_EQ(sd[4].value.data_ptr(),
            model->blocks->at<BlockImpl>(0).attn->c_attn->weight.data_ptr());
}

TEST(NanogptLayout, TiedModelWithoutBiasWritesWteAsTheHeadAndNoBiases) {
  Gpt model(shape(/*bias=*/false, /*tied=*/true));
  const auto sd = nanogpt_state_dict(*model);
  const auto names = names_of(sd);
  EXPECT_EQ(sd.size(), 2u + 2 * 6 + 1 + 1);  // embeddings, 6 weights a block, ln_f, lm_head
  for (const auto& n : names) EXPECT_EQ(n.find(".bias"), std::string::npos) << n;
  EXPECT_EQ(names.back(), "lm_head.weight");
  EXPECT_EQ(sd.back().value.data_ptr(), model->wte->weight.data_ptr());
  EXPECT_EQ(model->parameters().size(), sd.size() - 1);  // the head is wte
}

TEST(NanogptLayout, MetadataIsGptConfigAndGapsNameWhatModelPyCannotHold) {
  GptConfig c = shape(/*bias=*/true, /*tied=*/false);
  c.dropout = 0.1;
  const std::map<std::string, std::string> expected{
      {"block_size", "8"}, {"vocab_size", "30"}, {"n_layer", "2"},
      {"n_head", "2"},     {"n_embd", "16"},     {"dropout", "0.1"},
      {"bias", "true"},    {"tied", "false"},    {"d_ff", "40"}};
  EXPECT_EQ(nanogpt_config_metadata(c), expected);
  const auto gaps = nanogpt_model_py_gaps(c);
  ASSERT_EQ(gaps.size(), 3u);
  EXPECT_NE(gaps[0].find("untied"), std::string::npos);
  EXPECT_NE(gaps[1].find("40 wide"), std::string::npos);
  EXPECT_NE(gaps[2].find("lm_head.bias"), std::string::npos);
  GptConfig plain = shape(/*bias=*/false, /*tied=*/true);
  plain.d_ff = 0;
  EXPECT_TRUE(nanogpt_model_py_gaps(plain).empty());
  EXPECT_EQ(nanogpt_config_metadata(plain).at("d_ff"), "64");
  EXPECT_EQ(nanogpt_config_metadata(plain).at("bias"), "false");
  EXPECT_EQ(nanogpt_config_metadata(plain).count("norm"), 0u);  // GPT-2's keys: nanoGPT's map only
  GptConfig llama = plain;
  ASSERT_TRUE(apply_gpt_preset("llama", &llama).ok());
  llama.n_kv_head = 1;
  auto m = nanogpt_config_metadata(llama);
  EXPECT_EQ(m.at("norm"), "rmsnorm");
  EXPECT_EQ(m.at("pos"), "rope");
  EXPECT_EQ(std::stod(m.at("rope_theta")), 10000.0);
  EXPECT_EQ(m.at("mlp"), "swiglu");
  EXPECT_EQ(m.at("n_kv_head"), "1");
  EXPECT_EQ(m.count("qk_norm"), 0u);
  std::string all_gaps;  // what nanoGPT's model.py cannot hold, one sentence per variant key
  for (const auto& g : nanogpt_model_py_gaps(llama)) all_gaps += g + "\n";
  for (const char* part :
       {"model.tied", "model.norm", "model.pos: rope", "swiglu (model.mlp)", "model.n_kv_head 1"})
    EXPECT_NE(all_gaps.find(part), std::string::npos) << part << " in\n" << all_gaps;
}
}  // namespace
}  // namespace sl
