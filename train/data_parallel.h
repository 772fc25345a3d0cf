// Data-parallel training on LibTorch's c10d: which rank this process is, and the few collectives
// the trainer needs ("average this flat gradient buffer", "does any rank want to stop", "send rank
// 0's state to every rank", "wait for every rank"). Rendezvous through c10d's TCPStore (rank 0
// hosts it at MASTER_ADDR:MASTER_PORT), collectives through ProcessGroupGloo on the CPU and
// ProcessGroupNCCL on CUDA. data_parallel.cpp is the only file that includes c10d.
//
// Failure: every collective and the rendezvous give up after `timeout`; a peer that dies closes its
// sockets, so the others usually learn at once. Either way a collective throws RankLostError, which
// the trainer turns into an error and exit code kExitRankLost: a dead rank never leaves the others
// hanging.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/status.h"

namespace sl {
// This process's place in a data-parallel job.
struct RankEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;        // index among the ranks on this machine (picks the GPU)
  int local_world_size = 1;  // ranks on this machine (share its cores)
  std::string master_addr;   // rank 0's host, where the TCPStore listens
  int master_port = 0;
  std::string source;  // "torchrun", "slurm" or "" (a single process), for messages
  // torchrun's agent already serves the TCPStore at MASTER_ADDR:MASTER_PORT
  // (TORCHELASTIC_USE_AGENT_STORE=True): every rank joins it as a client, under the key prefix of
  // this attempt (TORCHELASTIC_RESTART_COUNT).
  bool agent_store = false;
  int restart_count = 0;
  bool distributed() const { return world_size > 1; }
};

// Reads the launch variables the way torchrun sets them (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT; TORCHELASTIC_USE_AGENT_STORE), else the way srun sets them for a job step
// (SLURM_PROCID, SLURM_STEP_NUM_TASKS, SLURM_LOCALID, SLURM_STEP_TASKS_PER_NODE; MASTER_ADDR
// defaults to 127.0.0.1 when the step has one node, MASTER_PORT to 20000 + SLURM_JOB_ID % 20000).
// Neither: a single process. A malformed or inconsistent value is an error naming the variable.
// `get` looks a name up (getenv in the program; a map in tests).
absl::StatusOr<RankEnv> rank_env_from(const std::function<const char*(const char*)>& get);
absl::StatusOr<RankEnv> rank_env_from_environment();

// A collective (or the rendezvous) failed: a peer died, hung past the timeout or was stopped.
class RankLostError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DataParallel {
 public:
  // Joins the job: the rendezvous waits up to `timeout` for every rank, then the process group
  // (Gloo for a CPU device, NCCL for CUDA). Errors say which address and which rank.
  static absl::StatusOr<std::unique_ptr<DataParallel>> join(const RankEnv& env,
                                                            torch::Device device,
                                                            std::chrono::seconds timeout);
  ~DataParallel();

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  bool is_main() const { return env_.rank == 0; }
  int local_world_size() const { return env_.local_world_size; }

  // The rest throw RankLostError when a peer is gone (see the top of this file).
  void average(torch::Tensor& t);  // in place: the sum over ranks / world_size
  void broadcast_from_main(torch::Tensor& t);
  bool any(bool flag);  // true on every rank when it is true on at least one
  void barrier();

 private:
  struct Group;
  DataParallel(const RankEnv& env, std::chrono::seconds timeout, std::unique_ptr<Group> group);
  [[noreturn]] void lost(const char* what, const std::exception& e) const;
  RankEnv env_;
  std::chrono::seconds timeout_;
  std::unique_ptr<Group> group_;
};
}  // namespace sl
