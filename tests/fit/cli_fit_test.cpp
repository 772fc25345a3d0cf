// `scalelab fit` and `scalelab plan` as a user runs them: the built binary on a CSV written here.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nlohmann/json.hpp"
#include "tests/fit/synthetic.h"

namespace sl {
namespace {
namespace fs = std::filesystem;

struct CommandResult {
  int code;
  std::string output;  // stdout and stderr
};

CommandResult run_scalelab(const std::string& args) {
  std::string cmd = std::string(SCALELAB_BIN) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class CliFit : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("scalelab_cli_fit_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream s(dir_ / "summary.csv");
    s << "run_id,params_nonembedding,tokens,final_val_loss,status\n";
    auto pts = testing::synthetic_points(testing::synthetic_truth(), 6, 5, 0.01, 4);
    for (size_t i = 0; i < pts.size(); ++i)
      s << "r" << i << "," << pts[i].n << "," << pts[i].d << "," << pts[i].loss << ",done\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(CliFit, FitPrintsATableAndWritesFitJson) {
  CommandResult r = run_scalelab("fit " + path("summary.csv") +
                                 " --bootstrap 100 --seed 2 --threads 1 --out " + path("fit.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("chinchilla (approach 3)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("95% interval"), std::string::npos) << r.output;
  std::ifstream f(path("fit.json"));
  nlohmann::json j = nlohmann::json::parse(f);
  for (const char* key : {"E", "A", "B", "alpha", "beta", "a", "b"}) {
    EXPECT_TRUE(j["chinchilla"].contains(key)) << key;
    EXPECT_EQ(j["chinchilla"]["intervals"][key].size(), 2u) << key;
  }
  EXPECT_EQ(j["options"]["bootstrap"], 100);
  EXPECT_EQ(j["chinchilla"]["data"].size(), 30u);

  // --json prints the same document; the same seed gives the same intervals.
  CommandResult again =
      run_scalelab("fit " + path("summary.csv") + " --bootstrap 100 --seed 2 --threads 2 --json");
  ASSERT_EQ(again.code, 0) << again.output;
  nlohmann::json k = nlohmann::json::parse(again.output);
  EXPECT_EQ(k["chinchilla"]["intervals"], j["chinchilla"]["intervals"]);

  // plan reads it back and names its source.
  CommandResult plan = run_scalelab("plan --flops 1e17 --fit " + path("fit.json"));
  ASSERT_EQ(plan.code, 0) << plan.output;
  EXPECT_NE(plan.output.find(path("fit.json")), std::string::npos) << plan.output;
  EXPECT_NE(plan.output.find("n_layer"), std::string::npos) << plan.output;
}

TEST_F(CliFit, BadInputsFailWithAMessage) {
  CommandResult missing =
      run_scalelab("fit " + path("summary.csv") + " --n-col params --bootstrap 0");
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.output.find("error: " + path("summary.csv") + ": no column 'params'"),
            std::string::npos)
      << missing.output;
  CommandResult few = run_scalelab("fit " + path("summary.csv") + " --where 'N<2e6' --bootstrap 0");
  EXPECT_NE(few.code, 0);
  EXPECT_NE(few.output.find("needs at least 6 points"), std::string::npos) << few.output;
  CommandResult nofile = run_scalelab("fit " + path("nope.csv"));
  EXPECT_NE(nofile.code, 0);
  EXPECT_NE(nofile.output.find("nope.csv"), std::string::npos) << nofile.output;
  CommandResult plan = run_scalelab("plan");
  EXPECT_NE(plan.code, 0);
  EXPECT_NE(plan.output.find("error: give --flops"), std::string::npos) << plan.output;
}

TEST_F(CliFit, PlanWithoutAFitSaysWhichPublishedFit) {
  CommandResult r = run_scalelab("plan --flops 1e18");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Besiroglu et al. 2024"), std::string::npos) << r.output;
  CommandResult h = run_scalelab("plan --flops 1e18 --published hoffmann2022 --json");
  ASSERT_EQ(h.code, 0) << h.output;
  EXPECT_EQ(nlohmann::json::parse(h.output)["fit"]["alpha"], 0.34);
}

TEST_F(CliFit, PlotWritesPngAndSvg) {
  CommandResult r = run_scalelab("fit " + path("summary.csv") +
                                 " --law all --bootstrap 20 --plot " + path("plots"));
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* name : {"chinchilla", "kaplan", "loss_vs_flops"}) {
    EXPECT_TRUE(fs::exists(dir_ / "plots" / (std::string(name) + ".png"))) << name << "\n"
                                                                           << r.output;
    EXPECT_TRUE(fs::exists(dir_ / "plots" / (std::string(name) + ".svg"))) << name;
  }
}
}  // namespace
}  // namespace sl
