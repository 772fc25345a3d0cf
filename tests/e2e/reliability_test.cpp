// The attacks of docs/reliability.md that are not crash points (crash_points_test.cpp), soaks
// (scripts/soak_sigterm.sh, scripts/soak_sigkill.sh) or fuzzing (fuzz/): every durable file of a
// run and of its data damaged, a full disk, signals, contention for locks, and a run that blows up.
// Each attack ends in a clear error naming the file and the fix, or in the uninterrupted result;
// never in a silently reused bad file, a lost finished run, or a run trained twice.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <chrono>
#include <functional>
#include <regex>
#include <thread>

#include "cli_util.h"
#include "nlohmann/json.hpp"
#include "train/metrics_log.h"

namespace sl::testing {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

const fs::path& data_dir() {
  static const fs::path dir = prepare_markov("reliability_data", 150000, 6);
  return dir;
}

// A tiny run of `steps` optimizer steps (512 tokens each) on `data`.
std::string config_text(const fs::path& data, int steps) {
  return "name: reliability\nmodel: {n_layer: 2, d_model: 32, n_head: 2, ctx: 32, vocab: 256}\n"
         "data: {path: " +
         data.string() +
         "}\noptim: {lr: 1e-2}\n"
         "train: {tokens: " +
         std::to_string(steps * 512) +
         ", batch_size: 16, threads: 1, log_every: 5, eval_every: 20, eval_tokens: 2048,"
         " checkpoint_every: 10}\n";
}

std::string train(const fs::path& dir, const std::string& extra = "") {
  return std::string(SCALELAB_BIN) + " train " + (dir / "cfg.yaml").string() + " --run-dir " +
         (dir / "run").string() + " --no-progress " + extra;
}

std::vector<json> rows_without_timing(const fs::path& run) {
  auto rows = metrics_read((run / "metrics.jsonl").string());
  if (!rows.ok()) return {};
  for (auto& r : *rows) {
    r.erase("wall_s");
    r.erase("tokens_per_s");
  }
  return *rows;
}

// The run every attack on a run directory starts from: 60 steps, stopped at step 30 (a
// checkpoint, 6 metrics rows, no summary), and its uninterrupted result.
struct Runs {
  fs::path interrupted, finished;
};
const Runs& runs() {
  static const Runs r = [] {
    Runs out;
    const fs::path dir = e2e_dir("reliability_runs");
    write_file(dir / "cfg.yaml", config_text(data_dir(), 60));
    EXPECT_EQ(run_shell(train(dir, "--stop-after-steps 30")).exit_code, 75);
    fs::copy(dir, dir.string() + "_finished", fs::copy_options::recursive);
    out.interrupted = dir;
    out.finished = dir.string() + "_finished";
    EXPECT_EQ(run_shell(train(out.finished)).exit_code, 0);
    return out;
  }();
  return r;
}

fs::path copy_of(const fs::path& from, const std::string& name) {
  const fs::path to = e2e_dir(name);
  fs::remove_all(to);
  fs::copy(from, to, fs::copy_options::recursive);
  // The config names no run directory: a copy trains in its own `run`.
  return to;
}

void flip_byte(const fs::path& file, size_t at, unsigned char mask = 0x01) {
  std::string bytes = slurp(file);
  ASSERT_LT(at, bytes.size());
  bytes[at] = static_cast<char>(bytes[at] ^ mask);
  write_file(file, bytes);
}

void truncate_to(const fs::path& file, size_t size) { fs::resize_file(file, size); }

// --- Corruption: each durable file, truncated or with a flipped bit -------------------------------

struct Damage {
  const char* name;
  std::function<void(const fs::path& dir)> damage;  // on a copy of the interrupted run's directory
  int exit_code;                                    // of the next `train`
  std::vector<std::string> says;                    // in its output
};

TEST(Corruption, EveryDamagedFileIsReportedWithTheFileAndTheFix) {
  const std::vector<Damage> cases = {
      {"checkpoint truncated",
       [](const fs::path& d) {
         truncate_to(d / "run/checkpoint.bin", fs::file_size(d / "run/checkpoint.bin") / 2);
       },
       1,
       {"checkpoint.bin is corrupted", "Delete it to restart this run"}},
      {"checkpoint bit flip",
       [](const fs::path& d) {
         flip_byte(d / "run/checkpoint.bin", fs::file_size(d / "run/checkpoint.bin") / 2, 0x10);
       },
       1,
       {"checkpoint.bin is corrupted (checksum mismatch", "Delete it to restart this run"}},
      {"metrics.jsonl bit flip in a row",
       [](const fs::path& d) {
         const std::string text = slurp(d / "run/metrics.jsonl");
         flip_byte(d / "run/metrics.jsonl", text.find("\"step\"", text.size() / 2) + 1, 0x80);
       },
       1,
       {"metrics.jsonl:", "damaged row", "delete the run directory"}},
      {"metrics.jsonl cut in the middle",
       [](const fs::path& d) {
         truncate_to(d / "run/metrics.jsonl", fs::file_size(d / "run/metrics.jsonl") / 3);
       },
       1,
       {"metrics.jsonl", "missing"}},
      {"summary.json garbage on an unfinished run",
       [](const fs::path& d) { write_file(d / "run/summary.json", "not json{"); },
       1,
       {"summary.json"}},
  };
  for (const Damage& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path dir = copy_of(runs().interrupted, "corrupt");
    c.damage(dir);
    const std::string before = slurp(dir / "run/checkpoint.bin");
    CliResult r = run_shell(train(dir));
    EXPECT_EQ(r.exit_code, c.exit_code) << r.output;
    for (const auto& s : c.says)
      EXPECT_NE(r.output.find(s), std::string::npos) << s << "\n" << r.output;
    // Nothing was trained on top of the damage, and the damaged file was left for the user.
    EXPECT_EQ(slurp(dir / "run/checkpoint.bin"), before);
  }
}

TEST(Corruption, DamagedDataFilesAreRefusedBeforeTraining) {
  const std::vector<Damage> cases = {
      {"train.bin truncated by a byte",
       [](const fs::path& d) {
         truncate_to(d / "data/train.bin", fs::file_size(d / "data/train.bin") - 1);
       },
       1,
       {"train.bin"}},
      {"train.bin cut by a token",
       [](const fs::path& d) {
         truncate_to(d / "data/train.bin", fs::file_size(d / "data/train.bin") - 2);
       },
       1,
       {"train.bin has", "meta.json says"}},
      {"val.bin bit flip",
       [](const fs::path& d) { flip_byte(d / "data/val.bin", 100); },
       1,
       {"val.bin does not match its checksum"}},
      {"meta.json truncated",
       [](const fs::path& d) {
         truncate_to(d / "data/meta.json", fs::file_size(d / "data/meta.json") / 2);
       },
       1,
       {"meta.json is not a JSON object", "prepare it again"}},
      {"meta.json digit changed (vocab_size 256 -> 216)",
       [](const fs::path& d) {
         std::string text = slurp(d / "data/meta.json");
         const size_t at = text.find("\"vocab_size\": 256");
         ASSERT_NE(at, std::string::npos) << text;
         text[at + 15] = '1';
         write_file(d / "data/meta.json", text);
       },
       1,
       {"meta.json does not match its meta_checksum", "Prepare the dataset again"}},
  };
  for (const Damage& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path dir = e2e_dir("corrupt_data");
    fs::copy(data_dir(), dir / "data", fs::copy_options::recursive);
    write_file(dir / "cfg.yaml", config_text(dir / "data", 20));
    c.damage(dir);
    CliResult r = run_shell(train(dir));
    EXPECT_EQ(r.exit_code, c.exit_code) << r.output;
    for (const auto& s : c.says)
      EXPECT_NE(r.output.find(s), std::string::npos) << s << "\n" << r.output;
    EXPECT_FALSE(fs::exists(dir / "run/metrics.jsonl")) << "trained on damaged data";
    CliResult check = run_cli("check " + (dir / "data").string());
    EXPECT_EQ(check.exit_code, 1) << check.output;
  }
}

// --- A full disk ---------------------------------------------------------------------------------

// A tmpfs of `bytes` at `dir` (root only); false when it cannot be mounted here.
bool mount_small_disk(const fs::path& dir, size_t bytes) {
  fs::create_directories(dir);
  const std::string opts = "size=" + std::to_string(bytes);
  return ::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0;
}

TEST(FullDisk, AWriteThatFailsNamesThePathKeepsTheLastCheckpointAndResumes) {
  const fs::path dir = e2e_dir("full_disk");
  const fs::path disk = dir / "disk";
  // A checkpoint of this model is ~420 kB (weights and two AdamW moments); the disk holds one and
  // the metrics, not the temporary of the next beside it.
  if (!mount_small_disk(disk, 700 * 1024))
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << std::strerror(errno);
  struct Unmount {
    fs::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{disk};
  write_file(dir / "cfg.yaml", config_text(data_dir(), 60));
  const std::string args = "train " + (dir / "cfg.yaml").string() + " --no-progress --run-dir ";
  CliResult full = run_cli(args + (disk / "run").string());
  EXPECT_EQ(full.exit_code, 1) << full.output;
  EXPECT_NE(full.output.find("No space left on device"), std::string::npos) << full.output;
  EXPECT_NE(full.output.find((disk / "run").string()), std::string::npos) << full.output;
  // The checkpoint before the failed write is whole: with room again the run resumes from it and
  // ends as an uninterrupted run does.
  const std::string opts = "size=" + std::to_string(8 << 20);
  ASSERT_EQ(::mount("tmpfs", disk.c_str(), "tmpfs", MS_REMOUNT, opts.c_str()), 0)
      << std::strerror(errno);
  CliResult resumed = run_cli(args + (disk / "run").string());
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resum"), std::string::npos) << resumed.output;
  EXPECT_EQ(rows_without_timing(disk / "run"), rows_without_timing(runs().finished / "run"));
}

// --- Signals -------------------------------------------------------------------------------------

// Starts train and waits until it trains (past its first checkpoint, or resumed from one): a signal
// while the program is still loading, before main installs its handler, kills it (143), as it
// would any program.
pid_t start_training(const fs::path& dir, const fs::path& log) {
  const bool resuming = fs::exists(dir / "run" / "checkpoint.bin");
  pid_t pid = spawn_cli("train " + (dir / "cfg.yaml").string() + " --run-dir " +
                            (dir / "run").string() + " --no-progress",
                        log.string());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto training = [&] {
    return resuming ? slurp(log).find("resuming") != std::string::npos
                    : fs::exists(dir / "run" / "checkpoint.bin");
  };
  while (!training() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return pid;
}

TEST(Signals, SigintAndADoubleSigtermLeaveAResumableRunThatEndsAsAnUninterruptedOne) {
  const fs::path dir = e2e_dir("signals");
  write_file(dir / "cfg.yaml", config_text(data_dir(), 400));
  write_file(dir / "ref.yaml", config_text(data_dir(), 400));
  ASSERT_EQ(run_cli("train " + (dir / "ref.yaml").string() + " --no-progress --run-dir " +
                    (dir / "ref").string())
                .exit_code,
            0);
  // SIGINT (Ctrl-C): a checkpoint at the next step, exit 75.
  pid_t pid = start_training(dir, dir / "sigint.log");
  kill(pid, SIGINT);
  EXPECT_EQ(wait_exit_code(pid), 75) << slurp(dir / "sigint.log");
  // Two SIGTERMs in a row, the second while the first one's checkpoint may be being written: the
  // second exits at once (75), and the file on disk is the old checkpoint or the new one, whole.
  for (int delay_us : {0, 200, 2000, 20000}) {
    SCOPED_TRACE(delay_us);
    const fs::path log = dir / ("sigterm_" + std::to_string(delay_us) + ".log");
    pid = start_training(dir, log);
    kill(pid, SIGTERM);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    kill(pid, SIGTERM);
    EXPECT_EQ(wait_exit_code(pid), 75) << slurp(log);
  }
  CliResult end = run_shell(train(dir));
  ASSERT_EQ(end.exit_code, 0) << end.output;
  EXPECT_EQ(rows_without_timing(dir / "run"), rows_without_timing(dir / "ref"));
}

// --- Sweeps: damaged runs, locks, signals, divergence ---------------------------------------------

class SweepAttacks : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = e2e_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  // Two tiny runs (12k and 25k parameters), or those of `body`.
  fs::path spec(
      const std::string& body =
          "models: {sizes: [12k, 25k], head_dim: 16, aspect: 16}\ndata: {tokens: [20k]}\n") {
    write_file(dir_ / "s.yaml", "name: s\nbase:\n  model: {ctx: 16, vocab: 256}\n  data: {path: " +
                                    data_dir().string() +
                                    "}\n  optim: {lr: 3e-3}\n  train: {batch_size: 4, device: cpu,"
                                    " log_every: 5, eval_every: 20, eval_tokens: 512,"
                                    " checkpoint_every: 20}\n" +
                                    body);
    return dir_ / "s.yaml";
  }
  std::string sweep(const std::string& extra = "--workers 2") {
    return "sweep " + (dir_ / "s.yaml").string() + " --dir " + (dir_ / "sw").string() +
           " --no-progress " + extra;
  }
  // The Slurm batch script `sweep --slurm` would submit, from its dry run (which writes nothing
  // and never calls sbatch), written to DIR/task.sbatch.
  fs::path slurm_script(const std::string& extra) {
    CliResult r = run_cli(sweep("--slurm --dry-run " + extra));
    const size_t start = r.output.find("#!/bin/bash");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(start, std::string::npos) << r.output;
    write_file(dir_ / "task.sbatch", start == std::string::npos ? "" : r.output.substr(start));
    return dir_ / "task.sbatch";
  }
  std::vector<fs::path> run_dirs() {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_ / "sw" / "runs")) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path dir_;
};

TEST_F(SweepAttacks, ADamagedCheckpointFailsItsRunWithTheFixAndTheOthersGoOn) {
  spec();
  ASSERT_EQ(run_cli(sweep()).exit_code, 0);
  const fs::path bad = run_dirs()[0];
  fs::remove(bad / "summary.json");  // unfinished again: the next launch must resume it
  flip_byte(bad / "checkpoint.bin", fs::file_size(bad / "checkpoint.bin") / 2);
  CliResult r = run_cli(sweep());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("1 done, 0 diverged, 1 failed"), std::string::npos) << r.output;
  const std::string failed = slurp(bad / "failed.json");
  EXPECT_NE(failed.find("checkpoint.bin is corrupted"), std::string::npos) << failed;
  CliResult status = run_cli("status " + (dir_ / "sw").string());
  EXPECT_NE(status.output.find("checkpoint.bin is corrupted"), std::string::npos) << status.output;
}

