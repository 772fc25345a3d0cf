// WindowSampler: a pure function of (seed, index); in range; uniform; honours the unique-token
// limit.
#include "data/window_sampler.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace sl {
TEST(SplitMix64, MatchesReferenceValues) {
  // Reference: the first outputs of Vigna's splitmix64.c seeded with 0 are splitmix64(k*golden).
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafull);
  EXPECT_EQ(splitmix64(0x9e3779b97f4a7c15ull), 0x6e789e6aa1b965f4ull);
}

TEST(WindowSampler, SameSeedSameStreamAnyOrder) {
  WindowSampler a(100000, 65, 42), b(100000, 65, 42), c(100000, 65, 43);
  std::vector<int64_t> forward;
  for (int64_t i = 0; i < 1000; ++i) forward.push_back(a.start(i));
  int differ = 0;
  for (int64_t i = 999; i >= 0; --i) {
    EXPECT_EQ(b.start(i), forward[i]);  // random access: resume at any index
    differ += c.start(i) != forward[i];
  }
  EXPECT_GT(differ, 990);
}

TEST(WindowSampler, StartsStayInRangeAndReachBothEnds) {
  const int64_t n = 50;
  const int window = 10;
  WindowSampler s(n, window, 7);
  EXPECT_EQ(s.num_starts(), 41);
  std::vector<int> seen(s.num_starts(), 0);
  for (int64_t i = 0; i < 20000; ++i) {
    int64_t st = s.start(i);
    ASSERT_GE(st, 0);
    ASSERT_LE(st + window, n);
    ++seen[st];
  }
  for (int64_t k = 0; k < s.num_starts(); ++k) EXPECT_GT(seen[k], 0) << "start " << k;
}

TEST(WindowSampler, StartsAreUniform) {
  // Chi-square over 100 equal buckets of starts; 99 dof: mean 99, sd 14; 170 is > 5 sd.
  WindowSampler s(1000000 + 99, 100, 3);
  ASSERT_EQ(s.num_starts(), 1000000);
  const int buckets = 100, draws = 200000;
  std::vector<double> counts(buckets, 0);
  for (int64_t i = 0; i < draws; ++i) counts[s.start(i) / (s.num_starts() / buckets)] += 1;
  const double expected = double(draws) / buckets;
  double chi2 = 0;
  for (double c : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 170.0);
  EXPECT_GT(chi2, 40.0);  // far too even would mean it is not random either
}

TEST(WindowSampler, UniqueTokenLimitConfinesWindows) {
  WindowSampler s(1000000, 33, 11, /*unique_tokens=*/500);
  EXPECT_EQ(s.limit(), 500);
  EXPECT_EQ(s.num_starts(), 468);
  int64_t max_end = 0;
  for (int64_t i = 0; i < 20000; ++i) max_end = std::max(max_end, s.start(i) + 33);
  EXPECT_EQ(max_end, 500);  // reaches the limit, never beyond
  WindowSampler unlimited(400, 33, 11, /*unique_tokens=*/5000);
  EXPECT_EQ(unlimited.limit(), 400);  // a limit above the file size changes nothing
}

TEST(CheckWindowFits, ReportsFileTooShortForOneWindow) {
  EXPECT_TRUE(check_window_fits("val.bin", 1000, 257).ok());
  EXPECT_TRUE(check_window_fits("val.bin", 257, 257).ok());
  absl::Status s = check_window_fits("out/data/x/val.bin", 100, 257);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message())
                .rfind("out/data/x/val.bin has 100 tokens, fewer than one window "
                       "of ctx+1 = 257",
                       0),
            0u)
      << s.message();
  s = check_window_fits("train.bin", 100000, 257, /*unique_tokens=*/100);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("unique-token limit 100"), std::string::npos);
}

TEST(WindowSamplerDeathTest, ConstructorAbortsWhenWindowDoesNotFit) {
  EXPECT_DEATH(WindowSampler(10, 11, 0), "does not fit");
}
}  // namespace sl
