// `scalelab train`, `sample` and `flops` as a user runs them: a kill mid-run resumes to the same
// numbers, signals checkpoint and exit 75, and every kind of bad input fails before training with a
// message naming the file, the key and the fix.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <tuple>

#include "cli_util.h"
#include "nlohmann/json.hpp"
#include "train/metrics_log.h"

namespace sl::testing {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

// One small Markov dataset for the whole binary.
const fs::path& data_dir() {
  static const fs::path dir = prepare_markov("data", 150000, 2);
  return dir;
}

std::string config_text(const std::string& data, int64_t tokens) {
  return "name: e2e\n"
         "model:\n  n_layer: 2\n  d_model: 32\n  n_head: 2\n  ctx: 32\n  vocab: 256\n"
         "data:\n  path: " +
         data +
         "\n"
         "optim:\n  lr: 1e-2\n"
         "train:\n  tokens: " +
         std::to_string(tokens) +
         "\n  batch_size: 16\n  threads: 1\n"
         "  log_every: 5\n  eval_every: 20\n  eval_tokens: 2048\n  checkpoint_every: 10\n";
}

std::vector<json> rows_without_timing(const fs::path& run) {
  auto rows = metrics_read((run / "metrics.jsonl").string());
  EXPECT_TRUE(rows.ok());
  for (auto& r : *rows) {
    r.erase("wall_s");
    r.erase("tokens_per_s");
  }
  return *rows;
}

int64_t last_step(const fs::path& run) {
  auto rows = metrics_read((run / "metrics.jsonl").string());
  return rows.ok() && !rows->empty() ? rows->back().value("step", int64_t{0}) : 0;
}

TEST(TrainCli, SigkillMidRunThenRerunMatchesAnUninterruptedRun) {
  fs::path dir = e2e_dir("sigkill");
  write_file(dir / "cfg.yaml", config_text(data_dir().string(), 400 * 512));  // 400 steps
  CliResult full =
      run_cli("train " + (dir / "cfg.yaml").string() + " --run-dir " + (dir / "full").string());
  ASSERT_EQ(full.exit_code, 0) << full.output;

  pid_t pid =
      spawn_cli("train " + (dir / "cfg.yaml").string() + " --run-dir " + (dir / "killed").string(),
                (dir / "killed.log").string());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (last_step(dir / "killed") < 125 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  wait_exit_code(pid);
  ASSERT_FALSE(fs::exists(dir / "killed" / "summary.json")) << "the run finished before the kill";
  ASSERT_TRUE(fs::exists(dir / "killed" / "checkpoint.bin"));

  CliResult resumed =
      run_cli("train " + (dir / "cfg.yaml").string() + " --run-dir " + (dir / "killed").string());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming"), std::string::npos) << resumed.output;
  EXPECT_EQ(rows_without_timing(dir / "full"), rows_without_timing(dir / "killed"));
}

TEST(TrainCli, SigtermCheckpointsAndExitsInterrupted) {
  fs::path dir = e2e_dir("sigterm");
  write_file(dir / "cfg.yaml", config_text(data_dir().string(), 2000 * 512));
  pid_t pid =
      spawn_cli("train " + (dir / "cfg.yaml").string() + " --run-dir " + (dir / "run").string(),
                (dir / "log").string());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (last_step(dir / "run") < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit_code(pid), 75);
  EXPECT_TRUE(fs::exists(dir / "run" / "checkpoint.bin"));
  EXPECT_FALSE(fs::exists(dir / "run" / "summary.json"));
}

TEST(TrainCli, SampleGeneratesFromACheckpoint) {
  fs::path dir = e2e_dir("sample");
  write_file(dir / "cfg.yaml", config_text(data_dir().string(), 20 * 512));
  ASSERT_EQ(run_cli("train " + (dir / "cfg.yaml").string() + " --run-dir " + (dir / "run").string())
                .exit_code,
            0);
  CliResult a = run_cli("sample " + (dir / "run").string() + " --prompt ab --tokens 40 --seed 3");
  CliResult b = run_cli("sample " + (dir / "run").string() + " --prompt ab --tokens 40 --seed 3");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_EQ(a.output, b.output);  // seeded
  EXPECT_GE(a.output.size(), 42u);
  CliResult missing = run_cli("sample " + (dir / "nope").string());
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("not a run directory"), std::string::npos) << missing.output;
}

TEST(FlopsCli, Gpt2SmallJson) {
  CliResult r =
      run_cli("flops --n-layer 12 --d-model 768 --n-head 12 --ctx 1024 --vocab 50257 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json j = json::parse(r.output);
  EXPECT_EQ(j["params_total"].get<int64_t>(), 124337664);
  EXPECT_EQ(j["params_nonembedding"].get<int64_t>(), 84953856);
  const json& ch = j["flops_per_token"]["chinchilla"];
  for (const char* k :
       {"embeddings", "attention_qkv", "attention_logits", "attention_softmax", "attention_values",
        "attention_output", "mlp", "logits", "forward", "train"}) {
    EXPECT_TRUE(ch.contains(k)) << k;
  }
  EXPECT_DOUBLE_EQ(ch["train"].get<double>(), 3 * ch["forward"].get<double>());
  EXPECT_DOUBLE_EQ(j["flops_per_token"]["kaplan_6n"].get<double>(), 6.0 * 84953856);
  CliResult table =
      run_cli("flops --n-layer 12 --d-model 768 --n-head 12 --ctx 1024 --vocab 50257");
  EXPECT_NE(table.output.find("124337664"), std::string::npos) << table.output;
  CliResult bad = run_cli("flops --n-layer 2 --d-model 100 --n-head 3 --ctx 8 --vocab 10");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("n_head"), std::string::npos);
}

// `scalelab coordcheck`: the CSV (width, step, module, rms) and the plot; widths that n_head does
// not divide and a bad parametrization are refused before any training, naming what to change.
TEST(CoordcheckCli, WritesTheTableCsvAndPlotAndRefusesBadInput) {
  const fs::path dir = e2e_dir("coordcheck");
  write_file(dir / "cfg.yaml", config_text(data_dir().string(), 10240));
  const std::string cfg = (dir / "cfg.yaml").string();
  CliResult ok = run_cli("coordcheck " + cfg + " model.parametrization=mup --widths 16,32,64 " +
                         "--steps 2 --out " + (dir / "out").string());
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("RMS widest / narrowest at step 2, logits"), std::string::npos)
      << ok.output;
  std::ifstream csv(dir / "out" / "coordcheck.csv");
  std::string header, line;
  std::getline(csv, header);
  EXPECT_EQ(header, "width,step,module,rms");
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(rows, 3 * 3 * 4);  // widths x (init + 2 steps) x (embedding, 2 blocks, logits)
  EXPECT_TRUE(fs::exists(dir / "out" / "coordcheck.png"));

