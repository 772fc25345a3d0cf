// End-to-end tests of `scalelab sweep`, `status` and `export` through the binary, on a tiny
// synthetic dataset: a grid trains, exports and resumes without retraining; one run's crash does
// not stop the others and is retried only with --retry-failed; a driver killed with SIGKILL
// mid-sweep is relaunched and every run finishes exactly once with the metrics of an uninterrupted
// sweep; two drivers on one sweep never train the same run; bad specs exit 2 with file:line:col;
// the dry run and --slurm.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "core/file_lock.h"
#include "core/run_paths.h"
#include "gtest/gtest.h"
#include "sweeps/spec.h"
#include "train/metrics_log.h"

namespace sl {
namespace fs = std::filesystem;
namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CliResult {
  int code;
  std::string out, err;
};

CliResult run_scalelab(const std::string& args, const fs::path& scratch) {
  const fs::path out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  const std::string cmd = std::string("cd '") + SCALELAB_SOURCE_DIR + "' && '" + SCALELAB_BIN +
                          "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(out), slurp(err)};
}

// Starts `scalelab ARGS...` in the background; returns its pid.
pid_t spawn_scalelab(const std::vector<std::string>& args, const fs::path& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    if (chdir(SCALELAB_SOURCE_DIR) != 0) _exit(126);
    std::vector<char*> argv{const_cast<char*>(SCALELAB_BIN)};
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(SCALELAB_BIN, argv.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

std::vector<fs::path> run_dirs(const fs::path& sweep) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(sweep / "runs")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

class SweepCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(SCALELAB_BIN)) return;
    // Per process: ctest runs each test in its own process, two at a time.
    root_ = fs::temp_directory_path() / ("scalelab_sweep_cli_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    auto r = run_scalelab("prepare --source 'synthetic:markov?tokens=200000' --out '" +
                              (root_ / "data").string() + "'",
                          root_);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  void SetUp() override {
    if (!fs::exists(SCALELAB_BIN)) GTEST_SKIP() << SCALELAB_BIN << " is not built";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = root_ / info->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  // A spec of tiny models (ctx 16, batch 4); `body` adds models/data/etc.
  fs::path spec(const std::string& body, const std::string& name = "s") {
    const fs::path p = dir_ / (name + ".yaml");
    std::ofstream(p) << "name: " << name
                     << "\nbase:\n  model: {ctx: 16, vocab: 256}\n  data: {path: "
                     << (root_ / "data").string()
                     << "}\n  optim: {lr: 3e-3}\n  train: {batch_size: 4, device: cpu, log_every: "
                        "5, eval_every: 20, "
                        "eval_tokens: 512, checkpoint_every: 20}\n"
                     << body;
    return p;
  }
  static fs::path root_;
  fs::path dir_;
};
fs::path SweepCli::root_;

const char* kGrid =
    "models: {sizes: [12k, 25k], head_dim: 16, aspect: 16}\ndata: {tokens: [6k, 12k]}\n";

TEST_F(SweepCli, TrainsStatusExportAndResumeSkipsFinishedRuns) {
  const fs::path sw = dir_ / "sw";
  auto r = run_scalelab(
      "sweep '" + spec(kGrid).string() + "' --dir '" + sw.string() + "' --workers 2", dir_);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("4 done, 0 diverged, 0 failed"), std::string::npos) << r.out;
  // The progress line's last draw names the latest finished runs with their final val losses.
  EXPECT_TRUE(std::regex_search(r.out + r.err,
                                std::regex("runs: 4/4 done.*\\| last: [^ ]+ [0-9]+\\.[0-9]{4}, "
                                           "[^ ]+ [0-9]+\\.[0-9]{4}, [^ ]+ [0-9]+\\.[0-9]{4} \\|")))
      << r.out << r.err;
  for (const auto& d : run_dirs(sw)) EXPECT_TRUE(fs::exists(d / "summary.json")) << d;
  const std::string log_before = slurp(sw / "sweep.log");
  EXPECT_EQ(count(log_before, "starting run "), 4u);
  std::map<fs::path, fs::file_time_type> mtimes;
  for (const auto& d : run_dirs(sw)) mtimes[d] = fs::last_write_time(d / "summary.json");

  auto st = run_scalelab("status '" + sw.string() + "'", dir_);
  ASSERT_EQ(st.code, 0) << st.err;
  EXPECT_EQ(count(st.out, " done "), 4u) << st.out;
  EXPECT_NE(st.out.find("4 runs: 4 done"), std::string::npos) << st.out;

  auto ex =
      run_scalelab("export '" + sw.string() + "' --out '" + (dir_ / "export").string() + "'", dir_);
  ASSERT_EQ(ex.code, 0) << ex.err;
  const std::string summary = slurp(dir_ / "export" / "summary.csv");
  const std::string header = summary.substr(0, summary.find('\n'));
  for (const char* col : {"run_id", "shape", "params_total", "params_nonembedding", "tokens",
                          "flops_6n", "flops_6n_attention", "flops_chinchilla", "flops_budget",
                          "epochs", "final_val_loss", "best_val_loss", "status", "reason"})
    EXPECT_NE(("," + header + ",").find(std::string(",") + col + ","), std::string::npos)
        << col << " in " << header;
  EXPECT_EQ(count(summary, "\n"), 5u);
  EXPECT_EQ(count(summary, ",done,"), 4u) << summary;
  const std::string curves = slurp(dir_ / "export" / "curves.csv");
  const std::string cheader = curves.substr(0, curves.find('\n'));
  for (const char* col :
       {"run_id", "shape", "params_total", "params_nonembedding", "step", "tokens", "flops_6n",
        "flops_6n_attention", "flops_chinchilla", "lr", "train_loss", "val_loss", "val_bpb"})
    EXPECT_NE(("," + cheader + ",").find(std::string(",") + col + ","), std::string::npos)
        << col << " in " << cheader;
  if (std::system("python3 -c 'import pandas' >/dev/null 2>&1") == 0) {
    const std::string py =
        "python3 -c \"import pandas as pd; s = pd.read_csv('" +
        (dir_ / "export" / "summary.csv").string() + "'); c = pd.read_csv('" +
        (dir_ / "export" / "curves.csv").string() +
        "'); assert len(s) == 4 and (s.status == 'done').all() and s.final_val_loss.gt(0).all(); "
        "assert c.val_loss.notna().sum() >= 8\"";
    EXPECT_EQ(std::system(py.c_str()), 0);
  }

  // Relaunch: nothing to do, nothing retrained.
  auto again = run_scalelab(
      "sweep '" + spec(kGrid).string() + "' --dir '" + sw.string() + "' --workers 2", dir_);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(count(slurp(sw / "sweep.log"), "starting run "), 4u);
  for (const auto& [d, t] : mtimes) EXPECT_EQ(fs::last_write_time(d / "summary.json"), t) << d;
}

// model.parametrization as a sweep axis: both runs train, and summary.csv gets a column for it
// with the default (sp) written out for the run whose config leaves the key out.
TEST_F(SweepCli, ParametrizationAxisTrainsAndExportsItsColumn) {
  const fs::path sw = dir_ / "sw";
  auto r = run_scalelab("sweep '" +
                            spec("models: {shapes: [{n_layer: 1, d_model: 32, n_head: 2}]}\n"
                                 "data: {tokens: [6k]}\nmodel.parametrization: [sp, mup]\n"
                                 "model.base_width: 16\n")
                                .string() +
                            "' --dir '" + sw.string() + "' --workers 2",
                        dir_);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2 done, 0 diverged, 0 failed"), std::string::npos) << r.out;
  auto ex =
      run_scalelab("export '" + sw.string() + "' --out '" + (dir_ / "export").string() + "'", dir_);
  ASSERT_EQ(ex.code, 0) << ex.err;
  const std::string summary = slurp(dir_ / "export" / "summary.csv");
  const std::string header = summary.substr(0, summary.find('\n'));
  EXPECT_NE(("," + header + ",").find(",model.parametrization,"), std::string::npos) << header;
  EXPECT_NE(summary.find(",L1-d32-h2,"), std::string::npos) << summary;
  EXPECT_NE(summary.find(",L1-d32-h2-mup16,"), std::string::npos) << summary;
  EXPECT_EQ(count(summary, ",sp,"), 1u) << summary;
  EXPECT_EQ(count(summary, ",mup,"), 1u) << summary;
}

// A partial run nobody is training has no ETA (its last tok/s said when it would have ended had
// it gone on), and the sweep's line gives no time left.
TEST_F(SweepCli, StatusGivesNoEtaForAPartialRunThatIsNotRunning) {
  const fs::path sw = dir_ / "sw";
  auto r = run_scalelab("sweep '" +
                            spec("models: {sizes: [12k], head_dim: 16, aspect: 16}\n"
                                 "data: {tokens: [16k]}\n")
                                .string() +
                            "' --dir '" + sw.string() + "' --workers 1 --no-progress",
                        dir_);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto dirs = run_dirs(sw);
  ASSERT_EQ(dirs.size(), 1u);
  // The run as an interrupted one leaves it: no summary, metrics up to an early step.
  fs::remove(dirs[0] / "summary.json");
  auto rows = metrics_read((dirs[0] / "metrics.jsonl").string());
  ASSERT_TRUE(rows.ok() && rows->size() >= 3) << rows.status();
  ASSERT_GT((*rows)[1]["tokens_per_s"].get<double>(), 0);
  ASSERT_TRUE(metrics_truncate_after((dirs[0] / "metrics.jsonl").string(),
                                     (*rows)[1]["step"].get<int64_t>())
                  .ok());

  auto st = run_scalelab("status '" + sw.string() + "'", dir_);
  ASSERT_EQ(st.code, 0) << st.err;
  std::istringstream lines(st.out);
  std::string line, run_line;
  while (std::getline(lines, line))
    if (line.find(" partial ") != std::string::npos) run_line = line;
  ASSERT_FALSE(run_line.empty()) << st.out;
  EXPECT_NE(run_line.find(" - "), std::string::npos) << run_line;  // the eta column
  EXPECT_TRUE(std::regex_search(run_line, std::regex(" - +not running: resumes when the sweep "
                                                     "runs again")))
      << run_line;
  EXPECT_EQ(st.out.find("end in about"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("1 runs: 1 partial"), std::string::npos) << st.out;
}

TEST_F(SweepCli, OneRunsCrashDoesNotStopTheOthersAndIsRetriedOnlyWhenAsked) {
  const fs::path sw = dir_ / "sw";
  const fs::path s = spec(kGrid);
  // --slurm lays out the sweep directory without training (then sbatch, absent here, or a
  // submission nobody runs); then break one run's checkpoint.
  auto prep = run_scalelab(
      "sweep '" + s.string() + "' --dir '" + sw.string() + "' --slurm --slurm-tasks 1", dir_);
  ASSERT_TRUE(fs::exists(sw / "plan.json")) << prep.err;
  const fs::path bad = run_dirs(sw)[1];
  std::ofstream(bad / "checkpoint.bin") << "not a checkpoint";
  auto r = run_scalelab("sweep '" + s.string() + "' --dir '" + sw.string() + "' --workers 2", dir_);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("3 done, 0 diverged, 1 failed"), std::string::npos) << r.out;
  ASSERT_TRUE(fs::exists(bad / "failed.json"));
  EXPECT_NE(slurp(bad / "failed.json").find("checkpoint"), std::string::npos)
      << slurp(bad / "failed.json");
  auto st = run_scalelab("status '" + sw.string() + "'", dir_);
  EXPECT_NE(st.out.find("failed"), std::string::npos) << st.out;
  auto ex = run_scalelab("export '" + sw.string() + "'", dir_);
  ASSERT_EQ(ex.code, 0) << ex.err;
  EXPECT_NE(slurp(sw / "export" / "summary.csv").find(",failed,\"exit code 1: checkpoint "),
            std::string::npos)
      << slurp(sw / "export" / "summary.csv");

  fs::remove(bad / "checkpoint.bin");
  r = run_scalelab("sweep '" + s.string() + "' --dir '" + sw.string() + "'", dir_);
  EXPECT_EQ(r.code, 1);  // still failed: not retried without --retry-failed
  EXPECT_FALSE(fs::exists(bad / "summary.json"));
  r = run_scalelab("sweep '" + s.string() + "' --dir '" + sw.string() + "' --retry-failed", dir_);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(bad / "summary.json"));
  EXPECT_FALSE(fs::exists(bad / "failed.json"));
}

