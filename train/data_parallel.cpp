// c10d underneath DataParallel: TCPStore for the rendezvous, ProcessGroupGloo (CPU) or
// ProcessGroupNCCL (CUDA) for the collectives. The headers need USE_DISTRIBUTED and
// USE_C10D_GLOO / USE_C10D_NCCL (LibTorch's CMake target defines them); Gloo's own headers come
// from Debian's libgloo-dev (declarations only: the code is LibTorch's own copy in libtorch_cpu).
#include "train/data_parallel.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(USE_C10D_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace sl {
namespace {
absl::StatusOr<int> int_var(const std::function<const char*(const char*)>& get, const char* name,
                            int min) {
  const char* v = get(name);
  int out = 0;
  if (v == nullptr || !absl::SimpleAtoi(v, &out) || out < min) {
    return absl::InvalidArgumentError(absl::StrCat("environment variable ", name, " is '",
                                                   v == nullptr ? "(unset)" : v,
                                                   "': it must be a whole number >= ", min));
  }
  return out;
}

// SLURM_STEP_TASKS_PER_NODE ("2(x3),1": 2 tasks on each of 3 nodes, then 1) at node `node`.
absl::StatusOr<int> tasks_on_node(const std::string& spec, int node) {
  int index = 0;
  for (absl::string_view part : absl::StrSplit(spec, ',')) {
    int tasks = 0, repeat = 1;
    std::vector<absl::string_view> t = absl::StrSplit(part, absl::MaxSplits("(x", 1));
    if (!absl::SimpleAtoi(t[0], &tasks) ||
        (t.size() == 2 && (!absl::ConsumeSuffix(&t[1], ")") || !absl::SimpleAtoi(t[1], &repeat)))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "environment variable SLURM_STEP_TASKS_PER_NODE is '", spec, "': not Slurm's form"));
    }
    if (node < index + repeat) return tasks;
    index += repeat;
  }
  return absl::InvalidArgumentError(absl::StrCat("SLURM_STEP_TASKS_PER_NODE '", spec,
                                                 "' names fewer nodes than SLURM_NODEID ", node));
}

absl::Status check_ranks(const RankEnv& e) {
  if (e.rank >= e.world_size || e.local_rank >= e.local_world_size) {
    return absl::InvalidArgumentError(
        absl::StrCat(e.source, " launch variables are inconsistent: rank ", e.rank, " of world ",
                     e.world_size, ", local rank ", e.local_rank, " of ", e.local_world_size));
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<RankEnv> rank_env_from(const std::function<const char*(const char*)>& get) {
  RankEnv e;
  if (get("RANK") != nullptr || get("WORLD_SIZE") != nullptr) {
    e.source = "torchrun";
    SL_ASSIGN_OR_RETURN(e.rank, int_var(get, "RANK", 0));
    SL_ASSIGN_OR_RETURN(e.world_size, int_var(get, "WORLD_SIZE", 1));
    e.local_rank = e.rank;
    e.local_world_size = e.world_size;
    if (get("LOCAL_RANK") != nullptr) {
      SL_ASSIGN_OR_RETURN(e.local_rank, int_var(get, "LOCAL_RANK", 0));
    }
    if (get("LOCAL_WORLD_SIZE") != nullptr) {
      SL_ASSIGN_OR_RETURN(e.local_world_size, int_var(get, "LOCAL_WORLD_SIZE", 1));
    }
    if (e.world_size > 1) {
      const char* addr = get("MASTER_ADDR");
      if (addr == nullptr || *addr == '\0') {
        return absl::InvalidArgumentError(
            "RANK and WORLD_SIZE are set but MASTER_ADDR is not: set it to rank 0's host name or "
            "address (and MASTER_PORT to a free port there)");
      }
      e.master_addr = addr;
      SL_ASSIGN_OR_RETURN(e.master_port, int_var(get, "MASTER_PORT", 1));
    }
    const char* agent = get("TORCHELASTIC_USE_AGENT_STORE");
    e.agent_store = agent != nullptr && std::string(agent) == "True";
    if (e.agent_store && get("TORCHELASTIC_RESTART_COUNT") != nullptr) {
      SL_ASSIGN_OR_RETURN(e.restart_count, int_var(get, "TORCHELASTIC_RESTART_COUNT", 0));
    }
  } else if (get("SLURM_STEP_NUM_TASKS") != nullptr && get("SLURM_PROCID") != nullptr) {
    // An srun job step (the batch script itself has no SLURM_STEP_NUM_TASKS: it is one process).
    e.source = "slurm";
    SL_ASSIGN_OR_RETURN(e.rank, int_var(get, "SLURM_PROCID", 0));
    SL_ASSIGN_OR_RETURN(e.world_size, int_var(get, "SLURM_STEP_NUM_TASKS", 1));
    e.local_rank = e.rank;
    e.local_world_size = e.world_size;
    if (get("SLURM_LOCALID") != nullptr) {
      SL_ASSIGN_OR_RETURN(e.local_rank, int_var(get, "SLURM_LOCALID", 0));
    }
    if (const char* per_node = get("SLURM_STEP_TASKS_PER_NODE")) {
      int node = 0;
      if (get("SLURM_NODEID") != nullptr) {
        SL_ASSIGN_OR_RETURN(node, int_var(get, "SLURM_NODEID", 0));
      }
      SL_ASSIGN_OR_RETURN(e.local_world_size, tasks_on_node(per_node, node));
    }
    if (e.world_size > 1) {
      const char* addr = get("MASTER_ADDR");
      if (addr != nullptr && *addr != '\0') {
        e.master_addr = addr;
      } else if (get("SLURM_STEP_NUM_NODES") != nullptr &&
                 std::string(get("SLURM_STEP_NUM_NODES")) == "1") {
        e.master_addr = "127.0.0.1";
      } else {
        return absl::InvalidArgumentError(
            "this srun step spans several nodes and MASTER_ADDR is not set: export "
            "MASTER_ADDR=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1) before "
            "srun (the script `scalelab sweep --slurm` writes does)");
      }
      if (get("MASTER_PORT") != nullptr) {
        SL_ASSIGN_OR_RETURN(e.master_port, int_var(get, "MASTER_PORT", 1));
      } else {
        SL_ASSIGN_OR_RETURN(const int job, int_var(get, "SLURM_JOB_ID", 0));
        e.master_port = 20000 + job % 20000;
      }
    }
  }
  if (e.master_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("MASTER_PORT ", e.master_port, " is not a TCP port (1..65535)"));
  }
  SL_RETURN_IF_ERROR(check_ranks(e));
  return e;
}

absl::StatusOr<RankEnv> rank_env_from_environment() {
  return rank_env_from([](const char* name) { return std::getenv(name); });
}

struct DataParallel::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
  torch::Device device = torch::kCPU;  // where the collectives' tensors live
};

