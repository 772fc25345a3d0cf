// CSV cells are quoted as RFC 4180 says and every row is one line; numbers print as %.10g, NaN
// empty.
#include "core/csv.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sl {
namespace {
TEST(Csv, CellsAreQuotedAndOneLinePerRow) {
  CsvWriter w;
  w.header = {"a", "b", "c"};
  w.rows = {{"1", "x,y", "say \"hi\"\nthen"}};
  EXPECT_EQ(w.str(), "a,b,c\n1,\"x,y\",\"say \"\"hi\"\" | then\"\n");
  EXPECT_EQ(csv_number(NAN), "");
  EXPECT_EQ(csv_number(1e13), "1e+13");
  EXPECT_EQ(csv_number(2.5), "2.5");
}
}  // namespace
}  // namespace sl
