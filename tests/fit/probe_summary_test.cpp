// fit/probe_summary.h: the report's probe table keeps each run's last eval point only, averages a
// metric over templates, and orders rows by size.
#include "fit/probe_summary.h"

#include "gtest/gtest.h"

namespace sl {
namespace {
TEST(ProbeSummary, LastStepPerRunMetricsSideBySideAveragedOverTemplates) {
  auto t = parse_csv_table(
      "run_id,step,tokens,flops,params,task,difficulty,shots,template,metric,value\n"
      "big,10,100,1,2000,copy,1,0,0,exact_match,0\n"
      "big,20,200,1,2000,copy,1,0,0,exact_match,0.5\n"
      "big,20,200,1,2000,copy,1,0,1,exact_match,1\n"
      "big,20,200,1,2000,copy,1,0,0,loglik,-3\n"
      "big,20,200,1,2000,copy,1,0,1,loglik,-5\n"
      "small,30,300,1,1000,copy,1,0,0,exact_match,0.25\n"
      "small,30,300,1,1000,copy,2,0,0,exact_match,0\n",
      "probes.csv");
  ASSERT_TRUE(t.ok()) << t.status();
  auto s = summarize_probes(*t);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->header, (std::vector<std::string>{"run_id", "params", "tokens", "task", "difficulty",
                                                 "shots", "exact_match", "loglik"}));
  ASSERT_EQ(s->rows.size(), 3u);
  // The smaller model first; its difficulties each a row; no loglik measured: an empty cell.
  EXPECT_EQ(s->rows[0],
            (std::vector<std::string>{"small", "1000", "300", "copy", "1", "0", "0.25", ""}));
  EXPECT_EQ(s->rows[1][4], "2");
  // big's step 10 row is dropped; the two templates average: (0.5+1)/2, (-3-5)/2.
  EXPECT_EQ(s->rows[2],
            (std::vector<std::string>{"big", "2000", "200", "copy", "1", "0", "0.75", "-4"}));
}

TEST(ProbeSummary, AMissingColumnIsNamed) {
  auto t = parse_csv_table("run_id,step\nx,1\n", "/tmp/p/probes.csv");
  ASSERT_TRUE(t.ok());
  auto s = summarize_probes(*t);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("/tmp/p/probes.csv"), std::string::npos) << s.status();
  EXPECT_NE(s.status().message().find("tokens"), std::string::npos) << s.status();
}
}  // namespace
}  // namespace sl