// One unreadable summary.json is reported with the file and the fix by status, export, sweep and
// train, while the rest of the sweep goes on; deleting it rewrites it from the final checkpoint.
TEST_F(SweepCli, UnreadableSummaryIsReportedAndTheRestGoesOn) {
  const fs::path sw = dir_ / "sw";
  const fs::path s = spec(kGrid);
  auto r = run_scalelab("sweep '" + s.string() + "' --dir '" + sw.string() + "' --workers 2", dir_);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const fs::path bad = run_dirs(sw)[2];
  const std::string good_summary = slurp(bad / "summary.json");
  std::ofstream(bad / "summary.json") << "not json{";
  const std::string expected = (bad / "summary.json").string() + " is unreadable";

  auto st = run_scalelab("status '" + sw.string() + "'", dir_);
  EXPECT_LT(st.code, 100) << st.err;  // no abort (134)
  EXPECT_NE((st.out + st.err).find(expected), std::string::npos) << st.out << st.err;
  EXPECT_NE(st.out.find("4 runs: 3 done 1 failed"), std::string::npos) << st.out;
  auto ex =
      run_scalelab("export '" + sw.string() + "' --out '" + (dir_ / "export").string() + "'", dir_);
  EXPECT_EQ(ex.code, 0) << ex.err;
  const std::string summary = slurp(dir_ / "export" / "summary.csv");
  EXPECT_EQ(count(summary, ",done,"), 3u) << summary;
  EXPECT_NE(summary.find(expected), std::string::npos) << summary;
  auto again = run_scalelab("sweep '" + s.string() + "' --dir '" + sw.string() + "'", dir_);
  EXPECT_EQ(again.code, 1) << again.out << again.err;  // one run is not done
  EXPECT_NE((again.out + again.err).find(expected), std::string::npos) << again.out << again.err;
  auto train = run_scalelab(
      "train '" + (bad / "config.yaml").string() + "' --run-dir '" + bad.string() + "'", dir_);
  EXPECT_EQ(train.code, 1) << train.err;
  EXPECT_NE(train.err.find("delete it and run the same command again"), std::string::npos)
      << train.err;

  fs::remove(bad / "summary.json");
  train = run_scalelab(
      "train '" + (bad / "config.yaml").string() + "' --run-dir '" + bad.string() + "'", dir_);
  ASSERT_EQ(train.code, 0) << train.err;
  auto rewritten = nlohmann::json::parse(slurp(bad / "summary.json"));
  auto original = nlohmann::json::parse(good_summary);
  EXPECT_EQ(rewritten["final_val_loss"], original["final_val_loss"]);
  EXPECT_EQ(rewritten["steps"], original["steps"]);
}

