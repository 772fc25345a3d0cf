// Data-parallel `scalelab train` on the CPU over Gloo, as a user starts it: `--nproc 2` equals one
// process with the same global batch (to the float tolerance below), resumes 2 -> 2 exactly and
// 2 -> 1 within it, refuses a batch that does not split, and a rank that dies or hangs ends the
// other with exit 76 and a clear message within the timeout; relaunching resumes from the last
// checkpoint to the same numbers as a run never interrupted.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "cli_util.h"
#include "nlohmann/json.hpp"
#include "train/checkpoint.h"
#include "train/local_launch.h"
#include "train/metrics_log.h"

namespace sl::testing {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

// Two ranks each compute half of every micro-batch and average their gradients, so the sums
// behind the loss and the gradient are added in another order than in one process: float32
// rounding that Adam's division by sqrt(v) carries on. Over the 60 steps below the measured
// largest differences are 7.7e-8 (relative) in a row's loss and 1.7e-6 in a weight; the tolerances
// leave a margin of about 13x and 17x and are far below what a wrong split or a missing average
// gives (the same model trained on one rank's half of each batch differs by 0.33 in a weight).
constexpr double kLossTol = 1e-6;    // relative, train and val loss of every row
constexpr double kWeightTol = 3e-5;  // absolute, every parameter

const fs::path& data_dir() {
  static const fs::path dir = prepare_markov("dp_data", 200000, 3);
  return dir;
}

// 2 layers, d_model 32, ctx 32; global batch 8 sequences: 256 tokens a step.
std::string config_text(int64_t steps, int batch = 8) {
  return "name: dp\n"
         "model:\n  n_layer: 2\n  d_model: 32\n  n_head: 2\n  ctx: 32\n  vocab: 256\n"
         "data:\n  path: " +
         data_dir().string() +
         "\noptim:\n  lr: 1e-2\n"
         "train:\n  tokens: " +
         std::to_string(steps * batch * 32) + "\n  batch_size: " + std::to_string(batch) +
         "\n  threads: 1\n  log_every: 5\n  eval_every: 20\n  eval_tokens: 2048\n"
         "  checkpoint_every: 20\n";
}

std::vector<json> rows(const fs::path& run) {
  auto r = metrics_read((run / "metrics.jsonl").string());
  EXPECT_TRUE(r.ok()) << r.status().message();
  std::vector<json> out = r.ok() ? *r : std::vector<json>{};
  for (auto& row : out) {
    row.erase("wall_s");
    row.erase("tokens_per_s");
  }
  return out;
}

torch::Tensor final_params(const fs::path& run) {
  auto c = load_checkpoint((run / "checkpoint.bin").string());
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? c->tensors["params"] : torch::zeros({1});
}

double rel(double a, double b) { return std::abs(a - b) / std::max(1e-12, std::abs(b)); }

// Every row at the same steps and tokens, the losses within kLossTol.
void expect_close_rows(const std::vector<json>& a, const std::vector<json>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["step"], b[i]["step"]);
    EXPECT_EQ(a[i]["tokens"], b[i]["tokens"]);
    EXPECT_EQ(a[i]["flops_6n"], b[i]["flops_6n"]);
    EXPECT_LT(rel(a[i]["train_loss"], b[i]["train_loss"]), kLossTol) << "row " << i;
    EXPECT_EQ(a[i].contains("val_loss"), b[i].contains("val_loss"));
    if (a[i].contains("val_loss")) {
      EXPECT_LT(rel(a[i]["val_loss"], b[i]["val_loss"]), kLossTol) << "row " << i;
    }
  }
}

std::string train_args(const fs::path& cfg, const fs::path& run) {
  return "train " + cfg.string() + " --run-dir " + run.string() + " --no-progress";
}