DataParallel::DataParallel(const RankEnv& env, std::chrono::seconds timeout,
                           std::unique_ptr<Group> group)
    : env_(env), timeout_(timeout), group_(std::move(group)) {}

DataParallel::~DataParallel() = default;

absl::StatusOr<std::unique_ptr<DataParallel>> DataParallel::join(const RankEnv& env,
                                                                 torch::Device device,
                                                                 std::chrono::seconds timeout) {
  auto group = std::make_unique<Group>();
  group->device = device;
  const std::string where = absl::StrCat(env.master_addr, ":", env.master_port);
  try {
    c10d::TCPStoreOptions o;
    o.port = static_cast<uint16_t>(env.master_port);
    o.isServer = env.rank == 0 && !env.agent_store;
    o.numWorkers = env.world_size;
    o.waitWorkers = !env.agent_store;
    o.timeout = timeout;
    group->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
    if (env.agent_store) {  // torchrun's store: our keys under this attempt's prefix
      group->store = c10::make_intrusive<c10d::PrefixStore>(
          absl::StrCat("/worker/attempt_", env.restart_count), group->store);
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "rank ", env.rank, " of ", env.world_size, ": rendezvous at ", where, " failed within ",
        timeout.count(), " s (every rank must start, and rank 0 must be able to listen on ", where,
        "): ", e.what()));
  }
  try {
    if (device.is_cuda()) {
#if defined(USE_C10D_NCCL)
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = timeout;
      group->backend =
          c10::make_intrusive<c10d::ProcessGroupNCCL>(group->store, env.rank, env.world_size, o);
#else
      return absl::FailedPreconditionError(
          "this build has no NCCL (LibTorch without CUDA): data-parallel CUDA runs need it");
#endif
    } else {
      auto o = c10d::ProcessGroupGloo::Options::create(timeout);
      // The interface that reaches rank 0's address (its own host name resolves to it there).
      o->devices.push_back(env.master_addr == "127.0.0.1" || env.master_addr == "localhost"
                               ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                               : c10d::ProcessGroupGloo::createDefaultDevice());
      group->backend =
          c10::make_intrusive<c10d::ProcessGroupGloo>(group->store, env.rank, env.world_size, o);
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "rank ", env.rank, " of ", env.world_size, ": could not set up the process group (",
        device.is_cuda() ? "NCCL" : "Gloo", "): ", e.what()));
  }
  return std::unique_ptr<DataParallel>(new DataParallel(env, timeout, std::move(group)));
}

void DataParallel::lost(const char* what, const std::exception& e) const {
  std::string detail = e.what();
  // c10d appends a C++ stack trace to its messages: the first line says what happened.
  if (auto nl = detail.find('\n'); nl != std::string::npos) detail.resize(nl);
  throw RankLostError(absl::StrCat("rank ", env_.rank, " of ", env_.world_size, ": ", what,
                                   " failed: a peer rank died, hung for more than ",
                                   timeout_.count(), " s or was stopped (", detail, ")"));
}

void DataParallel::average(torch::Tensor& t) {
  try {
    std::vector<at::Tensor> v{t};
    group_->backend->allreduce(v)->wait();
  } catch (const std::exception& e) {
    lost("all-reduce", e);
  }
  t.div_(env_.world_size);
}

void DataParallel::broadcast_from_main(torch::Tensor& t) {
  try {
    std::vector<at::Tensor> v{t};
    group_->backend->broadcast(v)->wait();
  } catch (const std::exception& e) {
    lost("broadcast", e);
  }
}

bool DataParallel::any(bool flag) {
  auto t = torch::full({1}, flag ? 1.0f : 0.0f, torch::TensorOptions().device(group_->device));
  try {
    std::vector<at::Tensor> v{t};
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::MAX;
    group_->backend->allreduce(v, o)->wait();
  } catch (const std::exception& e) {
    lost("all-reduce of the stop flag", e);
  }
  return t.item<float>() > 0;
}

void DataParallel::barrier() {
  try {
    group_->backend->barrier()->wait();
  } catch (const std::exception& e) {
    lost("barrier", e);
  }
}
}  // namespace sl
