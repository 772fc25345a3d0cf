// Each metric on hand-computed examples.
#include <algorithm>
#include <cmath>

#include "gtest/gtest.h"
#include "probes/metrics.h"
#include "probes/probe_table.h"

namespace sl {
namespace {
std::vector<uint16_t> toks(const std::string& s) {
  return std::vector<uint16_t>(s.begin(), s.end());
}

TEST(ProbeMetrics, EditDistance) {
  EXPECT_EQ(token_edit_distance(toks("kitten"), toks("sitting")), 3);
  EXPECT_EQ(token_edit_distance(toks(""), toks("abc")), 3);
  EXPECT_EQ(token_edit_distance(toks("125"), toks("125")), 0);
  EXPECT_EQ(token_edit_distance(toks("521"), toks("125")), 2);
  EXPECT_EQ(token_edit_distance(toks("12"), toks("125")), 1);
}

TEST(ProbeMetrics, InstanceScoreByHand) {
  // Answer "42": token '4' predicted right with p = 0.5 (other mass 0.3 + 0.2 on two tokens),
  // token '2' wrong: argmax '7' at 0.6, target '2' at 0.4.
  AnswerTokenStats t1{'4', std::log(0.5), '4', 0.5, 0.25 + 0.09 + 0.04};
  AnswerTokenStats t2{'2', std::log(0.4), '7', 0.6, 0.36 + 0.16};
  InstanceScore s = score_instance(toks("42"), toks("47"), {t1, t2});
  EXPECT_EQ(s.exact_match, 0);
  EXPECT_DOUBLE_EQ(s.token_accuracy, 0.5);
  EXPECT_EQ(s.edit_distance, 1);
  EXPECT_NEAR(s.loglik, std::log(0.5) + std::log(0.4), 1e-12);
  EXPECT_NEAR(s.loglik_per_token, (std::log(0.5) + std::log(0.4)) / 2, 1e-12);
  // Brier: token 1: (0.5-1)^2 + 0.3^2 + 0.2^2 = 0.38; token 2: 0.6^2 + (0.4-1)^2 = 0.72; mean 0.55.
  EXPECT_NEAR(brier_of_token(t1), 0.38, 1e-12);
  EXPECT_NEAR(brier_of_token(t2), 0.72, 1e-12);
  EXPECT_NEAR(s.brier, 0.55, 1e-12);
  InstanceScore right = score_instance(toks("42"), toks("42"), {t1, t2});
  EXPECT_EQ(right.exact_match, 1);
  EXPECT_EQ(right.edit_distance, 0);
}

TEST(ProbeMetrics, PerfectAndUniformBrier) {
  AnswerTokenStats certain{'1', 0.0, '1', 1.0, 1.0};
  EXPECT_NEAR(brier_of_token(certain), 0.0, 1e-12);
  // Uniform over 256 tokens: sum p^2 = 1/256; Brier = 1/256 - 2/256 + 1.
  AnswerTokenStats uniform{'1', std::log(1.0 / 256), '0', 1.0 / 256, 1.0 / 256};
  EXPECT_NEAR(brier_of_token(uniform), 1 - 1.0 / 256, 1e-12);
}

TEST(ProbeMetrics, EceOnAKnownCalibration) {
  // Perfectly calibrated: in the 0.8 bin, 8 of 10 right; in the 0.3 bin, 3 of 10 right.
  std::vector<double> conf;
  std::vector<bool> ok;
  for (int i = 0; i < 10; ++i) {
    conf.push_back(0.8);
    ok.push_back(i < 8);
  }
  for (int i = 0; i < 10; ++i) {
    conf.push_back(0.3);
    ok.push_back(i < 3);
  }
  Calibration c = calibration_of(conf, ok);
  EXPECT_NEAR(c.ece, 0.0, 1e-12);
  ASSERT_EQ(c.bins.size(), 10u);
  EXPECT_EQ(c.bins[8].count, 10);
  EXPECT_NEAR(c.bins[8].accuracy, 0.8, 1e-12);
  EXPECT_EQ(c.bins[3].count, 10);
  // Overconfident: confidence 0.9 on 4 tokens, 1 right -> |0.25 - 0.9| = 0.65; with 4 tokens at
  // confidence 0.55, 2 right -> |0.5 - 0.55| = 0.05; ECE = (4*0.65 + 4*0.05)/8 = 0.35.
  Calibration o = calibration_of({0.9, 0.9, 0.9, 0.9, 0.55, 0.55, 0.55, 0.55},
                                 {true, false, false, false, true, true, false, false});
  EXPECT_NEAR(o.ece, 0.35, 1e-12);
  EXPECT_NEAR(o.bins[9].mean_confidence, 0.9, 1e-12);
  EXPECT_NEAR(o.bins[5].accuracy, 0.5, 1e-12);
  // Confidence 1.0 falls in the last bin.
  EXPECT_EQ(calibration_of({1.0}, {true}).bins[9].count, 1);
}
TEST(ProbeTable, CsvQuotesCellsWithCommasAndHasOneLinePerMetric) {
  ProbeRow r;
  r.run_id = "sweep-a,b";  // a directory name may hold a comma
  r.step = 10;
  r.task = "add";
  for (const auto& m : probe_metric_names()) r.metrics[m] = 0.5;
  r.metrics[probe_metric_names().front()] =
      NAN;  // not computable: an empty cell, as pandas reads NaN
  const std::string csv = probes_csv({r});
  EXPECT_EQ(
      csv.rfind("run_id,step,tokens,flops,params,task,difficulty,shots,template,metric,value\n", 0),
      0u);
  EXPECT_NE(csv.find("\"sweep-a,b\",10,0,0,0,add,0,0,0," + probe_metric_names().front() + ",\n"),
            std::string::npos)
      << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'),
            1 + static_cast<long>(probe_metric_names().size()));
}
}  // namespace
}  // namespace sl
