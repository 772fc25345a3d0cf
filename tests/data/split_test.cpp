// Train/val split: deterministic, the requested fraction to the token, corpus order kept.
#include "data/split.h"

#include <algorithm>
#include <cmath>
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

TEST(Split, FractionToTheTokenAndNothingLost) {
  auto docs = make_documents(300, 20, 200);
  int64_t total = 0;
  for (auto& d : docs) total += d.size();
  for (double f : {0.05, 0.1, 0.3}) {
    SplitOptions o;
    o.val_fraction = f;
    auto s = split_train_val(docs, o);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(int64_t(s->train.size() + s->val.size()), total);
    EXPECT_EQ(int64_t(s->val.size()), std::llround(f * total));
    EXPECT_EQ(s->units, 300);
  }
}

// The case: 8 units of 65,536 tokens and 0.1 asked gave 1 unit, 12.5%, in val.
TEST(Split, FewLargeUnitsStillGiveTheFractionAsked) {
  std::vector<std::vector<uint16_t>> one(1, std::vector<uint16_t>(8 * 65536));
  for (size_t i = 0; i < one[0].size(); ++i) one[0][i] = static_cast<uint16_t>(i);
  auto s = split_train_val(one, SplitOptions{0.1, 3, 65536});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->units, 8);
  EXPECT_EQ(s->val.size(), 52429u);  // round(0.1 * 524288)
  EXPECT_EQ(s->val_units, 0);
  EXPECT_TRUE(s->cut);
  // The cut unit's head is in val and its tail in train: each token exactly once over the two.
  std::vector<int> seen(65536, 0);
  for (uint16_t t : s->val) ++seen[t];
  for (uint16_t t : s->train) ++seen[t];
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 8; }));
  EXPECT_EQ(s->val[0] % 65536, 0);  // val starts at its unit's first token
}

TEST(Split, WholeDocumentsKeepTheirOrderInEachSplit) {
  auto docs = make_documents(50, 10, 30);
  auto s = split_train_val(docs, SplitOptions{0.2, 9, 1000});
  ASSERT_TRUE(s.ok());
  // Walk val: documents appear whole, in increasing order, except the one cut at the target,
  // of which val holds the head.
  size_t pos = 0;
  int last_doc = -1, partial = 0;
  while (pos < s->val.size()) {
    int d = s->val[pos] / 100;
    EXPECT_GT(d, last_doc);
    size_t len = 0;  // the run of document d's tokens (they encode d) starting at pos
    while (pos + len < s->val.size() && s->val[pos + len] / 100 == d) ++len;
    ASSERT_LE(len, docs[d].size());
    EXPECT_TRUE(std::equal(docs[d].begin(), docs[d].begin() + len, s->val.begin() + pos));
    partial += len < docs[d].size();
    pos += len;
    last_doc = d;
  }
  EXPECT_LE(partial, 1);
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
  auto s = split_train_val(one, SplitOptions{0.1, 0, 65536});  // one unit: cut at 10 tokens
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->val.size(), 10u);
  s = split_train_val(one, SplitOptions{1.0, 0, 10});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("--val-fraction 1"), std::string::npos);
  s = split_train_val(one, SplitOptions{0.999, 0, 10});  // rounds to all 100 tokens
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("both splits need at least one"),
            std::string::npos)
      << s.status();
  s = split_train_val(one, SplitOptions{0.85, 0, 10});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->train.size(), 15u);
  s = split_train_val({}, SplitOptions{0.1, 0, 10});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("the corpus has 0 tokens"), std::string::npos);
}
}  // namespace sl