// A run whose trainer dies of SIGTERM before it could install its handler was stopped, not failed.
TEST_F(SweepCli, RunKilledBySigtermIsInterruptedNotFailed) {
  const fs::path sw = dir_ / "sw";
  const fs::path s = spec(kGrid);
  const pid_t driver =
      spawn_scalelab({"sweep", s.string(), "--dir", sw.string(), "--workers", "2"}, dir_ / "d.log");
  // Kill the first trainer child the moment it exists (well inside its start-up).
  pid_t child = 0;
  for (int i = 0; i < 400 && child == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::string cmd = "pgrep -P " + std::to_string(driver) + " -x scalelab | head -1 > '" +
                            (dir_ / "child").string() + "'";
    if (std::system(cmd.c_str()) == 0) {
      const std::string t = slurp(dir_ / "child");
      if (!t.empty()) child = static_cast<pid_t>(std::stol(t));
    }
  }
  ASSERT_GT(child, 0) << "no trainer child appeared";
  ::kill(child, SIGTERM);
  const int code = wait_exit(driver);
  EXPECT_TRUE(code == 0 || code == 75) << code << slurp(dir_ / "d.log");
  for (const auto& d : run_dirs(sw))
    EXPECT_FALSE(fs::exists(d / "failed.json")) << d << slurp(dir_ / "d.log");
  auto r = run_scalelab("sweep '" + s.string() + "' --dir '" + sw.string() + "' --workers 2", dir_);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("4 done, 0 diverged, 0 failed"), std::string::npos) << r.out;
}

