// Fault injection at every durable write (core/crash_points.h) of `scalelab train`, `prepare`,
// `sweep` (the driver's own writes), `export` and `fit`: each test lists the sites an uninterrupted
// command passes (SCALELAB_CRASH_TRACE), then for each site, at its first and its last hit, kills a
// fresh command there by SIGKILL (SCALELAB_CRASH_AT), runs the same command again, and requires the
// final state to equal the uninterrupted one's: for train, checkpoint.bin byte for byte (its
// wall-clock time aside), the metrics rows (timing fields aside) with none missing or doubled,
// summary.json and config.yaml; for prepare, export and fit, every file byte for byte; for a sweep,
// every run's results; and never a temporary file left behind.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "cli_util.h"
#include "nlohmann/json.hpp"
#include "train/metrics_log.h"

namespace sl::testing {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::vector<json> rows_without_timing(const fs::path& run) {
  auto rows = metrics_read((run / "metrics.jsonl").string());
  EXPECT_TRUE(rows.ok()) << rows.status();
  if (!rows.ok()) return {};
  for (auto& r : *rows) {
    r.erase("wall_s");
    r.erase("tokens_per_s");
  }
  return *rows;
}

json summary_without_timing(const fs::path& run) {
  json s = json::parse(slurp(run / "summary.json"), nullptr, false);
  if (s.is_object()) {
    s.erase("wall_s");
    s.erase("tokens_per_s");
  }
  return s;
}

// checkpoint.bin (train/checkpoint.cpp: magic, header length, JSON header, tensors, file hash)
// without what measures time: the header's scalars.wall_s and, as it covers that, the hash.
std::string checkpoint_without_timing(const fs::path& run) {
  const std::string bytes = slurp(run / "checkpoint.bin");
  if (bytes.size() < 24) return "(" + std::to_string(bytes.size()) + " bytes)";
  uint64_t len = 0;
  std::memcpy(&len, bytes.data() + 8, 8);
  if (16 + len + 8 > bytes.size()) return "(bad header length)";
  json header = json::parse(bytes.substr(16, len), nullptr, false);
  if (header.is_object() && header.contains("scalars")) header["scalars"].erase("wall_s");
  return header.dump() + bytes.substr(16 + len, bytes.size() - 16 - len - 8);
}

// Every file below `dir` (relative path -> bytes), but the lock files flock(2) uses, which the
// kernel, not the file, makes mean something.
std::map<std::string, std::string> files_below(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name != ".prepare.lock" && name != "train.lock")
      out[fs::relative(e.path(), dir).string()] = slurp(e.path());
  }
  return out;
}

std::vector<std::string> temporaries_below(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().rfind(".tmp.", 0) == 0) out.push_back(e.path().string());
  return out;
}

// The walk: `command(work)` is a shell command line that leaves its state under `work`; `fresh`
// lays out what it starts from (may do nothing); `check(work)` compares the state after a kill
// and a rerun with the uninterrupted run's, at `dir`/ref. Returns the number of kills.
int walk_crash_sites(const fs::path& dir,
                     const std::function<std::string(const fs::path&)>& command,
                     const std::function<void(const fs::path&)>& fresh,
                     const std::function<void(const fs::path&)>& check,
                     const std::vector<std::string>& must_reach) {
  const fs::path ref = dir / "ref";
  fresh(ref);
  CliResult full =
      run_shell("SCALELAB_CRASH_TRACE=" + (dir / "trace").string() + " " + command(ref));
  EXPECT_EQ(full.exit_code, 0) << full.output;
  std::map<std::string, int> hits;  // "checkpoint.bin@tmp" -> times reached
  std::istringstream trace(slurp(dir / "trace"));
  for (std::string line; std::getline(trace, line);) ++hits[line];
  // Every kind of state the command keeps is among the sites, so none escapes the walk.
  for (const auto& site : must_reach)
    EXPECT_TRUE(hits.count(site)) << site << " not reached; trace:\n" << slurp(dir / "trace");
  int trials = 0;
  for (const auto& [site, count] : hits) {
    for (int hit : std::set<int>{1, count}) {
      const std::string at = site + "#" + std::to_string(hit);
      SCOPED_TRACE(at);
      const fs::path work = dir / ("trial_" + std::to_string(trials++));
      fresh(work);
      CliResult killed = run_shell("SCALELAB_CRASH_AT=" + at + " " + command(work));
      EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.output;
      CliResult again = run_shell(command(work));
      EXPECT_EQ(again.exit_code, 0) << again.output;
      check(work);
      EXPECT_EQ(temporaries_below(work), std::vector<std::string>{});
    }
  }
  std::printf("crash points: %d kills at %zu sites, each rerun to the uninterrupted state\n",
              trials, hits.size());
  return trials;
}

