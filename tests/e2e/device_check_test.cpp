// scripts/device_check.sh's own logic (arguments, steps, the one JSON, failure reporting) in its
// dry mode on the CPU: the same script the GPU machine runs, with device cpu and a few steps.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "cli_util.h"

namespace sl::testing {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

CliResult run_check(const std::string& args) {
  return run_shell(std::string("cd '") + SCALELAB_SOURCE_DIR +
                   "' && bash scripts/device_check.sh " + args);
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}
}  // namespace

TEST(DeviceCheck, DryRunMeasuresEveryStepIntoOneJson) {
  if (!fs::exists(SCALELAB_BIN)) GTEST_SKIP() << SCALELAB_BIN << " is not built";
  const fs::path out = e2e_dir("device_check_dry");
  auto r = run_check("--dry-run --out '" + out.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json j = read_json(out / "device_check.json");
  EXPECT_EQ(j["mode"], "dry-run");
  EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(1);
  EXPECT_TRUE(j["failed"].empty());
  // The model's numerics ran; the CUDA tests skipped (no GPU here); none failed.
  ASSERT_TRUE(j["tests"].contains("model_tests") && j["tests"].contains("step_tests"))
      << j["tests"].dump();
  EXPECT_GE(j["tests"]["model_tests"]["passed"].get<int>(), 10);
  EXPECT_EQ(j["tests"]["model_tests"]["failed"], 0);
  EXPECT_GE(j["tests"]["step_tests"]["skipped"].get<int>(), 2);
  EXPECT_EQ(j["tests"]["step_tests"]["failed"], 0);
  // One eager bench of tiny with real numbers; the graph variant skipped with its reason.
  ASSERT_EQ(j["bench"].size(), 1u) << j["bench"].dump();
  EXPECT_EQ(j["bench"][0]["label"], "tiny");
  EXPECT_GT(j["bench"][0]["result"]["tokens_per_s"].get<double>(), 0);
  EXPECT_EQ(j["bench"][0]["result"]["device"], "cpu");
  bool graph_skipped = false;
  for (const auto& s : j["steps"])
    if (s["name"] == "bench tiny graph") graph_skipped = s.contains("skipped");
  EXPECT_TRUE(graph_skipped);
  // Two processes sharing the device: the aggregate is the sum of theirs.
  ASSERT_EQ(j["shared"].size(), 1u);
  const auto& per = j["shared"][0]["per_process_tokens_per_s"];
  ASSERT_EQ(per.size(), 2u);
  EXPECT_NEAR(j["shared"][0]["aggregate_tokens_per_s"].get<double>(),
              per[0].get<double>() + per[1].get<double>(), 1e-6);
  // The IsoFLOP sweep: 2 budgets x 3 sizes, all done.
  ASSERT_TRUE(j["sweep"].is_object()) << j.dump(1);
  EXPECT_EQ(j["sweep"]["runs"], 6);
  EXPECT_EQ(j["sweep"]["done"], 6);
  EXPECT_TRUE(j["sweep"].contains("fit_exit_code"));  // the fit's outcome is reported either way
  EXPECT_FALSE(j["sweep"]["fit_output"].get<std::string>().empty());
  // The data-parallel step: 2 ranks (Gloo here, NCCL on GPUs) agree with one process.
  ASSERT_TRUE(j["data_parallel"].is_object()) << j.dump(1);
  EXPECT_EQ(j["data_parallel"]["ranks"], 2);
  EXPECT_EQ(j["data_parallel"]["device"], "cpu");
  EXPECT_TRUE(j["data_parallel"]["agree"].get<bool>()) << j["data_parallel"].dump();
  EXPECT_LT(j["data_parallel"]["relative_difference"].get<double>(), 1e-4);
  EXPECT_GT(j["data_parallel"]["scaling_efficiency"].get<double>(), 0.0);
}

TEST(DeviceCheck, FailedStepsAreNamedAndExitOne) {
  const fs::path out = e2e_dir("device_check_fail");
  auto r = run_check("--dry-run --out '" + out.string() + "' --bin /nonexistent/scalelab");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("FAILED: bench tiny"), std::string::npos) << r.output;
  const json j = read_json(out / "device_check.json");
  EXPECT_FALSE(j["ok"].get<bool>());
  std::vector<std::string> failed = j["failed"];
  EXPECT_NE(std::find(failed.begin(), failed.end(), "bench tiny"), failed.end());
  EXPECT_NE(std::find(failed.begin(), failed.end(), "sweep: prepare data"), failed.end());
  EXPECT_FALSE(j["log_tail"].get<std::string>().empty());
  EXPECT_TRUE(j["sweep"].is_null());
}

TEST(DeviceCheck, BadArgumentsExitTwo) {
  auto r = run_check("--frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown argument '--frobnicate'"), std::string::npos) << r.output;
  r = run_check("--out");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--out needs a directory"), std::string::npos) << r.output;
}
}  // namespace sl::testing