// Rows without the timing fields, for comparing two sweeps.
std::vector<nlohmann::json> metrics_of(const fs::path& run) {
  auto rows = metrics_read((run / "metrics.jsonl").string());
  EXPECT_TRUE(rows.ok()) << rows.status();
  std::vector<nlohmann::json> out = rows.ok() ? *rows : std::vector<nlohmann::json>{};
  for (auto& r : out) {
    r.erase("wall_s");
    r.erase("tokens_per_s");
  }
  return out;
}

TEST_F(SweepCli, DriverKilledMidSweepResumesEveryRunExactlyOnce) {
  const std::string body =
      "models: {sizes: [12k, 25k, 40k], head_dim: 16, aspect: 16}\ndata: {tokens: [16k, 32k]}\n";
  const fs::path s = spec(body);
  const fs::path ref = dir_ / "ref", sw = dir_ / "sw";
  auto r = run_scalelab(
      "sweep '" + s.string() + "' --dir '" + ref.string() + "' --workers 2 --no-progress", dir_);
  ASSERT_EQ(r.code, 0) << r.err;

  pid_t pid =
      spawn_scalelab({"sweep", s.string(), "--dir", sw.string(), "--workers", "2", "--no-progress"},
                     dir_ / "first.log");
  // Kill the driver once some run has finished and some has not.
  std::map<fs::path, fs::file_time_type> finished_before;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(sw / "plan.json")) {
      size_t done = 0, total = 0;
      for (const auto& d : run_dirs(sw)) {
        ++total;
        done += fs::exists(d / "summary.json");
      }
      if (done >= 1 && done < total) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  wait_exit(pid);
  size_t unfinished = 0;
  for (const auto& d : run_dirs(sw)) {
    if (fs::exists(d / "summary.json"))
      finished_before[d] = fs::last_write_time(d / "summary.json");
    else
      ++unfinished;
  }
  ASSERT_GT(finished_before.size(), 0u);
  ASSERT_GT(unfinished, 0u) << "the sweep finished before the kill: make it longer";

  r = run_scalelab(
      "sweep '" + s.string() + "' --dir '" + sw.string() + "' --workers 2 --no-progress", dir_);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  // A child of the killed driver may have written its summary.json and still be exiting (its
  // "done:" line not yet flushed): wait until no trainer holds a run's lock.
  for (const auto& d : run_dirs(sw)) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!FileLock::try_acquire(RunPaths(d.string()).train_lock()).ok() &&
           std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const auto ref_dirs = run_dirs(ref), dirs = run_dirs(sw);
  ASSERT_EQ(ref_dirs.size(), dirs.size());
  for (size_t i = 0; i < dirs.size(); ++i) {
    ASSERT_EQ(ref_dirs[i].filename(), dirs[i].filename());  // the same run ids
    ASSERT_TRUE(fs::exists(dirs[i] / "summary.json")) << dirs[i];
    // Finished exactly once: one "done:" line from `scalelab train` in the run's log.
    EXPECT_EQ(count(slurp(dirs[i] / "train.log"), "done: "), 1u) << slurp(dirs[i] / "train.log");
    auto it = finished_before.find(dirs[i]);
    if (it != finished_before.end()) {
      EXPECT_EQ(fs::last_write_time(dirs[i] / "summary.json"), it->second)
          << "retrained " << dirs[i];
    }
    auto a = metrics_of(ref_dirs[i]), b = metrics_of(dirs[i]);
    ASSERT_EQ(a.size(), b.size()) << dirs[i];
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k]["step"], b[k]["step"]);
      EXPECT_EQ(a[k].value("val_loss", -1.0), b[k].value("val_loss", -1.0))
          << dirs[i] << " step " << a[k]["step"];
      const double x = a[k]["train_loss"], y = b[k]["train_loss"];
      EXPECT_NEAR(x, y, 1e-12 * std::abs(x)) << dirs[i] << " step " << a[k]["step"];
    }
  }
}

