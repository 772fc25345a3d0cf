// MixtureSampler: a 0.25/0.75 mixture gives those shares of 10k windows within 2%, windows stay
// inside their source, one source is the plain WindowSampler stream, and the stream is a pure
// function of (seed, index).
#include "data/mixture_sampler.h"

#include <cmath>

#include "gtest/gtest.h"

namespace sl {
TEST(MixtureSampler, SharesOfTenThousandWindowsMatchTheWeights) {
  for (uint64_t seed : {1ull, 2ull, 12345ull}) {
    MixtureSampler s({50000, 200000}, {0.25, 0.75}, 33, seed);
    int counts[2] = {0, 0};
    for (int64_t i = 0; i < 10000; ++i) {
      const MixedWindow w = s.window(i);
      ASSERT_TRUE(w.source == 0 || w.source == 1);
      ++counts[w.source];
      ASSERT_GE(w.start, 0);
      ASSERT_LE(w.start + 33, w.source == 0 ? 50000 : 200000);
    }
    EXPECT_NEAR(counts[0] / 10000.0, 0.25, 0.02) << "seed " << seed;
    EXPECT_NEAR(counts[1] / 10000.0, 0.75, 0.02) << "seed " << seed;
  }
  // Relative weights: [1, 3] is the same mixture as [0.25, 0.75].
  MixtureSampler a({1000, 1000}, {1, 3}, 10, 9), b({1000, 1000}, {0.25, 0.75}, 10, 9);
  for (int64_t i = 0; i < 500; ++i) {
    ASSERT_EQ(a.window(i).source, b.window(i).source);
    ASSERT_EQ(a.window(i).start, b.window(i).start);
  }
}

TEST(MixtureSampler, OneSourceIsThePlainStream) {
  MixtureSampler m({100000}, {1.0}, 65, 42, /*unique_tokens=*/5000);
  WindowSampler w(100000, 65, 42, 5000);
  for (int64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(m.window(i).source, 0);
    ASSERT_EQ(m.window(i).start, w.start(i));
  }
}

TEST(MixtureSampler, ThreeSourcesAndUniqueLimits) {
  MixtureSampler s({10000, 20000, 30000}, {1, 1, 2}, 17, 5, /*unique_tokens=*/4000);
  int counts[3] = {0, 0, 0};
  for (int64_t i = 0; i < 20000; ++i) {
    const MixedWindow w = s.window(i);
    ++counts[w.source];
    ASSERT_LE(w.start + 17, 4000);  // each source's first 4000 tokens only
  }
  EXPECT_NEAR(counts[0] / 20000.0, 0.25, 0.02);
  EXPECT_NEAR(counts[1] / 20000.0, 0.25, 0.02);
  EXPECT_NEAR(counts[2] / 20000.0, 0.50, 0.02);
  EXPECT_EQ(s.window(777).start,
            MixtureSampler({10000, 20000, 30000}, {1, 1, 2}, 17, 5, 4000).window(777).start);
}
}  // namespace sl
