// Train/val split: deterministic, the requested fraction to within one unit, corpus order kept.
#include "data/split.h"

#include <numeric>

#include "gtest/gtest.h"

namespace sl {
namespace {
// Documents whose tokens encode (document, position) so the output shows where each token came
// from.
std::vector<std::vector<uint16_t>> make_documents(int n_docs, int min_len, int max_len) {
  std::vector<std::vector<uint16_t>> docs;
  for (int d = 0; d < n_docs; ++d) {
    int len = min_len + (d * 37) % (max_len - min_len + 1);
    std::vector<uint16_t> doc(len);
    for (int i = 0; i < len; ++i) doc[i] = static_cast<uint16_t>(d * 100 + i % 100);
    docs.push_back(doc);
  }
  return docs;
}
}  // namespace

TEST(Split, DeterministicAndSeedDependent) {
  auto docs = make_documents(200, 50, 150);
  SplitOptions o;
  o.seed = 5;
  auto a = split_train_val(docs, o), b = split_train_val(docs, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->train, b->train);
  EXPECT_EQ(a->val, b->val);
  o.seed = 6;
  auto c = split_train_val(docs, o);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->val, c->val);
}

TEST(Split, FractionWithinOneUnitAndNothingLost) {
  auto docs = make_documents(300, 20, 200);
  int64_t total = 0;
  for (auto& d : docs) total += d.size();
  for (double f : {0.05, 0.1, 0.3}) {
    SplitOptions o;
    o.val_fraction = f;
    auto s = split_train_val(docs, o);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(int64_t(s->train.size() + s->val.size()), total);
    EXPECT_GE(double(s->val.size()), f * total);
    EXPECT_LT(double(s->val.size()), f * total + 200);  // overshoot < one unit (<= 200 tokens)
    EXPECT_EQ(s->units, 300);
  }
}

TEST(Split, WholeDocumentsKeepTheirOrderInEachSplit) {
  auto docs = make_documents(50, 10, 30);
  auto s = split_train_val(docs, SplitOptions{0.2, 9, 1000});
  ASSERT_TRUE(s.ok());
  // Walk val: every document appears whole and documents appear in increasing order.
  size_t pos = 0;
  int last_doc = -1;
  while (pos < s->val.size()) {
    int d = s->val[pos] / 100;
    EXPECT_GT(d, last_doc);
    ASSERT_LE(pos + docs[d].size(), s->val.size());
    EXPECT_TRUE(std::equal(docs[d].begin(), docs[d].end(), s->val.begin() + pos));
    pos += docs[d].size();
    last_doc = d;
  }
}

TEST(Split, LongDocumentIsCutIntoBlocks) {
  std::vector<std::vector<uint16_t>> one(1, std::vector<uint16_t>(10000));
  std::iota(one[0].begin(), one[0].end(), 0);
  auto s = split_train_val(one, SplitOptions{0.1, 0, 1000});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->units, 10);
  EXPECT_EQ(s->val_units, 1);
  EXPECT_EQ(s->val.size(), 1000u);
  EXPECT_EQ(s->val[0] % 1000, 0);  // a block starts at a block boundary
}

TEST(Split, ErrorsSayWhatToChange) {
  std::vector<std::vector<uint16_t>> one(1, std::vector<uint16_t>(100, 1));
  auto s = split_train_val(one, SplitOptions{0.1, 0, 65536});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("lower --block-tokens"), std::string::npos);
  s = split_train_val(one, SplitOptions{1.0, 0, 10});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("--val-fraction 1"), std::string::npos);
  s = split_train_val(one, SplitOptions{0.95, 0, 10});  // 10 units of 10: val takes all 10
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("leaves no unit for train"), std::string::npos);
  s = split_train_val(one, SplitOptions{0.85, 0, 10});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->train.size(), 10u);
}
}  // namespace sl
