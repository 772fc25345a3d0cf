// Numbers as people write them: the shortest text that reads back exactly, SI counts, durations.
#include "core/format.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace sl {
namespace {
TEST(Format, ShortestRoundTrip) {
  EXPECT_EQ(format_shortest(0.1), "0.1");
  EXPECT_EQ(format_shortest(0.003), "0.003");
  EXPECT_EQ(format_shortest(3e-4), "0.0003");
  EXPECT_EQ(format_shortest(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(format_shortest(1e20), "1e+20");
  for (double v : {0.1 + 0.2, 6.02214076e23, -2.5e-310, 123456789.125}) {
    EXPECT_EQ(std::strtod(format_shortest(v).c_str(), nullptr), v) << format_shortest(v);
  }
}

TEST(Format, SiCountsAndDurations) {
  EXPECT_EQ(format_si(150000), "150k");
  EXPECT_EQ(format_duration(3725), "1h02m");
}
}  // namespace
}  // namespace sl
