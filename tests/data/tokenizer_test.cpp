// Byte tokenizer: lossless round trip on every byte value; the registry names its tokenizers.
#include "data/tokenizer.h"

#include "gtest/gtest.h"

namespace sl {
TEST(ByteTokenizer, RoundTripsEveryByteAndUtf8) {
  auto tok = make_tokenizer("byte");
  ASSERT_TRUE(tok.ok()) << tok.status();
  EXPECT_EQ((*tok)->name(), "byte");
  EXPECT_EQ((*tok)->vocab_size(), 256);
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  all += "naïve café — ünïcödé";
  std::vector<uint16_t> ids = (*tok)->encode(all);
  ASSERT_EQ(ids.size(), all.size());
  for (size_t i = 0; i < 256; ++i) EXPECT_EQ(ids[i], i);
  EXPECT_EQ((*tok)->decode(ids), all);
}

TEST(ByteTokenizer, DecodesOutOfRangeIdsAsReplacementCharacter) {
  auto tok = make_tokenizer("byte");
  ASSERT_TRUE(tok.ok());
  EXPECT_EQ((*tok)->decode({'a', 300, 'b'}),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(MakeTokenizer, UnknownNameListsKnownOnes) {
  auto tok = make_tokenizer("bpe50k");
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.status().message().find("bpe50k"), std::string::npos);
  EXPECT_NE(tok.status().message().find("byte"), std::string::npos);
}
}  // namespace sl
