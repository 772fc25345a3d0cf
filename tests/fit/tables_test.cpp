// Reading tables: CSV quoting, --where filters, column choice, and the errors a user sees.
#include <gtest/gtest.h>

#include "fit/scaling_points.h"

namespace sl {
namespace {
const char* kSummary =
    "run_id,params_nonembedding,tokens,flops_6n,final_val_loss,status,reason\n"
    "r1,1000,20000,1.2e8,3.5,done,\n"
    "r2,2000,40000,4.8e8,3.1,done,\n"
    "r3,4000,80000,1.92e9,,diverged,\"loss nan, step 12\"\n"
    "r4,8000,160000,7.68e9,2.6,done,\n";

CsvTable summary() { return *parse_csv_table(kSummary, "summary.csv"); }

TEST(CsvTable, ParsesQuotedCellsWithCommasAndQuotes) {
  auto t = parse_csv_table("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n1,2\n", "t.csv");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0][0], "x, y");
  EXPECT_EQ(t->rows[0][1], "say \"hi\"");
  EXPECT_EQ(summary().rows[2][6], "loss nan, step 12");
}

TEST(CsvTable, RaggedRowIsAnError) {
  auto t = parse_csv_table("a,b\n1,2,3\n", "t.csv");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(std::string(t.status().message()).find("t.csv: row 2 has 3 cells"), std::string::npos)
      << t.status();
}

TEST(ScalingData, DropsRowsNotDoneWithANote) {
  auto d = scaling_data_from_table(summary(), FitColumns{}, {});
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->points.size(), 3u);
  EXPECT_EQ(d->points[2].run_id, "r4");
  EXPECT_DOUBLE_EQ(d->points[1].c, 6.0 * 2000 * 40000);
  ASSERT_EQ(d->notes.size(), 1u);
  EXPECT_EQ(d->notes[0], "dropped 1 rows whose status is diverged (not done)");
}

TEST(ScalingData, ComputeColumnGivesDAsCOver6N) {
  FitColumns cols;
  cols.c_col = "flops_6n";
  auto d = scaling_data_from_table(summary(), cols, {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_DOUBLE_EQ(d->points[0].d, 1.2e8 / 6000.0);
}

TEST(ScalingData, WhereFiltersUseColumnsAndAliases) {
  std::vector<RowFilter> filters{*parse_row_filter("loss < 3.4"), *parse_row_filter("run_id!=r4")};
  auto d = scaling_data_from_table(summary(), FitColumns{}, filters);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->points.size(), 1u);
  EXPECT_EQ(d->points[0].run_id, "r2");
  EXPECT_EQ(d->notes[0], "--where 'loss < 3.4' dropped 2 rows");  // r1 (3.5) and r3 (empty)
}

TEST(ScalingData, WhereValuesTakeTheSpecsNumberSuffixes) {
  auto f = parse_row_filter("D>=150k");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->numeric);
  EXPECT_DOUBLE_EQ(f->number, 150e3);
  EXPECT_DOUBLE_EQ(parse_row_filter("N < 1.5M")->number, 1.5e6);
  EXPECT_DOUBLE_EQ(parse_row_filter("C<=2e13")->number, 2e13);
}

TEST(ScalingData, BadFilterAndMissingColumnErrorsSayWhatToChange) {
  auto bad = parse_row_filter("loss ~ 3");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("COLUMN OP VALUE"), std::string::npos);
  EXPECT_FALSE(parse_row_filter("shape<abc").ok());  // text only compares with == and !=

  FitColumns cols;
  cols.n_col = "params";
  auto d = scaling_data_from_table(summary(), cols, {});
  ASSERT_FALSE(d.ok());
  std::string msg(d.status().message());
  EXPECT_NE(msg.find("summary.csv: no column 'params' (choose another with --n-col)"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("params_nonembedding"), std::string::npos) << msg;  // lists what there is
}

TEST(ScalingData, EmptyBudgetCellsMeanGroupByCompute) {
  auto t = parse_csv_table(
      "params_nonembedding,tokens,final_val_loss,flops_budget\n1,2,3,1e9\n2,2,3,\n", "s.csv");
  auto d = scaling_data_from_table(*t, FitColumns{}, {});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->has_budget);
  EXPECT_EQ(d->points[0].budget, 1e9);
  EXPECT_NE(d->notes.back().find("grouped by C instead"), std::string::npos);
  auto full = parse_csv_table("params_nonembedding,tokens,final_val_loss,flops_budget\n1,2,3,1e9\n",
                              "s.csv");
  EXPECT_TRUE(scaling_data_from_table(*full, FitColumns{}, {})->has_budget);
}

TEST(ScalingData, NonPositiveValueNamesTheLine) {
  auto t =
      parse_csv_table("params_nonembedding,tokens,final_val_loss\n100,1000,3\n0,1000,3\n", "s.csv");
  auto d = scaling_data_from_table(*t, FitColumns{}, {});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(std::string(d.status().message())
                .find("s.csv:3: column 'params_nonembedding' is 0 but must be > 0"),
            std::string::npos)
      << d.status();
  auto text = parse_csv_table("params_nonembedding,tokens,final_val_loss\n100,1000,abc\n", "s.csv");
  auto e = scaling_data_from_table(*text, FitColumns{}, {});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(std::string(e.status().message()).find("holds 'abc', not a number"), std::string::npos)
      << e.status();
}
}  // namespace
}  // namespace sl