// The lock of a driver that died (its pid gone) and a lock that does not parse hold nothing.
TEST_F(SweepAttacks, StaleAndDamagedLocksAreTakenOver) {
  spec();
  ASSERT_EQ(run_cli(sweep()).exit_code, 0);
  pid_t gone = fork();
  if (gone == 0) _exit(0);
  waitpid(gone, nullptr, 0);
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  const std::vector<fs::path> runs = run_dirs();
  ASSERT_EQ(runs.size(), 2u);
  for (const auto& d : runs) {  // unstarted again, but for the locks below
    for (const char* f : {"summary.json", "checkpoint.bin", "metrics.jsonl"}) fs::remove(d / f);
  }
  write_file(runs[0] / "lock", json{{"host", host},
                                    {"driver_pid", gone},
                                    {"driver_start", 1},
                                    {"child_pid", 0},
                                    {"child_start", 0}}
                                   .dump());
  write_file(runs[1] / "lock", "{\"host\": \"gar");
  CliResult r = run_cli(sweep());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 done, 0 diverged, 0 failed"), std::string::npos) << r.output;
  for (const auto& d : runs) {
    EXPECT_TRUE(fs::exists(d / "summary.json")) << d;
    EXPECT_FALSE(fs::exists(d / "lock")) << d;
  }
}

