// Bits per byte, exact for any tokenizer: the bytes under the eval targets counted from the
// tokenizer's piece lengths, checked by hand on a small table and end to end on a BPE text with a
// model whose logits are all zero (uniform: loss ln V, so bits per byte = log2 V x targets / bytes).
#include <gtest/gtest.h>

#include <cmath>

#include "data/sentencepiece_tokenizer.h"
#include "model/gpt.h"
#include "train/evaluate.h"

namespace sl {
TEST(BitsPerByte, HandComputedOnATable) {
  // Targets are windows[:, 1:]: 1, 2, 2, 1 -> 3 + 5 + 5 + 3 = 16 bytes over 4 tokens.
  const auto windows = torch::tensor({0, 1, 2, 2, 2, 1}, torch::kLong).reshape({2, 3});
  EXPECT_DOUBLE_EQ(target_bytes_per_token(windows, {1, 3, 5}), 4.0);
  EXPECT_DOUBLE_EQ(bits_per_byte(8 * std::log(2.0), 4.0), 2.0);  // 8 bits a token, 4 bytes a token
  EXPECT_TRUE(std::isnan(bits_per_byte(1.0, 0.0)));
}

TEST(BitsPerByte, UniformModelOnBpeTextEqualsTheHandComputation) {
  std::string text;
  for (int i = 0; i < 200; ++i)
    text +=
        "It is a truth universally acknowledged, that a single man in possession of a good "
        "fortune, must be in want of a wife " +
        std::to_string(i % 7) + ".\n";
  auto model_bytes = SentencePieceTokenizer::train(text, {"bpe", 300}, 0);
  ASSERT_TRUE(model_bytes.ok()) << model_bytes.status();
  auto tok = SentencePieceTokenizer::load(*model_bytes, "bpe", "test");
  ASSERT_TRUE(tok.ok()) << tok.status();
  const std::string sample = "It is a truth universally acknowledged, that a single man 3.\n";
  const std::vector<uint16_t> ids = (*tok)->encode(sample);
  ASSERT_GT(ids.size(), 4u);
  // One window of all the ids: targets are ids[1:], which decode to the text after the first piece.
  const int64_t targets = static_cast<int64_t>(ids.size()) - 1;
  const int64_t bytes = static_cast<int64_t>(sample.size() - (*tok)->decode({ids[0]}).size());
  const auto window =
      torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kLong).reshape({1, -1});
  const double per_token = target_bytes_per_token(window, (*tok)->token_bytes());
  EXPECT_DOUBLE_EQ(per_token, static_cast<double>(bytes) / targets);

  GptConfig c;
  c.n_layer = 1;
  c.d_model = 16;
  c.n_head = 2;
  c.ctx = targets;
  c.vocab = 300;
  Gpt model(c);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.zero_();
  }
  const double loss = evaluate_loss(model, window, 1, torch::kCPU, false);
  EXPECT_NEAR(loss, std::log(300.0), 1e-5);
  EXPECT_NEAR(bits_per_byte(loss, per_token), std::log2(300.0) * targets / bytes, 1e-5);
}
}  // namespace sl
