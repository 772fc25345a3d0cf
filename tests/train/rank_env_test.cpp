// rank_env_from: torchrun's and srun's launch variables, their defaults and their errors.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "train/data_parallel.h"

namespace sl {
namespace {
absl::StatusOr<RankEnv> env_of(const std::map<std::string, std::string>& vars) {
  return rank_env_from([&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(RankEnv, NoVariablesIsOneProcess) {
  auto e = env_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}});  // a batch script, not a step
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_FALSE(e->distributed());
  EXPECT_EQ(e->world_size, 1);
}

TEST(RankEnv, Torchrun) {
  auto e = env_of({{"RANK", "3"},
                   {"WORLD_SIZE", "4"},
                   {"LOCAL_RANK", "1"},
                   {"LOCAL_WORLD_SIZE", "2"},
                   {"MASTER_ADDR", "node7"},
                   {"MASTER_PORT", "29500"}});
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->rank, 3);
  EXPECT_EQ(e->world_size, 4);
  EXPECT_EQ(e->local_rank, 1);
  EXPECT_EQ(e->local_world_size, 2);
  EXPECT_EQ(e->master_addr, "node7");
  EXPECT_EQ(e->master_port, 29500);
  EXPECT_EQ(e->source, "torchrun");
  EXPECT_FALSE(e->agent_store);
  auto agent = env_of({{"RANK", "1"},
                       {"WORLD_SIZE", "2"},
                       {"MASTER_ADDR", "127.0.0.1"},
                       {"MASTER_PORT", "29500"},
                       {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                       {"TORCHELASTIC_RESTART_COUNT", "3"}});
  ASSERT_TRUE(agent.ok()) << agent.status().message();
  EXPECT_TRUE(agent->agent_store);  // torchrun's agent serves the store: every rank is a client
  EXPECT_EQ(agent->restart_count, 3);
}

TEST(RankEnv, SrunStepOnOneNodeDefaultsToLoopbackAndAPortFromTheJob) {
  auto e = env_of({{"SLURM_PROCID", "1"},
                   {"SLURM_STEP_NUM_TASKS", "2"},
                   {"SLURM_LOCALID", "1"},
                   {"SLURM_STEP_TASKS_PER_NODE", "2"},
                   {"SLURM_STEP_NUM_NODES", "1"},
                   {"SLURM_JOB_ID", "123456"}});
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->rank, 1);
  EXPECT_EQ(e->world_size, 2);
  EXPECT_EQ(e->local_world_size, 2);
  EXPECT_EQ(e->master_addr, "127.0.0.1");
  EXPECT_EQ(e->master_port, 20000 + 123456 % 20000);
  EXPECT_EQ(e->source, "slurm");
}

TEST(RankEnv, SrunTasksPerNodeIsReadForThisNode) {
  auto e = env_of({{"SLURM_PROCID", "6"},
                   {"SLURM_STEP_NUM_TASKS", "7"},
                   {"SLURM_LOCALID", "0"},
                   {"SLURM_NODEID", "3"},
                   {"SLURM_STEP_TASKS_PER_NODE", "2(x3),1"},
                   {"SLURM_STEP_NUM_NODES", "4"},
                   {"MASTER_ADDR", "n0"},
                   {"MASTER_PORT", "4000"}});
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->local_world_size, 1);
  auto two = env_of({{"SLURM_PROCID", "2"},
                     {"SLURM_STEP_NUM_TASKS", "7"},
                     {"SLURM_LOCALID", "0"},
                     {"SLURM_NODEID", "1"},
                     {"SLURM_STEP_TASKS_PER_NODE", "2(x3),1"},
                     {"MASTER_ADDR", "n0"},
                     {"MASTER_PORT", "4000"}});
  ASSERT_TRUE(two.ok()) << two.status().message();
  EXPECT_EQ(two->local_world_size, 2);
}

TEST(RankEnv, ErrorsNameTheVariable) {
  auto no_addr = env_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}});
  ASSERT_FALSE(no_addr.ok());
  EXPECT_NE(no_addr.status().message().find("MASTER_ADDR"), std::string::npos);
  auto bad = env_of({{"RANK", "x"}, {"WORLD_SIZE", "2"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("RANK is 'x'"), std::string::npos);
  auto outside =
      env_of({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}});
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.status().message().find("rank 2 of world 2"), std::string::npos);
  auto port =
      env_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}});
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.status().message().find("MASTER_PORT 70000"), std::string::npos);
  auto multi = env_of({{"SLURM_PROCID", "0"},
                       {"SLURM_STEP_NUM_TASKS", "4"},
                       {"SLURM_STEP_NUM_NODES", "2"},
                       {"SLURM_JOB_ID", "1"}});
  ASSERT_FALSE(multi.ok());
  EXPECT_NE(multi.status().message().find("export MASTER_ADDR="), std::string::npos);
}
}  // namespace
}  // namespace sl
