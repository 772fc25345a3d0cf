// `scalelab fit` and `scalelab plan` as a user runs them: the built binary on a CSV written here.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
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

// A budget beyond the fitted runs is a warning with its factor, and the bootstrap interval on
// N_opt, evaluated at the budget, is wider there than inside the fitted range.
TEST_F(CliFit, PlanOutsideTheFittedRangeWarnsAndWidensItsInterval) {
  CommandResult fit = run_scalelab("fit " + path("summary.csv") +
                                   " --law chinchilla --bootstrap 60 --seed 1 --threads 2 --out " +
                                   path("fit.json"));
  ASSERT_EQ(fit.code, 0) << fit.output;
  nlohmann::json fj = nlohmann::json::parse(std::ifstream(path("fit.json")));
  double c_min = 1e300, c_max = 0;
  for (const auto& pt : fj["chinchilla"]["data"]) {
    c_min = std::min(c_min, pt["C"].get<double>());
    c_max = std::max(c_max, pt["C"].get<double>());
  }
  auto plan_at = [&](double flops) {
    std::ostringstream cmd;
    cmd << "plan --json --flops " << flops << " --fit " << path("fit.json");
    CommandResult r = run_scalelab(cmd.str());
    EXPECT_EQ(r.code, 0) << r.output;
    // stdout's JSON document, and stderr's warning line around it.
    const size_t first = r.output.find('{'), last = r.output.rfind('}');
    return std::make_pair(nlohmann::json::parse(r.output.substr(first, last - first + 1)),
                          r.output);
  };
  const double inside = std::sqrt(c_min * c_max);
  auto [in, in_text] = plan_at(inside);
  EXPECT_TRUE(in["warnings"].empty()) << in_text;
  auto [out, out_text] = plan_at(60 * c_max);
  ASSERT_EQ(out["warnings"].size(), 1u) << out_text;
  EXPECT_NE(out["warnings"][0].get<std::string>().find("60x the largest compute fitted"),
            std::string::npos)
      << out_text;
  EXPECT_NE(out_text.find("warning: the budget"), std::string::npos) << out_text;  // on stderr
  EXPECT_EQ(out["fitted_compute_range"][1].get<double>(), c_max);

  auto rel_width = [](const nlohmann::json& plan, const char* key) {
    const auto& iv = plan["intervals"][key];
    return iv[1].get<double>() / iv[0].get<double>();
  };
  ASSERT_FALSE(in["intervals"].is_null()) << in_text;
  EXPECT_EQ(in["intervals"]["refits"], fj["chinchilla"]["bootstrap"]["refits"].size());
  for (const nlohmann::json* p : {&in, &out}) {  // the point estimate lies inside its interval
    EXPECT_LE((*p)["intervals"]["N"][0].get<double>(), (*p)["N"].get<double>());
    EXPECT_GE((*p)["intervals"]["N"][1].get<double>(), (*p)["N"].get<double>());
  }
  EXPECT_GT(rel_width(out, "N"), rel_width(in, "N"));
  EXPECT_GT(rel_width(out, "D"), rel_width(in, "D"));

  // The table says so too, and shows the interval.
  std::ostringstream cmd;
  cmd << "plan --flops " << 60 * c_max << " --fit " << path("fit.json");
  CommandResult table = run_scalelab(cmd.str());
  EXPECT_NE(table.output.find("95% bootstrap intervals from"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("fitted compute range"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("warning: the budget"), std::string::npos) << table.output;
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

namespace sl {
namespace {
// --params picks N's column by convention: the same runs fitted with N counted two ways give the
// same exponents when one count is a constant multiple of the other, and a different A; plan
// refuses a fit whose N it cannot turn into a shape.
TEST(CliFitParams, ParamsFlagChoosesTheColumnByConvention) {
  const fs::path dir =
      fs::temp_directory_path() / ("scalelab_cli_fit_params_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string csv = (dir / "summary.csv").string();
  {
    std::ofstream s(csv);
    s << "run_id,params_nonembedding,params_matrices,tokens,final_val_loss,status\n";
    auto pts = testing::synthetic_points(testing::synthetic_truth(), 6, 5, 0.01, 4);
    for (size_t i = 0; i < pts.size(); ++i)
      s << "r" << i << "," << pts[i].n << "," << pts[i].n / 4 << "," << pts[i].d << ","
        << pts[i].loss << ",done\n";
  }
  auto fit = [&](const std::string& flags) {
    CommandResult r = run_scalelab("fit " + csv + " --bootstrap 0 --threads 1 --json " + flags);
    EXPECT_EQ(r.code, 0) << r.output;
    return r.code == 0 ? nlohmann::json::parse(r.output) : nlohmann::json{};
  };
  nlohmann::json kaplan = fit(""), matrices = fit("--params matrices");
  ASSERT_FALSE(kaplan.empty());
  ASSERT_FALSE(matrices.empty());
  EXPECT_EQ(kaplan["options"]["n_col"], "params_nonembedding");
  EXPECT_EQ(matrices["options"]["n_col"], "params_matrices");
  EXPECT_EQ(fit("--params non_embedding")["options"]["n_col"], "params_nonembedding");
  const double alpha = kaplan["chinchilla"]["alpha"], alpha_m = matrices["chinchilla"]["alpha"];
  EXPECT_NEAR(alpha_m, alpha, 1e-3 * alpha);
  // N / 4 in the law: A' = A / 4^alpha.
  EXPECT_NEAR(matrices["chinchilla"]["A"].get<double>(),
              kaplan["chinchilla"]["A"].get<double>() / std::pow(4.0, alpha),
              0.01 * matrices["chinchilla"]["A"].get<double>());

  CommandResult unknown = run_scalelab("fit " + csv + " --bootstrap 0 --params kaplan");
  EXPECT_NE(unknown.code, 0);
  EXPECT_NE(unknown.output.find("--params: unknown parameter convention 'kaplan'"),
            std::string::npos)
      << unknown.output;
  CommandResult both =
      run_scalelab("fit " + csv + " --bootstrap 0 --params all --n-col params_matrices");
  EXPECT_NE(both.code, 0);
  EXPECT_NE(both.output.find("--params all means --n-col params_total"), std::string::npos)
      << both.output;
  CommandResult missing = run_scalelab("fit " + csv + " --bootstrap 0 --params nanochat");
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.output.find("no column 'params_with_head'"), std::string::npos)
      << missing.output;

  const std::string fit_json = (dir / "fit.json").string();
  ASSERT_EQ(run_scalelab("fit " + csv + " --bootstrap 0 --params matrices --out " + fit_json).code,
            0);
  CommandResult plan = run_scalelab("plan --flops 1e17 --fit " + fit_json);
  EXPECT_NE(plan.code, 0);
  EXPECT_NE(plan.output.find("the fit's N is params_matrices"), std::string::npos) << plan.output;
  fs::remove_all(dir);
}
}  // namespace
}  // namespace sl
