// prepare_dataset end to end in-process: a text directory and a Markov source become datasets that
// open_token_dataset accepts, byte for byte the same on a second run.
#include "data/prepare.h"

#include <algorithm>
#include <cmath>

#include "data/tokenizer.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace sl {
using testing::fresh_temp_dir;
using testing::write_text;

TEST(Prepare, DefaultOutDirs) {
  EXPECT_EQ(default_out_dir("brown"), "out/data/brown");
  EXPECT_EQ(default_out_dir("synthetic:markov"), "out/data/markov");
  EXPECT_EQ(default_out_dir("synthetic:markov?order=2&symbols=32"),
            "out/data/markov-order2-symbols32");
  EXPECT_EQ(default_out_dir("/some/where/shakespeare.txt"), "out/data/shakespeare");
}

TEST(Prepare, UnigramEntropy) {
  EXPECT_NEAR(unigram_entropy_nats({1, 2, 3, 4}), std::log(4.0), 1e-12);
  EXPECT_NEAR(unigram_entropy_nats({7, 7, 7}), 0.0, 1e-12);
}

TEST(Prepare, TextDirectoryRoundTripsAndIsDeterministic) {
  auto root = fresh_temp_dir();
  std::string all;
  for (int i = 0; i < 40; ++i) {
    std::string text;
    for (int k = 0; k < 30; ++k)
      text += "document " + std::to_string(i) + " line " + std::to_string(k) + "\n";
    write_text(root / "src" / ("doc" + std::to_string(100 + i) + ".txt"), text);
    all += text;
  }
  PrepareOptions o;
  o.source = (root / "src").string();
  o.out_dir = (root / "out1").string();
  o.split.val_fraction = 0.25;
  o.split.seed = 3;
  auto meta = prepare_dataset(o);
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(meta->train_tokens + meta->val_tokens, int64_t(all.size()));
  EXPECT_GE(meta->val_tokens, int64_t(0.25 * all.size()));
  EXPECT_LT(meta->val_tokens, int64_t(0.25 * all.size()) + 800);  // < one document more
  EXPECT_DOUBLE_EQ(meta->bytes_per_token, 1.0);
  EXPECT_EQ(meta->entropy_rate_nats, -1);

  auto ds = open_token_dataset(o.out_dir, /*verify_checksums=*/true);
  ASSERT_TRUE(ds.ok()) << ds.status();
  EXPECT_EQ(ds->meta.source, o.source);
  EXPECT_EQ(ds->meta.train_checksum, meta->train_checksum);
  // Every byte of the corpus is in exactly one split: the byte histograms add up.
  auto tok = make_tokenizer("byte");
  std::string train = (*tok)->decode({ds->train->data(), ds->train->data() + ds->train->size()});
  std::string val = (*tok)->decode({ds->val->data(), ds->val->data() + ds->val->size()});
  std::string joined = train + val, expected = all;
  std::sort(joined.begin(), joined.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(joined, expected);
  EXPECT_EQ(val.rfind("document ", 0), 0u);  // val starts at a document boundary

  o.out_dir = (root / "out2").string();
  auto again = prepare_dataset(o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->train_checksum, meta->train_checksum);
  EXPECT_EQ(again->val_checksum, meta->val_checksum);
}

TEST(Prepare, MarkovSourceStoresEntropyRate) {
  auto root = fresh_temp_dir();
  PrepareOptions o;
  o.source = "synthetic:markov?symbols=6&tokens=200000&seed=4";
  o.out_dir = (root / "markov").string();
  o.split.block_tokens = 4096;
  auto meta = prepare_dataset(o);
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(meta->train_tokens + meta->val_tokens, 200000);
  EXPECT_GT(meta->entropy_rate_nats, 0.1);
  // The unigram entropy bounds the entropy rate from above (conditioning never adds entropy).
  EXPECT_GT(meta->unigram_entropy_nats, meta->entropy_rate_nats);
  EXPECT_LE(meta->unigram_entropy_nats, std::log(6.0) + 1e-9);
  auto ds = open_token_dataset(o.out_dir, true);
  ASSERT_TRUE(ds.ok()) << ds.status();
  EXPECT_DOUBLE_EQ(ds->meta.entropy_rate_nats, meta->entropy_rate_nats);
  EXPECT_EQ(ds->meta.source, "synthetic:markov?symbols=6&order=1&alpha=0.2&tokens=200000&seed=4");
  EXPECT_EQ(ds->max_token, 'f');
}

TEST(Prepare, UnwritableOutputFailsBeforeLoading) {
  auto root = fresh_temp_dir();
  write_text(root / "file", "x");
  PrepareOptions o;
  o.source = "brown";  // would download; must fail on the output directory first
  o.out_dir = (root / "file" / "sub").string();
  auto meta = prepare_dataset(o);
  ASSERT_FALSE(meta.ok());
  EXPECT_NE(std::string(meta.status().message()).find("output directory"), std::string::npos);
}
}  // namespace sl