TEST(CrashPoints, TrainKilledAtEveryDurableWriteResumesToTheUninterruptedRun) {
  const fs::path dir = e2e_dir("crash_points");
  const fs::path data = prepare_markov("crash_points_data", 60000, 2);
  write_file(dir / "cfg.yaml",
             "name: crash\nmodel: {n_layer: 1, d_model: 32, n_head: 2, ctx: 32, vocab: 256}\n"
             "data: {path: " +
                 data.string() +
                 "}\noptim: {lr: 1e-2}\n"
                 "train: {tokens: 20480, batch_size: 16, threads: 1, log_every: 5, eval_every: 20,"
                 " eval_tokens: 1024, checkpoint_every: 10}\n");
  const fs::path ref = dir / "ref";
  const int kills = walk_crash_sites(
      dir,
      [&](const fs::path& run) {
        return std::string(SCALELAB_BIN) + " train " + (dir / "cfg.yaml").string() + " --run-dir " +
               run.string();
      },
      [](const fs::path&) {},
      [&](const fs::path& run) {
        // Not EXPECT_EQ: a failure would print 250 kB of floats.
        EXPECT_TRUE(checkpoint_without_timing(run) == checkpoint_without_timing(ref))
            << "checkpoint.bin differs from the uninterrupted run's (wall_s aside)";
        EXPECT_EQ(rows_without_timing(run), rows_without_timing(ref));
        EXPECT_EQ(summary_without_timing(run), summary_without_timing(ref));
        EXPECT_EQ(slurp(run / "config.yaml"), slurp(ref / "config.yaml"));
      },
      {"config.yaml@tmp", "checkpoint.bin@tmp", "checkpoint.bin@renamed", "metrics.jsonl@torn",
       "metrics.jsonl@appended", "summary.json@tmp"});
  EXPECT_GE(kills, 12);
}

TEST(CrashPoints, PrepareKilledAtEveryWriteEndsWithTheSameFiles) {
  const fs::path dir = e2e_dir("crash_points_prepare");
  const fs::path ref = dir / "ref";
  const int kills = walk_crash_sites(
      dir,
      [](const fs::path& work) {
        return std::string(SCALELAB_BIN) +
               " prepare --source 'synthetic:markov?symbols=16&tokens=50000&seed=4' --out " +
               (work / "data").string();
      },
      [](const fs::path&) {},
      [&](const fs::path& work) { EXPECT_TRUE(files_below(work) == files_below(ref)); },
      {"train.bin@tmp", "val.bin@tmp", "meta.json@tmp", "meta.json@renamed"});
  EXPECT_GE(kills, 6);
}

// A sweep of two tiny runs on two workers, its export and its fit: the driver killed at each of
// its own writes (spec copy, plan, run configs, run locks), export and fit at each of theirs.
class CrashPointsSweep : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = e2e_dir("crash_points_sweep");
    const fs::path data = prepare_markov("crash_points_sweep_data", 60000, 5);
    write_file(
        dir_ / "spec.yaml",
        "name: crashsweep\nbase:\n  model: {ctx: 16, vocab: 256}\n  data: {path: " + data.string() +
            "}\n  optim: {lr: 3e-3}\n  train: {batch_size: 4, device: cpu, log_every: 5,"
            " eval_every: 20, eval_tokens: 512, checkpoint_every: 10}\n"
            "models: {sizes: [12k, 25k], head_dim: 16, aspect: 16}\ndata: {tokens: [4k]}\n"
            "seeds: [1]\n");
  }
  static std::string sweep(const fs::path& work) {
    return std::string(SCALELAB_BIN) + " sweep " + (dir_ / "spec.yaml").string() + " --dir " +
           (work / "sw").string() + " --workers 2 --no-progress";
  }
  static fs::path dir_;
};
fs::path CrashPointsSweep::dir_;