TEST_F(SweepCli, TwoDriversNeverTrainTheSameRun) {
  const fs::path s = spec(kGrid), sw = dir_ / "sw";
  pid_t a = spawn_scalelab({"sweep", s.string(), "--dir", sw.string(), "--workers", "1",
                            "--threads", "1", "--no-progress"},
                           dir_ / "a.log");
  pid_t b = spawn_scalelab({"sweep", s.string(), "--dir", sw.string(), "--workers", "1",
                            "--threads", "1", "--no-progress"},
                           dir_ / "b.log");
  EXPECT_EQ(wait_exit(a), 0) << slurp(dir_ / "a.log");
  EXPECT_EQ(wait_exit(b), 0) << slurp(dir_ / "b.log");
  const std::string logs = slurp(dir_ / "a.log") + slurp(dir_ / "b.log");
  EXPECT_EQ(count(logs, "starting run "), 4u) << logs;
  for (const auto& d : run_dirs(sw)) {
    EXPECT_TRUE(fs::exists(d / "summary.json"));
    EXPECT_EQ(count(slurp(d / "train.log"), "done: "), 1u) << d;
  }
}

TEST_F(SweepCli, SharedStablePhaseBranchesAndSavesTokens) {
  const fs::path s = spec(
      "models: {sizes: [12k], head_dim: 16, aspect: 16}\ndata: {tokens: [8k, 16k, 32k]}\n"
      "schedule: wsd\nshare_stable_phase: true\n");
  auto dry = run_scalelab("sweep '" + s.string() + "' --dry-run --no-estimate", dir_);
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_NE(dry.out.find("shared stable phases save"), std::string::npos) << dry.out;
  EXPECT_EQ(count(dry.out, "branch at step"), 2u) << dry.out;
  const fs::path sw = dir_ / "sw";
  auto r = run_scalelab("sweep '" + s.string() + "' --dir '" + sw.string() + "' --workers 2", dir_);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  int branched = 0;
  for (const auto& d : run_dirs(sw))
    branched += slurp(d / "summary.json").find("branched_from") != std::string::npos;
  EXPECT_EQ(branched, 2);
}