// One process and two ranks, both with a global batch of 8: computed once for the binary.
struct Baseline {
  fs::path dir, cfg, single, two;
};
const Baseline& baseline() {
  static const Baseline b = [] {
    Baseline b;
    b.dir = e2e_dir("dp_base");
    b.cfg = b.dir / "cfg.yaml";
    write_file(b.cfg, config_text(60));
    b.single = b.dir / "single";
    b.two = b.dir / "two";
    CliResult one = run_cli(train_args(b.cfg, b.single));
    EXPECT_EQ(one.exit_code, 0) << one.output;
    CliResult two = run_cli(train_args(b.cfg, b.two) + " --nproc 2");
    EXPECT_EQ(two.exit_code, 0) << two.output;
    return b;
  }();
  return b;
}

TEST(DataParallel, TwoRanksEqualOneProcessWithTheSameGlobalBatch) {
  const Baseline& b = baseline();
  const auto single = rows(b.single), two = rows(b.two);
  ASSERT_EQ(single.size(), 12u);  // a row every 5 steps
  expect_close_rows(two, single);
  // Not bitwise: the ranks really computed halves (an exact match would mean one rank did it all).
  EXPECT_NE(two.back()["train_loss"], single.back()["train_loss"]);
  const torch::Tensor p1 = final_params(b.single), p2 = final_params(b.two);
  ASSERT_EQ(p1.numel(), p2.numel());
  const double max_diff = (p1 - p2).abs().max().item<double>();
  EXPECT_LT(max_diff, kWeightTol);
  EXPECT_GT(max_diff, 0.0);
  // Rank 0 alone wrote the run directory; the summary says how many ranks trained it.
  auto summary = json::parse(std::ifstream(b.two / "summary.json"));
  EXPECT_EQ(summary["status"], "done");
  EXPECT_EQ(summary["ranks"], 2);
  EXPECT_EQ(summary["steps"], 60);
}

TEST(DataParallel, HalfTheBatchOnOneProcessIsFarFromTwoRanks) {
  // The tolerance above can fail: one process on 4 sequences a step (what one rank alone sees)
  // ends far outside it.
  const Baseline& b = baseline();
  const fs::path run = b.dir / "half";
  CliResult r = run_cli(train_args(b.cfg, run) + " train.batch_size=4 train.tokens=7680");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const double diff = (final_params(run) - final_params(b.two)).abs().max().item<double>();
  EXPECT_GT(diff, 100 * kWeightTol);
}

