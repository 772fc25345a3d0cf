// What a run directory and its data promise under attack: one trainer per run directory, no
// left-over temporary files, an edited checkpoint header or a flipped byte in train.bin refused
// with the file named (`scalelab check` finds the latter too).
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "cli_util.h"
#include "nlohmann/json.hpp"
#include "train/metrics_log.h"

namespace sl::testing {
namespace {
namespace fs = std::filesystem;

const fs::path& data_dir() {
  static const fs::path dir = prepare_markov("integrity_data", 150000, 4);
  return dir;
}

std::string config_text(const fs::path& data, int64_t steps) {
  return "name: integrity\n"
         "model:\n  n_layer: 2\n  d_model: 32\n  n_head: 2\n  ctx: 32\n  vocab: 256\n"
         "data:\n  path: " +
         data.string() +
         "\n"
         "optim:\n  lr: 1e-2\n"
         "train:\n  tokens: " +
         std::to_string(steps * 512) +
         "\n  batch_size: 16\n  threads: 1\n"
         "  log_every: 5\n  eval_every: 20\n  eval_tokens: 2048\n  checkpoint_every: 10\n";
}

std::string train_args(const fs::path& dir) {
  return "train " + (dir / "cfg.yaml").string() + " --run-dir " + (dir / "run").string() +
         " --no-progress";
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(RunIntegrity, ASecondTrainerOnOneRunDirectoryIsRefused) {
  fs::path dir = e2e_dir("two_trainers");
  write_file(dir / "cfg.yaml", config_text(data_dir(), 3000));
  pid_t first = spawn_cli(train_args(dir), (dir / "first.log").string());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(dir / "run" / "metrics.jsonl") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CliResult second = run_cli(train_args(dir));
  kill(first, SIGTERM);
  EXPECT_EQ(wait_exit_code(first), 75) << read_all(dir / "first.log");
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_NE(second.output.find("is being trained by another process"), std::string::npos)
      << second.output;
  EXPECT_NE(second.output.find("pid " + std::to_string(first)), std::string::npos) << second.output;
  // One trainer wrote the rows: each step once, in order.
  auto rows = metrics_read((dir / "run" / "metrics.jsonl").string());
  ASSERT_TRUE(rows.ok());
  int64_t prev = 0;
  for (const auto& r : *rows) {
    EXPECT_GT(r["step"].get<int64_t>(), prev);
    prev = r["step"].get<int64_t>();
  }
  // Once the first has stopped, the directory is free again.
  CliResult resumed = run_cli(train_args(dir) + " --stop-after-steps " + std::to_string(prev + 10));
  EXPECT_EQ(resumed.exit_code, 75) << resumed.output;
}

TEST(RunIntegrity, TemporaryFilesOfKilledWritesAreRemovedOthersKept) {
  fs::path dir = e2e_dir("tmp_files");
  write_file(dir / "cfg.yaml", config_text(data_dir(), 20));
  write_file(dir / "run" / ".tmp.checkpoint.bin.99999", std::string(800000, 'x'));
  write_file(dir / "run" / ".tmp.checkpoint-step10.bin.99998", "partial");
  write_file(dir / "run" / ".tmp.lock.99997", "the sweep driver's, not the trainer's");
  CliResult r = run_cli(train_args(dir));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("removed 2 temporary files"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "run" / ".tmp.checkpoint.bin.99999"));
  EXPECT_FALSE(fs::exists(dir / "run" / ".tmp.checkpoint-step10.bin.99998"));
  EXPECT_TRUE(fs::exists(dir / "run" / ".tmp.lock.99997"));
  std::set<std::string> left;
  for (const auto& e : fs::directory_iterator(dir / "run"))
    if (e.path().filename().string().rfind(".tmp.", 0) == 0)
      left.insert(e.path().filename().string());
  EXPECT_EQ(left, std::set<std::string>{".tmp.lock.99997"});
}

TEST(RunIntegrity, EditedStepInTheCheckpointHeaderIsRefused) {
  fs::path dir = e2e_dir("edit_header");
  write_file(dir / "cfg.yaml", config_text(data_dir(), 60));
  ASSERT_EQ(run_cli(train_args(dir) + " --stop-after-steps 30").exit_code, 75);
  std::string bytes = read_all(dir / "run" / "checkpoint.bin");
  const size_t at = bytes.find("\"step\":30");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 9, "\"step\":50");
  write_file(dir / "run" / "checkpoint.bin", bytes);
  CliResult r = run_cli(train_args(dir));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("checkpoint.bin is corrupted (checksum mismatch"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "run" / "summary.json"));
}

TEST(RunIntegrity, FlippedByteInTrainBinIsFoundAtTheFirstSessionAndByCheck) {
  fs::path dir = e2e_dir("flipped_data");
  fs::copy(data_dir(), dir / "data");
  std::string bytes = read_all(dir / "data" / "train.bin");
  bytes[bytes.size() / 2 & ~size_t{1}] ^= 0x01;  // a low byte: the id stays below 256
  write_file(dir / "data" / "train.bin", bytes);

  CliResult good = run_cli("check " + data_dir().string());
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find("checksums match"), std::string::npos) << good.output;
  CliResult bad = run_cli("check " + (dir / "data").string());
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("train.bin does not match its checksum"), std::string::npos)
      << bad.output;

  write_file(dir / "cfg.yaml", config_text(dir / "data", 20));
  CliResult r = run_cli(train_args(dir));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("train.bin does not match its checksum"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "run" / "metrics.jsonl"));
}
}  // namespace
}  // namespace sl::testing