  CliResult odd = run_cli("coordcheck " + cfg + " --widths 16,33 --out " + (dir / "odd").string());
  EXPECT_EQ(odd.exit_code, 2);
  EXPECT_NE(odd.output.find("width 33"), std::string::npos) << odd.output;
  EXPECT_NE(odd.output.find("n_head"), std::string::npos) << odd.output;
  EXPECT_FALSE(fs::exists(dir / "odd"));
  CliResult bad = run_cli("coordcheck " + cfg + " model.parametrization=mu_p");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("model.parametrization"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("sp or mup"), std::string::npos) << bad.output;
}

// ---- bad input: each fails before any training, naming the file, key and fix ----

struct BadInput : ::testing::Test {
  fs::path dir = e2e_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  CliResult train(const std::string& cfg_text, const std::string& extra = "") {
    write_file(dir / "cfg.yaml", cfg_text);
    return run_cli("train " + (dir / "cfg.yaml").string() + " --run-dir " + (dir / "run").string() +
                   " " + extra);
  }
  void expect_no_training() { EXPECT_FALSE(fs::exists(dir / "run" / "metrics.jsonl")); }
  // Refused before anything is written: not even the run directory.
  void expect_nothing_written() { EXPECT_FALSE(fs::exists(dir / "run")) << "left " << dir / "run"; }
};

TEST_F(BadInput, UnknownKey) {
  std::string cfg = config_text(data_dir().string(), 10240);
  cfg.insert(cfg.find("  lr:"), "  learning_rate: 3\n");
  CliResult r = train(cfg);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("cfg.yaml:11:3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown key 'optim.learning_rate'"), std::string::npos) << r.output;
  expect_no_training();
}