TEST(DataParallel, ResumesTwoToTwoExactlyAndTwoToOneWithinTolerance) {
  const Baseline& b = baseline();
  const fs::path dir = e2e_dir("dp_resume");
  // 2 -> 2: stopped at step 20 (exit 75, like an interrupt), resumed with 2 ranks.
  CliResult stop = run_cli(train_args(b.cfg, dir / "r22") + " --nproc 2 --stop-after-steps 20");
  ASSERT_EQ(stop.exit_code, 75) << stop.output;
  ASSERT_FALSE(fs::exists(dir / "r22" / "summary.json"));
  CliResult again = run_cli(train_args(b.cfg, dir / "r22") + " --nproc 2");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("from step 20"), std::string::npos) << again.output;
  EXPECT_EQ(rows(dir / "r22"), rows(b.two));
  EXPECT_TRUE(torch::equal(final_params(dir / "r22"), final_params(b.two)));
  // 2 -> 1: the same checkpoint, resumed by one process.
  CliResult stop1 = run_cli(train_args(b.cfg, dir / "r21") + " --nproc 2 --stop-after-steps 20");
  ASSERT_EQ(stop1.exit_code, 75) << stop1.output;
  CliResult one = run_cli(train_args(b.cfg, dir / "r21"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  EXPECT_NE(one.output.find("from step 20"), std::string::npos) << one.output;
  const auto r21 = rows(dir / "r21"), two = rows(b.two);
  ASSERT_EQ(r21.size(), two.size());
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(r21[i], two[i]) << "row " << i;  // steps 5..20
  expect_close_rows(r21, rows(b.single));
  EXPECT_LT((final_params(dir / "r21") - final_params(b.single)).abs().max().item<double>(),
            kWeightTol);
}

TEST(DataParallel, TorchrunStartsTheRanksThroughItsAgentStore) {
  // PyTorch's own launcher (the .venv's torchrun): its agent serves the TCPStore and every rank
  // joins it as a client (TORCHELASTIC_USE_AGENT_STORE); the numbers are --nproc 2's.
  const fs::path torchrun = fs::path(SCALELAB_SOURCE_DIR) / ".venv" / "bin" / "torchrun";
  if (!fs::exists(torchrun)) GTEST_SKIP() << "no " << torchrun << " (scripts/setup.sh installs it)";
  const Baseline& b = baseline();
  const fs::path run = e2e_dir("dp_torchrun") / "run";
  CliResult r = run_shell(torchrun.string() + " --standalone --nproc-per-node 2 --no-python " +
                          SCALELAB_BIN + " " + train_args(b.cfg, run));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(rows(run), rows(b.two));
  EXPECT_TRUE(torch::equal(final_params(run), final_params(b.two)));
}

TEST(DataParallel, ASweepRunWithTwoRanksIsStartedWithNproc) {
  // train.ranks: 2 in a spec: the local driver starts the run as `train --nproc 2`.
  const Baseline& b = baseline();
  const fs::path dir = e2e_dir("dp_sweep");
  write_file(dir / "spec.yaml", "name: dpsweep\nbase: " + b.cfg.string() +
                                    "\nmodels:\n  shapes: [{n_layer: 2, d_model: 32, n_head: 2}]\n"
                                    "data:\n  tokens: [15360]\ntrain.ranks: 2\ntrain.threads: 1\n");
  CliResult r = run_cli("sweep " + (dir / "spec.yaml").string() + " --dir " +
                        (dir / "sw").string() + " --workers 1 --threads 2 --no-progress");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  fs::path run;
  for (const auto& e : fs::directory_iterator(dir / "sw" / "runs")) run = e.path();
  auto summary = json::parse(std::ifstream(run / "summary.json"));
  EXPECT_EQ(summary["ranks"], 2);
  EXPECT_EQ(rows(run), rows(b.two));
}

TEST(DataParallel, ABatchThatDoesNotSplitIsRefusedBeforeAnyStep) {
  const fs::path dir = e2e_dir("dp_split");
  write_file(dir / "cfg.yaml", config_text(10, 6));
  CliResult r = run_cli(train_args(dir / "cfg.yaml", dir / "run") + " --nproc 4");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("train.batch_size = 6 does not split over 4 ranks"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "run"));
}