// A Slurm array task is a driver with --workers 1 --no-wait (sweeps/slurm.cpp): its batch script,
// run by bash beside a local driver, never trains a run the other has.
TEST_F(SweepAttacks, ADriverBesideASlurmTaskNeverTrainsARunTwice) {
  spec("models: {sizes: [12k, 25k, 50k], head_dim: 16, aspect: 16}\ndata: {tokens: [20k]}\n");
  const fs::path script = slurm_script("--slurm-tasks 1");
  pid_t task = fork();
  if (task == 0) {
    const std::string cmd =
        "exec bash " + script.string() + " >" + (dir_ / "task.log").string() + " 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  CliResult local = run_cli(sweep("--workers 1 --threads 1"));
  EXPECT_EQ(local.exit_code, 0) << local.output;
  // 0, or 75 when its last runs were the other driver's (it does not wait: --no-wait).
  const int task_exit = wait_exit_code(task);
  EXPECT_TRUE(task_exit == 0 || task_exit == 75) << task_exit << "\n" << slurp(dir_ / "task.log");
  const std::string logs = local.output + slurp(dir_ / "task.log");
  EXPECT_EQ(count(logs, "starting run "), 3u) << logs;
  for (const auto& d : run_dirs()) {
    EXPECT_TRUE(fs::exists(d / "summary.json")) << d;
    EXPECT_EQ(count(slurp(d / "train.log"), "done: "), 1u) << d;
  }
}

TEST_F(SweepAttacks, SigtermAndSigintStopTheSweepResumablyNeverFailed) {
  spec("models: {sizes: [25k, 50k], head_dim: 16, aspect: 16}\ndata: {tokens: [200k]}\n");
  for (int sig : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(sig);
    const fs::path log = dir_ / ("driver_" + std::to_string(sig) + ".log");
    pid_t driver = spawn_cli(sweep(), log.string());
    // Until both runs are launched, and a little more: the signal then lands mid-run.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (count(slurp(log), "starting run ") < 2 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    kill(driver, sig);
    EXPECT_EQ(wait_exit_code(driver), 75) << slurp(log);
    for (const auto& d : run_dirs()) EXPECT_FALSE(fs::exists(d / "failed.json")) << d;
  }
  CliResult end = run_cli(sweep());
  EXPECT_EQ(end.exit_code, 0) << end.output;
  EXPECT_NE(end.output.find("2 done, 0 diverged, 0 failed"), std::string::npos) << end.output;
}

TEST_F(SweepAttacks, ARunThatBlowsUpIsMarkedDivergedWithItsStepAndTheSweepGoesOn) {
  spec(
      "models: {sizes: [12k], head_dim: 16, aspect: 16}\ndata: {tokens: [20k]}\n"
      "optim.lr: [3e-3, 1e4]\noptim.grad_clip: 0\n");
  CliResult r = run_cli(sweep());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1 done, 1 diverged, 0 failed"), std::string::npos) << r.output;
  int diverged = 0;
  for (const auto& d : run_dirs()) {
    const json s = json::parse(slurp(d / "summary.json"));
    if (s["status"] != "diverged") continue;
    ++diverged;
    EXPECT_TRUE(std::regex_search(s["reason"].get<std::string>(),
                                  std::regex("(non-finite|exploded).* by step [0-9]+ at lr")))
        << s.dump();
  }
  EXPECT_EQ(diverged, 1);
  CliResult exported = run_cli("export " + (dir_ / "sw").string());
  EXPECT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_NE(slurp(dir_ / "sw/export/summary.csv").find("diverged"), std::string::npos);
}
}  // namespace
}  // namespace sl::testing