TEST_F(BadInput, WrongType) {
  std::string cfg = config_text(data_dir().string(), 10240);
  cfg.replace(cfg.find("batch_size: 16"), 14, "batch_size: sixteen");
  CliResult r = train(cfg);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("train.batch_size"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cfg.yaml:14:15"), std::string::npos) << r.output;
  expect_no_training();
}

TEST_F(BadInput, ImpossibleShape) {
  std::string cfg = config_text(data_dir().string(), 10240);
  cfg.replace(cfg.find("n_head: 2"), 9, "n_head: 3");
  CliResult r = train(cfg);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("cfg.yaml:5:11"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not divisible"), std::string::npos) << r.output;
  expect_no_training();
}

TEST_F(BadInput, MissingTokenFile) {
  CliResult r = train(config_text((dir / "no_such_data").string(), 10240));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("no_such_data"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("scalelab prepare"), std::string::npos) << r.output;
  expect_nothing_written();
  // So the corrected command takes the same --run-dir; its done: line is short and honest.
  CliResult fixed = train(config_text(data_dir().string(), 10240));
  ASSERT_EQ(fixed.exit_code, 0) << fixed.output;
  const size_t at = fixed.output.find("final val loss ");
  ASSERT_NE(at, std::string::npos) << fixed.output;
  const std::string loss = fixed.output.substr(at + 15, fixed.output.find(' ', at + 15) - at - 15);
  EXPECT_EQ(loss.size() - loss.find('.'), 5u) << loss;  // 4 digits after the point
  EXPECT_EQ(fixed.output.find("null"), std::string::npos) << fixed.output;
}

TEST_F(BadInput, TruncatedTokenFile) {
  fs::path data = dir / "data";
  fs::create_directories(data);
  for (const char* f : {"train.bin", "val.bin", "meta.json"})
    fs::copy_file(data_dir() / f, data / f);
  fs::resize_file(data / "train.bin", fs::file_size(data / "train.bin") - 1001);  // odd byte count
  CliResult r = train(config_text(data.string(), 10240));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("train.bin"), std::string::npos) << r.output;
  expect_nothing_written();
}

TEST_F(BadInput, VocabSmallerThanTheData) {
  std::string cfg = config_text(data_dir().string(), 10240);
  cfg.replace(cfg.find("vocab: 256"), 10, "vocab: 8");
  CliResult r = train(cfg);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("model.vocab"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("at least 256"), std::string::npos) << r.output;
  expect_nothing_written();
}

TEST_F(BadInput, CheckpointFromADifferentConfig) {
  std::string cfg = config_text(data_dir().string(), 20 * 512);
  ASSERT_EQ(train(cfg).exit_code, 0);
  // The same run directory layout, another config, and the first run's checkpoint.
  fs::create_directories(dir / "other");
  fs::copy_file(dir / "run" / "checkpoint.bin", dir / "other" / "checkpoint.bin");
  std::string other = cfg;
  other.replace(other.find("lr: 1e-2"), 8, "lr: 2e-2");
  write_file(dir / "other.yaml", other);
  CliResult r =
      run_cli("train " + (dir / "other.yaml").string() + " --run-dir " + (dir / "other").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("belongs to run"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "other" / "metrics.jsonl"));
}

TEST_F(BadInput, CorruptedCheckpointIsNeverUsed) {
  std::string cfg = config_text(data_dir().string(), 400 * 512);
  ASSERT_EQ(train(cfg, "--stop-after-steps 30").exit_code, 75);
  {
    std::fstream f(dir / "run" / "checkpoint.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-64, std::ios::end);
    f.put('\x7f');
  }
  CliResult r = train(cfg);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("corrupted (checksum mismatch"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "run" / "summary.json"));
}

// d_model 1e6 ended in an uncaught std::bad_alloc (exit 134); n_layer 1e8 page-faulted towards the
// OOM killer. Now refused before anything is allocated, at the key, with what fits. Under a 8 GB
// address space limit, so the old behaviour fails fast instead of taking the machine's memory.
TEST_F(BadInput, ModelTooBigForThisMachineIsRefusedBeforeAllocating) {
  write_file(dir / "cfg.yaml", config_text(data_dir().string(), 10240));
  auto train_limited = [&](const std::string& args) {
    return run_shell("ulimit -v 8000000; " + std::string(SCALELAB_BIN) + " train " +
                     (dir / "cfg.yaml").string() + " --run-dir " + (dir / "run").string() +
                     " --no-progress train.device=cpu " + args);
  };
  CliResult r = train_limited("model.d_model=1000000");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(
      r.output.find(
          "error: override 'model.d_model=1000000': key 'model.d_model': training needs at least "),
      std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("more than the "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("it fits with model.d_model "), std::string::npos) << r.output;
  // In the file: its line and column.
  std::string cfg = config_text(data_dir().string(), 10240);
  cfg.replace(cfg.find("n_layer: 2"), 10, "n_layer: 100000000");
  write_file(dir / "cfg.yaml", cfg);
  r = train_limited("");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cfg.yaml:3:12: key 'model.n_layer': training needs at least "),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("it fits with model.n_layer "), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "run")) << "nothing may be written";
}

// train.threads: 100000 kept LibTorch's OpenMP pool spawning threads (a hang); 1e9 died in libgomp.
// `timeout` turns the old hang into a failure instead of a stuck test.
TEST_F(BadInput, ThreadsBeyondTheCoresAreRefusedNotAHang) {
  write_file(dir / "cfg.yaml", config_text(data_dir().string(), 10240));
  for (const std::string threads : {"100000", "1e9"}) {
    CliResult r = run_shell("timeout -s KILL 60 " + std::string(SCALELAB_BIN) + " train " +
                            (dir / "cfg.yaml").string() + " --run-dir " + (dir / "run").string() +
                            " --no-progress train.threads=" + threads);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("override 'train.threads=" + threads + "': key 'train.threads': "),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find(" cores of this machine; use 0 (all cores) or 1.."), std::string::npos)
        << r.output;
  }
  expect_no_training();
}

// `name: ../../evil` trained into out/runs/../../evil-<hash>, outside out/runs; `name=a/b` below
// it.
TEST_F(BadInput, RunNameThatIsNotADirectoryNameIsRefused) {
  write_file(dir / "cfg.yaml", config_text(data_dir().string(), 10240));
  for (const std::string name : {"../../evil", "a/b", "..", "'\"\"'"}) {
    CliResult r = run_shell("cd " + dir.string() + " && " + SCALELAB_BIN +
                            " train cfg.yaml --no-progress "
                            "--stop-after-steps 1 name=" +
                            name);
    EXPECT_EQ(r.exit_code, 2) << name << ": " << r.output;
    EXPECT_NE(r.output.find("key 'name': run name '"), std::string::npos) << r.output;
  }
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_TRUE(e.path().filename() == "cfg.yaml") << "written: " << e.path();
  }
}

