// Lock files (claim, live owner, stale owner on this host, takeover), the export CSV writer, and
// the Slurm script.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "core/files.h"
#include "gtest/gtest.h"
#include "sweeps/driver.h"
#include "sweeps/export.h"
#include "sweeps/run_store.h"
#include "sweeps/slurm.h"
#include "train/metrics_log.h"
#include "train/train_config.h"

namespace sl {
namespace fs = std::filesystem;
namespace {
fs::path fresh_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir =
      fs::temp_directory_path() / (std::string("scalelab_sweeps_") + info->test_suite_name() + "_" +
                                   info->name() + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}
LockInfo me() {
  LockInfo l;
  l.host = this_host();
  l.driver_pid = getpid();
  l.driver_start = process_start_time(getpid());
  return l;
}
}  // namespace

TEST(Locks, OneOwnerAtATime) {
  const std::string lock = (fresh_dir() / "lock").string();
  auto a = acquire_lock(lock, me());
  ASSERT_TRUE(a.ok() && *a);
  EXPECT_TRUE(lock_held_live(lock));
  auto b = acquire_lock(lock, me());  // held by a live process (us)
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(*b);
  release_lock(lock);
  EXPECT_FALSE(lock_held_live(lock));
  auto c = acquire_lock(lock, me());
  ASSERT_TRUE(c.ok() && *c);
}

TEST(Locks, StaleLockOfADeadProcessIsTakenOver) {
  const std::string lock = (fresh_dir() / "lock").string();
  // A child that exits at once: its pid is dead when we look.
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int st;
  waitpid(pid, &st, 0);
  LockInfo dead;
  dead.host = this_host();
  dead.driver_pid = pid;
  dead.driver_start = 12345;
  ASSERT_TRUE(update_lock(lock, dead).ok());
  EXPECT_TRUE(lock_is_stale(lock));
  auto got = acquire_lock(lock, me());
  ASSERT_TRUE(got.ok() && *got);
  EXPECT_FALSE(lock_is_stale(lock));
  // The same pid with another start time is a reused pid: stale too.
  LockInfo reused = me();
  reused.driver_start += 1;
  ASSERT_TRUE(update_lock(lock, reused).ok());
  EXPECT_TRUE(lock_is_stale(lock));
  // Another host's lock is stale only when its heartbeat is old.
  LockInfo remote = me();
  remote.host = "some-other-node";
  ASSERT_TRUE(update_lock(lock, remote).ok());
  EXPECT_FALSE(lock_is_stale(lock, 600));
  EXPECT_TRUE(lock_is_stale(lock, -1));
}

TEST(Slurm, ArrayOfOneWorkerDriversOnTheSweepDirectory) {
  SweepPlan plan;
  plan.name = "ladder";
  plan.runs.resize(5);
  SlurmOptions o;
  o.cpus_per_task = 4;
  o.partition = "cpu";
  o.extra = "--account=abc; --qos=low";
  std::string s =
      slurm_script(plan, o, "/opt/scalelab", "/specs/ladder.yaml", "/scratch/sw", "/repo");
  EXPECT_EQ(s.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_NE(s.find("#SBATCH --array=0-4\n"), std::string::npos) << s;
  EXPECT_NE(s.find("#SBATCH --cpus-per-task=4\n"), std::string::npos) << s;
  EXPECT_NE(s.find("#SBATCH --partition=cpu\n"), std::string::npos) << s;
  EXPECT_NE(s.find("#SBATCH --account=abc\n"), std::string::npos) << s;
  EXPECT_NE(s.find("#SBATCH --qos=low\n"), std::string::npos) << s;
  EXPECT_NE(s.find("#SBATCH --output=\"/scratch/sw/slurm/%A_%a.out\"\n"), std::string::npos) << s;
  EXPECT_NE(s.find("cd '/repo'\n"), std::string::npos) << s;
  EXPECT_NE(s.find("'/opt/scalelab' sweep '/specs/ladder.yaml' --dir '/scratch/sw' --workers "
                   "1 --threads 4 "
                   "--device cpu --no-wait --no-progress &\n"),
            std::string::npos)
      << s;
  // Slurm's conventions: separate stderr, requeue on node failure and on the resumable exit code,
  // memory asked for (an empty plan: the 2G floor).
  EXPECT_NE(s.find("#SBATCH --error=\"/scratch/sw/slurm/%A_%a.err\"\n"), std::string::npos) << s;
  EXPECT_NE(s.find("#SBATCH --open-mode=append\n"), std::string::npos) << s;
  EXPECT_NE(s.find("#SBATCH --signal=B:USR1@120\n"), std::string::npos) << s;
  EXPECT_NE(s.find("#SBATCH --requeue\n"), std::string::npos) << s;
  EXPECT_NE(s.find("#SBATCH --mem=2G\n"), std::string::npos) << s;
  EXPECT_NE(s.find("if [ \"$rc\" = 75 ]"), std::string::npos) << s;
  EXPECT_NE(s.find("scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\""),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("--gres"), std::string::npos);
  o.gpus_per_task = 1;
  o.tasks = 2;
  o.max_parallel = 1;
  o.mem = "40G";
  // Overrides reach the driver as quoted words, whatever they hold.
  plan.overrides = {"name=it's $(rm -rf x)", "optim.lr=3e-3"};
  s = slurm_script(plan, o, "/opt/scalelab", "/specs/ladder.yaml", "/scratch/sw", "/repo");
  EXPECT_NE(s.find("#SBATCH --gpus-per-task=1\n"), std::string::npos) << s;
  EXPECT_NE(s.find("#SBATCH --array=0-1%1\n"), std::string::npos) << s;
  EXPECT_NE(s.find("#SBATCH --mem=40G\n"), std::string::npos) << s;
  EXPECT_NE(s.find("--device cuda"), std::string::npos) << s;
  EXPECT_NE(s.find("sweep '/specs/ladder.yaml' 'name=it'\\''s $(rm -rf x)' 'optim.lr=3e-3' --dir"),
            std::string::npos)
      << s;
}

// The script really runs: bash executes it with a stand-in driver (it records its arguments, then
// waits; SIGTERM makes it exit 75 like a driver stopped at a checkpoint) and a stand-in scontrol
// (it records the call). The time-limit signal (USR1) requeues the task; scancel's TERM does not;
// a driver that exits 75 by itself (the runs left are other tasks') ends the task with 0.
TEST(Slurm, ScriptRequeuesItselfOnlyAtTheTimeLimit) {
  const fs::path dir = fresh_dir();
  fs::create_directories(dir / "bin");
  write_file_atomic((dir / "bin" / "fake_scalelab").string(),
                    "#!/bin/bash\ntrap 'kill $nap; exit 75' TERM\necho \"$@\" > \"$ARGS_OUT\"\n"
                    "[ -n \"$WAIT\" ] || exit 75\nsleep 30 >/dev/null 2>&1 & nap=$!\nwait\n")
      .IgnoreError();
  write_file_atomic((dir / "bin" / "scontrol").string(),
                    "#!/bin/bash\necho \"$@\" > \"$REQUEUE_OUT\"\n")
      .IgnoreError();
  fs::permissions(dir / "bin" / "fake_scalelab", fs::perms::owner_all);
  fs::permissions(dir / "bin" / "scontrol", fs::perms::owner_all);
  SweepPlan plan;
  plan.name = "p";
  plan.overrides = {"optim.lr=3e-3"};
  const std::string s = slurm_script(plan, SlurmOptions{}, (dir / "bin" / "fake_scalelab").string(),
                                     "/specs/p.yaml", (dir / "sw").string(), dir.string());
  ASSERT_TRUE(write_file_atomic((dir / "job.sh").string(), s).ok());
  // Runs the script, sends `signal` (if any) once the driver has started, returns the exit code.
  auto run = [&](const std::string& signal) {
    fs::remove(dir / "args");
    fs::remove(dir / "requeue");
    const std::string env = "PATH='" + (dir / "bin").string() +
                            ":'\"$PATH\" ARGS_OUT=args REQUEUE_OUT=requeue SLURM_ARRAY_JOB_ID=41 "
                            "SLURM_ARRAY_TASK_ID=3" +
                            (signal.empty() ? "" : " WAIT=1");
    const std::string cmd =
        "cd '" + dir.string() + "' && " + env + " bash job.sh & job=$!; " +
        (signal.empty() ? ""
                        : "while [ ! -s '" + (dir / "args").string() +
                              "' ]; do sleep 0.05; done; sleep 0.3; kill -" + signal + " $job; ") +
        "wait $job";
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(run(""), 0);  // 75 with nobody signalled: nothing left for this task
  auto args = read_file((dir / "args").string());
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(*args, "sweep /specs/p.yaml optim.lr=3e-3 --dir " + (dir / "sw").string() +
                       " --workers 1 --threads 2 --device cpu --no-wait --no-progress\n");
  EXPECT_FALSE(fs::exists(dir / "requeue"));

  EXPECT_EQ(run("USR1"), 75);  // the time limit: stopped at a checkpoint, back in the queue
  auto requeue = read_file((dir / "requeue").string());
  ASSERT_TRUE(requeue.ok()) << "scontrol was not called";
  EXPECT_EQ(*requeue, "requeue 41_3\n");

  EXPECT_EQ(run("TERM"), 0);  // scancel: stopped at a checkpoint, and it stays cancelled
  EXPECT_FALSE(fs::exists(dir / "requeue"));
}

// `export` on a directory of `scalelab train` runs: each run named by its directory, every setting
// that differs between the runs a column of its own, and curves rows that carry their run's
// settings.
TEST(Export, DirectoryOfTrainRunsWithAColumnPerVaryingKey) {
  const fs::path dir = fresh_dir();
  for (const auto& [name, wd] :
       std::vector<std::pair<std::string, double>>{{"a", 0.0}, {"b", 0.1}}) {
    TrainConfig c;
    c.name = "wd";
    c.model.n_layer = 1, c.model.d_model = 32, c.model.n_head = 2, c.model.ctx = 16;
    c.train.tokens = 4096;
    c.train.batch_size = 4;
    c.train.seed = 7;
    c.optim.weight_decay = wd;
    fs::create_directories(dir / name);
    ASSERT_TRUE(
        write_file_atomic((dir / name / "config.yaml").string(), train_config_to_yaml(c)).ok());
    ASSERT_TRUE(metrics_append((dir / name / "metrics.jsonl").string(),
                               {{"step", 1}, {"tokens", 64}, {"lr", 1e-4}, {"train_loss", 5.5}})
                    .ok());
  }
  auto res = export_sweep(dir.string());
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->runs, 2);
  EXPECT_EQ(res->curve_rows, 2);
  for (const char* table : {"summary.csv", "curves.csv"}) {
    auto csv = read_file((dir / "export" / table).string());
    ASSERT_TRUE(csv.ok());
    const std::string header = csv->substr(0, csv->find('\n'));
    EXPECT_NE(header.find(",seed,peak_lr,batch_size,schedule,optim.weight_decay"),
              std::string::npos)
        << table << ": " << header;
    EXPECT_EQ(header.find("optim.beta1"), std::string::npos) << "a key that does not vary";
    EXPECT_NE(csv->find("\na,wd,"), std::string::npos) << *csv;
    EXPECT_NE(csv->find(",7,0.001,4,cosine,0.1,"), std::string::npos) << table << ":\n" << *csv;
  }
  // Not a sweep and no runs: the error says what DIR may be.
  auto none = export_sweep(fresh_dir().string() + "/nothing");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(std::string(none.status().message()).find("directory of runs"), std::string::npos);
}
}  // namespace sl

namespace sl {
TEST(SweepProgress, LatestFinishedRunsMostRecentFirst) {
  EXPECT_EQ(latest_runs_text({}), "");
  std::vector<FinishedRun> f{
      {"s1-a", "3.9000"}, {"s1-b", "diverged"}, {"s1-c", "3.4127"}, {"s1-d", "3.2001"}};
  EXPECT_EQ(latest_runs_text(f), "last: s1-d 3.2001, s1-c 3.4127, s1-b diverged");
  EXPECT_EQ(latest_runs_text(f, 1), "last: s1-d 3.2001");
}
}  // namespace sl