// A rank started the way torchrun starts one: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT.
pid_t spawn_rank(int rank, int port, const std::string& args, const fs::path& log) {
  const std::string env = "RANK=" + std::to_string(rank) +
                          " WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port);
  pid_t pid = fork();
  if (pid == 0) {
    const std::string cmd =
        "exec env " + env + " " + SCALELAB_BIN + " " + args + " >" + log.string() + " 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

bool has_checkpoint_past(const fs::path& run, int64_t step) {
  if (!fs::exists(run / "checkpoint.bin")) return false;
  auto c = load_checkpoint((run / "checkpoint.bin").string());
  return c.ok() && c->step >= step;
}

// Waits for `pid` up to `limit`; returns its exit code and the seconds it took, or -1 on timeout.
std::pair<int, double> wait_for(pid_t pid, std::chrono::seconds limit) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < limit) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), s};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {-1, 0};
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(DataParallel, AKilledRankEndsTheOtherAndARelaunchResumesExactly) {
  const fs::path dir = e2e_dir("dp_kill");
  write_file(dir / "cfg.yaml", config_text(400));
  const fs::path run = dir / "run";
  const int port = free_local_port();
  const std::string args = train_args(dir / "cfg.yaml", run) + " --dist-timeout 30";
  pid_t r0 = spawn_rank(0, port, args, dir / "rank0.log");
  pid_t r1 = spawn_rank(1, port, args, dir / "rank1.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!has_checkpoint_past(run, 40) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  kill(r1, SIGKILL);
  wait_exit_code(r1);
  const auto [code, seconds] = wait_for(r0, std::chrono::seconds(40));
  if (code < 0) kill(r0, SIGKILL);
  ASSERT_EQ(code, 76) << read_text(dir / "rank0.log");
  EXPECT_LT(seconds, 30.0);  // within the timeout (a dead peer's closed socket is noticed at once)
  const std::string log0 = read_text(dir / "rank0.log");
  EXPECT_NE(log0.find("rank 0 of 2: all-reduce"), std::string::npos) << log0;
  EXPECT_NE(log0.find("a peer rank died"), std::string::npos) << log0;
  ASSERT_FALSE(fs::exists(run / "summary.json")) << "the run finished before the kill";
  auto c = load_checkpoint((run / "checkpoint.bin").string());
  ASSERT_TRUE(c.ok());
  const int64_t resume_step = c->step;

  CliResult again = run_cli(args + " --nproc 2");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("from step " + std::to_string(resume_step)), std::string::npos)
      << again.output;
  CliResult whole = run_cli(train_args(dir / "cfg.yaml", dir / "whole") + " --nproc 2");
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  EXPECT_EQ(rows(run), rows(dir / "whole"));
  EXPECT_TRUE(torch::equal(final_params(run), final_params(dir / "whole")));
}

TEST(DataParallel, AHungRankEndsTheOtherAtTheTimeout) {
  const fs::path dir = e2e_dir("dp_hang");
  write_file(dir / "cfg.yaml", config_text(400));
  const fs::path run = dir / "run";
  const int port = free_local_port();
  const std::string args = train_args(dir / "cfg.yaml", run) + " --dist-timeout 4";
  pid_t r0 = spawn_rank(0, port, args, dir / "rank0.log");
  pid_t r1 = spawn_rank(1, port, args, dir / "rank1.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!has_checkpoint_past(run, 20) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  kill(r1, SIGSTOP);
  const auto [code, seconds] = wait_for(r0, std::chrono::seconds(30));
  kill(r1, SIGKILL);
  wait_exit_code(r1);
  if (code < 0) kill(r0, SIGKILL);
  ASSERT_EQ(code, 76) << read_text(dir / "rank0.log");
  EXPECT_GT(seconds, 3.0);   // it waited for the timeout...
  EXPECT_LT(seconds, 20.0);  // ...and not much longer
  EXPECT_NE(read_text(dir / "rank0.log").find("hung for more than 4 s"), std::string::npos)
      << read_text(dir / "rank0.log");
}

TEST(DataParallel, SigtermToTheLauncherStopsEveryRankAtOneCheckpoint) {
  const fs::path dir = e2e_dir("dp_term");
  write_file(dir / "cfg.yaml", config_text(400));
  const fs::path run = dir / "run";
  pid_t pid = spawn_cli(train_args(dir / "cfg.yaml", run) + " --nproc 2", (dir / "log").string());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!has_checkpoint_past(run, 20) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  kill(pid, SIGTERM);
  const auto [code, seconds] = wait_for(pid, std::chrono::seconds(60));
  ASSERT_EQ(code, 75) << read_text(dir / "log");
  EXPECT_FALSE(fs::exists(run / "summary.json"));
  auto c = load_checkpoint((run / "checkpoint.bin").string());
  ASSERT_TRUE(c.ok());
  // The metrics end where the checkpoint is: no rank went on past the agreed step.
  EXPECT_LE(rows(run).back()["step"].get<int64_t>(), c->step);
  EXPECT_GT(c->step, 20);
}
}  // namespace
}  // namespace sl::testing
