// Lock files (claim, live owner, stale owner on this host, takeover), the export CSV writer, and
// the Slurm script.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "core/files.h"
#include "gtest/gtest.h"
#include "sweeps/export.h"
#include "sweeps/run_store.h"
#include "sweeps/slurm.h"

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
  EXPECT_NE(s.find("#SBATCH --output=/scratch/sw/slurm/%A_%a.out\n"), std::string::npos) << s;
  EXPECT_NE(s.find("cd '/repo'\n"), std::string::npos) << s;
  EXPECT_NE(s.find("exec '/opt/scalelab' sweep '/specs/ladder.yaml' --dir '/scratch/sw' --workers "
                   "1 --threads 4 "
                   "--device cpu --no-wait --no-progress\n"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("--gres"), std::string::npos);
  o.gpus_per_task = 1;
  o.tasks = 2;
  s = slurm_script(plan, o, "/opt/scalelab", "/specs/ladder.yaml", "/scratch/sw", "/repo");
  EXPECT_NE(s.find("#SBATCH --gres=gpu:1\n"), std::string::npos) << s;
  EXPECT_NE(s.find("#SBATCH --array=0-1\n"), std::string::npos) << s;
  EXPECT_NE(s.find("--device cuda"), std::string::npos) << s;
}
}  // namespace sl