TEST_F(SweepCli, DryRunPrintsThePlanWithEstimates) {
  auto r = run_scalelab("sweep '" + spec(kGrid).string() + "' --dry-run --workers 2", dir_);
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* col : {"shape", "N", "D", "C(6n)", "D/N", "epochs", "est_time"})
    EXPECT_NE(r.out.find(col), std::string::npos) << col << "\n" << r.out;
  EXPECT_NE(r.out.find("estimated time:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 runs"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(fs::path(SCALELAB_SOURCE_DIR) / "out" / "sweeps" / "s" / "runs"));
}

TEST_F(SweepCli, BadSpecExitsTwoWithPosition) {
  auto r = run_scalelab(
      "sweep '" + spec(std::string(kGrid) + "sedes: [1]\n").string() + "' --dry-run", dir_);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("s.yaml:9:1: key 'sedes'"), std::string::npos) << r.err;
  r = run_scalelab(
      "sweep '" + spec("models: {sizes: [12k]}\ndata: {tokens: [10]}\n").string() + "' --dry-run",
      dir_);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("s.yaml:8:17: key 'data.tokens[0]'"), std::string::npos) << r.err;
}

// Bad specs that passed the dry run: a size no machine here can train (it crashed later with
// std::bad_alloc), a budget beyond int64, a second seeds: (the first was kept), a name that leaves
// out/sweeps, more threads than cores.
TEST_F(SweepCli, DryRunRefusesBadInputThatUsedToPass) {
  auto r = run_scalelab(
      "sweep '" +
          spec("models: {sizes: [12k, 1e15], head_dim: 16}\ndata: {tokens: [6k]}\n").string() +
          "' --dry-run --no-estimate",
      dir_);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("s.yaml:7:23: key 'models.sizes[1]': gives L"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cannot train on this machine"), std::string::npos) << r.err;
  r = run_scalelab("sweep '" + spec("models: {sizes: [12k]}\ndata: {tokens: [1e30]}\n").string() +
                       "' --dry-run --no-estimate",
                   dir_);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("s.yaml:8:17: key 'data.tokens[0]': gives 1e+30 tokens"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("at most 9.2e+18 tokens"), std::string::npos) << r.err;
  r = run_scalelab("sweep '" + spec(std::string(kGrid) + "seeds: [1, 2]\nseeds: [3]\n").string() +
                       "' --dry-run --no-estimate",
                   dir_);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("s.yaml:10:1: key 'seeds' appears twice (first at line 9); keep one"),
            std::string::npos)
      << r.err;
  r = run_scalelab("sweep '" + spec(kGrid, "..").string() + "' --dry-run --no-estimate", dir_);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("key 'name': run name '..' starts with '.'"), std::string::npos) << r.err;
  r = run_scalelab("sweep '" + spec(kGrid).string() + "' --dry-run --no-estimate --threads 100000",
                   dir_);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--threads 100000 is more than the "), std::string::npos) << r.err;
}

