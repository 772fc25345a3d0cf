// Fault injection at every durable write of `scalelab train` (core/crash_points.h): the test lists
// the sites an uninterrupted run passes (SCALELAB_CRASH_TRACE), then for each site, at its first and
// its last hit, kills a fresh run there by SIGKILL (SCALELAB_CRASH_AT), reruns the same command, and
// requires the final state to equal the uninterrupted run's: checkpoint.bin byte for byte (its wall-clock time aside), the
// metrics rows (timing fields aside) with none missing or doubled, summary.json, config.yaml, and no
// temporary file left behind.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <set>

#include "cli_util.h"
#include "nlohmann/json.hpp"
#include "train/metrics_log.h"

namespace sl::testing {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

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

std::vector<std::string> temporaries(const fs::path& run) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(run))
    if (e.path().filename().string().rfind(".tmp.", 0) == 0) out.push_back(e.path().string());
  return out;
}

TEST(CrashPoints, TrainKilledAtEveryDurableWriteResumesToTheUninterruptedRun) {
  const fs::path dir = e2e_dir("crash_points");
  const fs::path data = prepare_markov("crash_points_data", 60000, 2);
  write_file(dir / "cfg.yaml",
             "name: crash\nmodel: {n_layer: 1, d_model: 32, n_head: 2, ctx: 32, vocab: 256}\n"
             "data: {path: " + data.string() + "}\noptim: {lr: 1e-2}\n"
             "train: {tokens: 20480, batch_size: 16, threads: 1, log_every: 5, eval_every: 20,"
             " eval_tokens: 1024, checkpoint_every: 10}\n");
  auto train = [&](const fs::path& run, const std::string& env) {
    return run_shell(env + " " + SCALELAB_BIN + " train " + (dir / "cfg.yaml").string() +
                     " --run-dir " + run.string());
  };
  const fs::path ref = dir / "ref";
  CliResult full = train(ref, "SCALELAB_CRASH_TRACE=" + (dir / "trace").string());
  ASSERT_EQ(full.exit_code, 0) << full.output;
  std::map<std::string, int> hits;  // "checkpoint.bin@tmp" -> times reached
  std::istringstream trace(slurp(dir / "trace"));
  for (std::string line; std::getline(trace, line);) ++hits[line];
  // Every kind of state the trainer keeps is among the sites, so none escapes the walk.
  for (const char* site : {"config.yaml@tmp", "checkpoint.bin@tmp", "checkpoint.bin@renamed",
                           "metrics.jsonl@torn", "metrics.jsonl@appended", "summary.json@tmp"})
    EXPECT_TRUE(hits.count(site)) << site << " not reached; trace:\n" << slurp(dir / "trace");

  int trials = 0;
  for (const auto& [site, count] : hits) {
    for (int hit : std::set<int>{1, count}) {
      const std::string at = site + "#" + std::to_string(hit);
      SCOPED_TRACE(at);
      const fs::path run = dir / ("run_" + std::to_string(trials++));
      CliResult killed = train(run, "SCALELAB_CRASH_AT=" + at);
      ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.output;
      CliResult resumed = train(run, "");
      ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
      // Not EXPECT_EQ: a failure would print 250 kB of floats.
      EXPECT_TRUE(checkpoint_without_timing(run) == checkpoint_without_timing(ref))
          << "checkpoint.bin differs from the uninterrupted run's (wall_s aside)";
      EXPECT_EQ(rows_without_timing(run), rows_without_timing(ref));
      EXPECT_EQ(summary_without_timing(run), summary_without_timing(ref));
      EXPECT_EQ(slurp(run / "config.yaml"), slurp(ref / "config.yaml"));
      EXPECT_EQ(temporaries(run), std::vector<std::string>{});
    }
  }
  EXPECT_GE(trials, 12);
  std::printf("crash points: %d kills at %zu sites, each resumed to the uninterrupted run\n",
              trials, hits.size());
}
}  // namespace
}  // namespace sl::testing
