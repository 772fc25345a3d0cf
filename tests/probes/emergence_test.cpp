// The sharp/smooth classifier on synthetic curves, and the report on synthetic probe rows.
#include "probes/emergence.h"
#include "gtest/gtest.h"
#include "probes/metrics.h"

namespace sl {
namespace {
TEST(Emergence, ClassifiesSyntheticCurves) {
  EmergenceOptions o;  // sharp above 50% of the range
  // Step: 0, 0, 0.02, 0.9, 0.95 -> jump 0.88 of range 0.95.
  CurveClass step = classify_curve({0, 0, 0.02, 0.9, 0.95}, true, o);
  EXPECT_EQ(step.shape, CurveShape::kSharp);
  EXPECT_EQ(step.jump_index, 2);
  EXPECT_NEAR(step.max_jump_share, 0.88 / 0.95, 1e-12);
  // A straight line over 5 points: every jump is 25% of the range.
  CurveClass line = classify_curve({-3.0, -2.5, -2.0, -1.5, -1.0}, true, o);
  EXPECT_EQ(line.shape, CurveShape::kSmooth);
  EXPECT_NEAR(line.max_jump_share, 0.25, 1e-12);
  // Log-likelihood rising like a sigmoid in log-compute but without a dominant step.
  EXPECT_EQ(classify_curve({-2.3, -2.0, -1.6, -1.2, -0.9, -0.7}, true, o).shape,
            CurveShape::kSmooth);
  // Lower is better: a falling edit distance is smooth; a sudden drop is sharp.
  EXPECT_EQ(classify_curve({4.0, 3.5, 3.0, 2.6, 2.2}, false, o).shape, CurveShape::kSmooth);
  EXPECT_EQ(classify_curve({4.0, 3.9, 3.9, 0.5, 0.4}, false, o).shape, CurveShape::kSharp);
  // Flat: exact match stuck at zero.
  EXPECT_EQ(classify_curve({0, 0, 0.01, 0, 0.02}, true, o).shape, CurveShape::kFlat);
  // Zig-zag with no dominant jump: irregular.
  EXPECT_EQ(classify_curve({0.0, 0.4, 0.2, 0.6, 0.4, 0.8, 1.0}, true, o).shape,
            CurveShape::kIrregular);
  // The threshold is the stated share: the same step curve is not sharp at share 0.95.
  EmergenceOptions strict = o;
  strict.sharp_share = 0.95;
  EXPECT_NE(classify_curve({0, 0, 0.02, 0.9, 0.95}, true, strict).shape, CurveShape::kSharp);
}

ProbeRow row(const std::string& run, double flops, const std::string& task, int shots, int tmpl,
             double em, double ll, int64_t step = 100) {
  ProbeRow r;
  r.run_id = run;
  r.step = step;
  r.flops = flops;
  r.params = flops / 1e9;
  r.task = task;
  r.difficulty = 2;
  r.shots = shots;
  r.template_id = tmpl;
  for (const auto& m : probe_metric_names()) r.metrics[m] = 0;
  r.metrics["exact_match"] = em;
  r.metrics["loglik_per_token"] = ll;
  return r;
}

TEST(Emergence, ReportFindsTheArtefactPatternSensitivityAndIclGain) {
  std::vector<ProbeRow> rows;
  const double em[] = {0.0, 0.0, 0.05, 0.8, 0.9};
  const double ll[] = {-2.0, -1.6, -1.2, -0.8, -0.5};
  for (int i = 0; i < 5; ++i) {
    const std::string run = "r" + std::to_string(i);
    const double flops = 1e12 * (i + 1);
    // Two templates that differ by 0.1 in exact match at every point.
    rows.push_back(row(run, flops, "add", 0, 0, em[i], ll[i]));
    rows.push_back(row(run, flops, "add", 0, 1, em[i] + 0.1 * (i == 4), ll[i]));
    // An earlier, worse step of the same run must be ignored (final points only).
    rows.push_back(row(run, flops, "add", 0, 0, 0.5, -9, 50));
    rows.push_back(row(run, flops, "icl_map", 0, 0, 0.04, -3.0));
    rows.push_back(row(run, flops, "icl_map", 4, 0, 0.1 * i, -3.0 + 0.5 * i));
  }
  EmergenceReport rep = analyze_emergence(rows, EmergenceOptions{});
  EXPECT_EQ(rep.runs, 5);
  ASSERT_EQ(rep.curves.size(), 3u);
  const TaskCurves& add = rep.curves[0];
  EXPECT_EQ(add.task, "add");
  EXPECT_EQ(add.verdict, "sharp under exact match, smooth under log-likelihood");
  EXPECT_EQ(add.points.at("exact_match").size(), 5u);
  EXPECT_NEAR(add.points.at("exact_match")[4].value, 0.95, 1e-12);  // mean over templates
  EXPECT_EQ(rep.curves[1].verdict, "no sharp exact-match transition (exact match flat)");
  bool found_spread = false, found_gain = false;
  for (const auto& s : rep.sensitivity)
    if (s.task == "add") {
      EXPECT_NEAR(s.em_spread, 0.1, 1e-12);
      EXPECT_EQ(s.run_id, "r4");
      found_spread = true;
    }
  for (const auto& g : rep.icl_gain) {
    EXPECT_EQ(g.shots, 4);
    EXPECT_NEAR(g.em_gain, 0.4 - 0.04, 1e-12);
    EXPECT_NEAR(g.ll_gain, 2.0, 1e-12);
    found_gain = true;
  }
  EXPECT_TRUE(found_spread && found_gain);
  const std::string text = format_emergence_report(rep, EmergenceOptions{});
  EXPECT_NE(text.find("1 of 3 cells sharp under exact match while smooth under log-likelihood"),
            std::string::npos)
      << text;
}

TEST(Emergence, NoProbeResultsIsAClearError) {
  auto rows = read_probe_rows("/nonexistent/sweep");
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("scalelab probe"), std::string::npos);
}
}  // namespace
}  // namespace sl
