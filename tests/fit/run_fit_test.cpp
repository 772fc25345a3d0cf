// run_fit end to end as a library call: a synthetic summary.csv on disk -> JSON with every law.
#include "fit/fit_run.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/fit/synthetic.h"

namespace sl {
namespace {
namespace fs = std::filesystem;

// A temporary directory with summary.csv (an IsoFLOP-style grid with a flops_budget column, plus
// one failed run) and curves.csv.
fs::path write_sweep_tables() {
  fs::path dir = fs::temp_directory_path() / ("scalelab_fit_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const ChinchillaParams truth = testing::synthetic_truth();
  std::ofstream s(dir / "summary.csv");
  s << "run_id,params_nonembedding,tokens,flops_6n,flops_budget,final_val_loss,status,reason\n";
  std::ofstream c(dir / "curves.csv");
  c << "run_id,params_nonembedding,step,tokens,flops_6n,val_loss\n";
  int id = 0;
  for (double flops : {1e15, 1e16, 1e17}) {
    for (int k = -3; k <= 3; ++k) {
      double n = truth.n_opt(flops) * std::pow(2.0, 0.7 * k);
      double d = flops / (6 * n);
      std::string run = "r" + std::to_string(id++);
      s << run << "," << n << "," << d << "," << 6 * n * d << "," << flops << ","
        << truth.loss(n, d) << ",done,\n";
      for (int step = 0; step <= 10; ++step) {
        double t = d * step / 10;
        c << run << "," << n << "," << step << "," << t << "," << 6 * n * t << ",";
        if (step > 0) c << truth.loss(n, t);
        c << "\n";
      }
    }
  }
  s << "bad,1e6,1e7,6e13,1e15,,failed,\"oom, step 3\"\n";
  return dir;
}

TEST(RunFit, AllLawsFromASweepDirectory) {
  fs::path dir = write_sweep_tables();
  FitRequest r;
  r.input = dir.string();
  r.law = "all";
  r.bootstrap = 50;
  r.seed = 3;
  auto rep = run_fit(r);
  ASSERT_TRUE(rep.ok()) << rep.status();
  const auto& j = rep->json;
  for (const char* key : {"E", "A", "B", "alpha", "beta", "a", "b"}) {
    ASSERT_TRUE(j["chinchilla"].contains(key)) << key;
    ASSERT_TRUE(j["chinchilla"]["intervals"].contains(key)) << key;
    double lo = j["chinchilla"]["intervals"][key][0], hi = j["chinchilla"]["intervals"][key][1];
    EXPECT_LE(lo, hi) << key;
  }
  // Noise-free data: the fit is the truth.
  EXPECT_NEAR(j["chinchilla"]["alpha"].get<double>(), 0.3478, 1e-3);
  EXPECT_EQ(j["chinchilla"]["data"].size(), 21u);
  EXPECT_NEAR(j["isoflop"]["a"].get<double>(), testing::synthetic_truth().a(), 0.02);
  EXPECT_EQ(j["isoflop"]["budgets_from"], "budget column");
  EXPECT_TRUE(j.contains("kaplan"));
  EXPECT_TRUE(j.contains("envelope"));
  EXPECT_EQ(j["options"]["seed"], 3);
  EXPECT_EQ(j["inputs"]["summary"]["notes"][0], "dropped 1 rows whose status is failed (not done)");
  EXPECT_NE(rep->table.find("a = beta/(alpha+beta)"), std::string::npos);
  fs::remove_all(dir);
}

TEST(RunFit, UnknownLawAndTooFewPointsAreErrors) {
  fs::path dir = write_sweep_tables();
  FitRequest r;
  r.input = (dir / "summary.csv").string();
  r.law = "chinchila";
  EXPECT_FALSE(run_fit(r).ok());
  r.law = "chinchilla";
  r.bootstrap = 0;
  r.where = {"N<1e5"};  // nothing that small
  auto rep = run_fit(r);
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(std::string(rep.status().message()).find("no rows left to fit"), std::string::npos)
      << rep.status();
  r.where = {"flops_budget==1e15"};  // 7 points but a single D per N... enough points, one budget
  r.law = "isoflop";
  rep = run_fit(r);
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(std::string(rep.status().message()).find("at least 2 compute budgets"),
            std::string::npos)
      << rep.status();
  // A bad bootstrap mode or seed noise is refused before any fit, whichever law is asked for.
  r.bootstrap_mode = "seeds";
  rep = run_fit(r);
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(std::string(rep.status().message()).find("not one of noise, points"), std::string::npos)
      << rep.status();
  r.bootstrap_mode = "noise";
  r.seed_noise = -0.5;
  rep = run_fit(r);
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(std::string(rep.status().message()).find("--seed-noise"), std::string::npos)
      << rep.status();
  fs::remove_all(dir);
}
}  // namespace
}  // namespace sl