// Each run's results, timing aside, by run id.
std::map<std::string, std::pair<std::vector<json>, json>> sweep_results(const fs::path& sw) {
  std::map<std::string, std::pair<std::vector<json>, json>> out;
  for (const auto& e : fs::directory_iterator(sw / "runs"))
    out[e.path().filename().string()] = {rows_without_timing(e.path()),
                                         summary_without_timing(e.path())};
  return out;
}

TEST_F(CrashPointsSweep, DriverKilledAtEveryWriteFinishesEveryRunOnce) {
  const fs::path dir = dir_ / "driver";
  const fs::path ref = dir / "ref";
  const int kills =
      walk_crash_sites(
          dir, sweep, [](const fs::path&) {},
          [&](const fs::path& work) {
            const auto got = sweep_results(work / "sw"), want = sweep_results(ref / "sw");
            EXPECT_EQ(got.size(), 2u);
            EXPECT_TRUE(got == want)
                << "a run's metrics or summary differ from the uninterrupted sweep's";
            for (const auto& e : fs::directory_iterator(work / "sw" / "runs")) {
              EXPECT_FALSE(fs::exists(e.path() / "failed.json")) << e.path();
              EXPECT_FALSE(fs::exists(e.path() / "lock"))
                  << "a lock outlived the sweep: " << e.path();
            }
          },
          {"plan.json@tmp", "config.yaml@tmp", "lock@tmp", "lock@linked"});
  EXPECT_GE(kills, 8);
}

TEST_F(CrashPointsSweep, ExportAndFitKilledAtEveryWriteEndWithTheSameFiles) {
  const fs::path done = dir_ / "done";
  ASSERT_EQ(run_shell(sweep(done)).exit_code, 0);
  auto copy_sweep = [&](const fs::path& work) {
    fs::create_directories(work);
    fs::copy(done / "sw", work / "sw", fs::copy_options::recursive);
  };
  // Paths inside the files name their own directory: compare with it written as "SW".
  auto exported = [](const fs::path& work) {
    std::map<std::string, std::string> files = files_below(work / "sw" / "export");
    for (auto& [name, bytes] : files) {
      const std::string sw = (work / "sw").string();
      for (size_t at = bytes.find(sw); at != std::string::npos; at = bytes.find(sw, at))
        bytes.replace(at, sw.size(), "SW");
    }
    return files;
  };
  const fs::path exp = dir_ / "export";
  EXPECT_GE(walk_crash_sites(
                exp,
                [](const fs::path& work) {
                  return std::string(SCALELAB_BIN) + " export " + (work / "sw").string();
                },
                copy_sweep,
                [&](const fs::path& work) { EXPECT_TRUE(exported(work) == exported(exp / "ref")); },
                {"curves.csv@tmp", "summary.csv@tmp"}),
            4);
  const fs::path fit = dir_ / "fit";
  EXPECT_GE(walk_crash_sites(
                fit,
                [](const fs::path& work) {
                  return std::string(SCALELAB_BIN) + " fit " + (work / "sw" / "export").string() +
                         " --law all --out " + (work / "sw" / "export" / "fit.json").string();
                },
                [&](const fs::path& work) {
                  copy_sweep(work);
                  ASSERT_EQ(
                      run_shell(std::string(SCALELAB_BIN) + " export " + (work / "sw").string())
                          .exit_code,
                      0);
                },
                [&](const fs::path& work) { EXPECT_TRUE(exported(work) == exported(fit / "ref")); },
                {"fit.json@tmp"}),
            2);
}
}  // namespace
}  // namespace sl::testing