// Each used to train: the second lr was dropped, `lr: ~` became the default, 0x10 was 16.
TEST_F(BadInput, RepeatedKeyEmptyValueAndHexadecimalAreRefused) {
  const std::string base = config_text(data_dir().string(), 10240);
  for (const auto& [from, to, expected] :
       {std::tuple<std::string, std::string, std::string>{
            "  lr: 1e-2\n", "  lr: 1e-2\n  lr: 3e-2\n",
            "cfg.yaml:12:3: key 'optim.lr' appears twice (first at line 11); keep one"},
        {"optim:\n", "optim:\n  lr: 1e-3\noptim:\n",
         "cfg.yaml:12:1: key 'optim' appears twice (first at line 10)"},
        {"  lr: 1e-2\n", "  lr: ~\n",
         "cfg.yaml:11:3: key 'optim.lr': is empty (~/null); give a value or delete the line"},
        {"  lr: 1e-2\n", "  lr: 0x10\n",
         "cfg.yaml:11:7: key 'optim.lr': '0x10' is not a number"}}) {
    std::string cfg = base;
    cfg.replace(cfg.find(from), from.size(), to);
    CliResult r = train(cfg, "--no-progress");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("/" + expected), std::string::npos) << r.output;
    expect_no_training();
  }
}

// 12 of 23 bad overrides were reported at cfg.yaml:1:1 (the override's own text has position 1:1).
TEST_F(BadInput, BadOverrideIsReportedAsTheOverride) {
  for (const std::string o :
       {"optim.lr=0x10", "model.n_head=3", "train.batch_size=0", "model=5", "optim.lrr=1"}) {
    CliResult r = train(config_text(data_dir().string(), 10240), "'" + o + "'");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("error: override '" + o + "'"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("cfg.yaml:1:1"), std::string::npos) << r.output;
  }
  expect_no_training();
}

TEST_F(BadInput, UnwritableRunDirectory) {
  write_file(dir / "cfg.yaml", config_text(data_dir().string(), 10240));
  write_file(dir / "a_file", "x");  // a run directory below a regular file cannot be created
  CliResult r = run_cli("train " + (dir / "cfg.yaml").string() + " --run-dir " +
                        (dir / "a_file" / "run").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("cannot create directory"), std::string::npos) << r.output;
}
}  // namespace
}  // namespace sl::testing

namespace sl::testing {
// The CUDA build on a machine without a GPU: asking for cuda is a clear refusal with exit 69,
// before anything is written; the CPU path of the same binary trains (the rest of this file).
TEST_F(BadInput, CudaWithoutAGpuExits69BeforeWritingAnything) {
  if (fs::exists("/dev/nvidia0"))
    GTEST_SKIP() << "this machine has an NVIDIA GPU: nothing to refuse";
  CliResult r = train(config_text(data_dir().string(), 10240), "train.device=cuda");
  EXPECT_EQ(r.exit_code, 69) << r.output;
  EXPECT_NE(r.output.find("device cuda asked for, but "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("train.device: cpu"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "run")) << "nothing may be written";
  CliResult b = run_cli("bench --preset tiny --device cuda --steps 1");
  EXPECT_EQ(b.exit_code, 69) << b.output;
  EXPECT_NE(b.output.find("device cuda asked for, but "), std::string::npos) << b.output;
}
}  // namespace sl::testing