TEST_F(SweepCli, SlurmDryRunPrintsTheArrayScriptAndWritesNothing) {
  const fs::path sw = dir_ / "sw";
  auto r = run_scalelab("sweep '" + spec(kGrid).string() + "' optim.weight_decay=0.05 --dir '" +
                            sw.string() + "' --slurm --dry-run --slurm-tasks 3",
                        dir_);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string& script = r.out;
  EXPECT_NE(script.find("#SBATCH --array=0-2"), std::string::npos) << script;
  EXPECT_NE(script.find(" sweep '" + fs::absolute(spec(kGrid)).string() +
                        "' 'optim.weight_decay=0.05' --dir '" + fs::absolute(sw).string() +
                        "' --workers 1"),
            std::string::npos)
      << script;
  EXPECT_FALSE(fs::exists(sw)) << "a dry run wrote " << sw;
}

TEST_F(SweepCli, SlurmScriptQuotesPathsForSbatchAndAsksForTheRanks) {
  // A sweep directory with a space, a double quote, $(...) and a '%': the #SBATCH lines, which
  // sbatch splits itself, get it double-quoted with '\"' escaped and '%' doubled (Slurm's filename
  // patterns); train.ranks=2 asks for 2 tasks and exports rank 0's address for srun.
  const fs::path sw = dir_ / "a \"b\" $(c) 100%";
  auto r = run_scalelab("sweep '" + spec(kGrid).string() + "' train.ranks=2 --dir '" + sw.string() +
                            "' --slurm --dry-run",
                        dir_);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string& script = r.out;
  const std::string abs = fs::absolute(sw).string();
  const std::string quoted_dir =
      abs.substr(0, abs.size() - std::string(sw.filename()).size()) + "a \\\"b\\\" $(c) 100%%";
  EXPECT_NE(script.find("#SBATCH --output=\"" + quoted_dir + "/slurm/%A_%a.out\"\n"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("#SBATCH --ntasks=2\n"), std::string::npos) << script;
  EXPECT_NE(script.find("export MASTER_ADDR\n"), std::string::npos) << script;
  EXPECT_NE(script.find("#SBATCH --signal=B:USR1@120\n"), std::string::npos) << script;
  EXPECT_NE(script.find("#SBATCH --open-mode=append\n"), std::string::npos) << script;
  // A spec without ranks asks for one task a run.
  auto one = run_scalelab("sweep '" + spec(kGrid).string() + "' --slurm --dry-run", dir_);
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_NE(one.out.find("#SBATCH --ntasks=1\n"), std::string::npos) << one.out;
  EXPECT_EQ(one.out.find("MASTER_ADDR"), std::string::npos) << one.out;
}

TEST_F(SweepCli, OverridesApplyToEveryRunAndAreRecordedInThePlan) {
  const fs::path sw = dir_ / "ov";
  auto r = run_scalelab("sweep '" + spec(kGrid).string() + "' optim.weight_decay=0.05 --dir '" +
                            sw.string() + "' --dry-run --no-estimate",
                        dir_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(fs::exists(sw));
  auto plan = expand_sweep_spec(spec(kGrid).string(), /*check_data=*/false, "",
                                {"optim.weight_decay=0.05"});
  ASSERT_TRUE(plan.ok()) << plan.status();
  for (const auto& run : plan->runs) EXPECT_DOUBLE_EQ(run.cfg.optim.weight_decay, 0.05);
  EXPECT_EQ(plan->overrides, std::vector<std::string>{"optim.weight_decay=0.05"});
  EXPECT_NE(plan_to_json(*plan).find("\"optim.weight_decay=0.05\""), std::string::npos);
  // A bad one names the override; one on a key the spec sweeps is refused.
  auto bad = run_scalelab("sweep '" + spec(kGrid).string() + "' optim.lr=0x10 --dry-run", dir_);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("override 'optim.lr=0x10'"), std::string::npos) << bad.err;
  auto seed = run_scalelab("sweep '" + spec(kGrid).string() + "' train.seed=3 --dry-run", dir_);
  EXPECT_EQ(seed.code, 2);
  EXPECT_NE(seed.err.find("override 'train.seed=3'"), std::string::npos) << seed.err;
}
}  // namespace
}  // namespace sl
