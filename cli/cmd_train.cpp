// `scalelab train CONFIG [--run-dir DIR] [key=value ...]`: one run, resumable (logic in train/);
// one rank of a data-parallel run when started as torchrun or srun starts ranks, or N ranks with
// --nproc N (train/data_parallel.h, train/local_launch.h).
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/exit_codes.h"
#include "core/log.h"
#include "sweeps/driver.h"  // self_binary
#include "train/data_parallel.h"
#include "train/device.h"
#include "train/interrupt.h"
#include "train/local_launch.h"
#include "train/memory_check.h"
#include "train/trainer.h"

namespace {
struct TrainArgs {
  std::string config;
  std::string run_dir;
  std::vector<std::string> overrides;
  bool no_progress = false;
  int64_t stop_after = -1;
  std::vector<int64_t> snapshot_steps;
  std::string branch_from;
  int nproc = 0;
  int dist_timeout_s = 300;
};

// The same command for each rank of --nproc: every option but --nproc.
std::vector<std::string> rank_command(const TrainArgs& a) {
  std::vector<std::string> argv{sl::self_binary(), "train", a.config};
  argv.insert(argv.end(), a.overrides.begin(), a.overrides.end());
  if (!a.run_dir.empty()) argv.insert(argv.end(), {"--run-dir", a.run_dir});
  if (a.no_progress) argv.push_back("--no-progress");
  if (a.stop_after >= 0) argv.push_back("--stop-after-steps=" + std::to_string(a.stop_after));
  if (!a.snapshot_steps.empty()) {
    std::string steps;
    for (int64_t s : a.snapshot_steps) steps += (steps.empty() ? "" : ",") + std::to_string(s);
    argv.push_back("--snapshot-steps=" + steps);
  }
  if (!a.branch_from.empty()) argv.push_back("--branch-from=" + a.branch_from);
  argv.push_back("--dist-timeout=" + std::to_string(a.dist_timeout_s));
  return argv;
}

// A GPU per rank on a machine with several: rank i sees only the i-th of CUDA_VISIBLE_DEVICES
// (or GPU i), as cuda:0. Set before anything asks the CUDA runtime.
void pick_local_gpu(const sl::RankEnv& env) {
  if (env.local_world_size <= 1) return;
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  std::string mine = std::to_string(env.local_rank);
  if (visible != nullptr && *visible != '\0') {
    std::vector<std::string> ids;
    std::string id;
    for (const char* c = visible;; ++c) {
      if (*c == ',' || *c == '\0') {
        ids.push_back(id);
        id.clear();
        if (*c == '\0') break;
      } else {
        id += *c;
      }
    }
    if (ids.size() <= 1) return;  // already one GPU per rank (srun --gpus-per-task)
    mine = ids[env.local_rank % ids.size()];
  }
  setenv("CUDA_VISIBLE_DEVICES", mine.c_str(), 1);
}

void run_train(const TrainArgs& a) {
  if (a.nproc > 0) {  // the launcher: starts the ranks and waits; it trains nothing itself
    sl::cli::exit_code() = sl::launch_local_ranks(rank_command(a), a.nproc, {"--no-progress"});
    return;
  }
  // First of all: a SIGTERM during start-up (loading, data checks) then stops at the first step
  // boundary with a checkpoint and exit 75, instead of killing the process.
  sl::install_interrupt_handlers();
  // kRunHere: it runs on this machine, so train.threads is held to its cores.
  auto cfg = sl::load_train_config(a.config, a.overrides, sl::ConfigUse::kRunHere);
  if (!cfg.ok()) {
    std::cerr << "error: " << cfg.status().message() << "\n";
    sl::cli::exit_code() = sl::kExitUsage;
    return;
  }
  // A rank of a data-parallel job (torchrun's or srun's variables): the micro-batch must split.
  auto env = sl::rank_env_from_environment();
  if (env.ok() && env->distributed()) {
    if (auto st = sl::check_world_size(*cfg, env->world_size); !st.ok()) env = st;
  }
  if (!env.ok()) {
    std::cerr << "error: " << env.status().message() << "\n";
    sl::cli::exit_code() = sl::kExitUsage;
    return;
  }
  if (env->distributed() && cfg->train.device != "cpu") pick_local_gpu(*env);
  // The device before anything is written: a CUDA run on a machine without a GPU stops here (exit
  // 69).
  auto device = sl::resolve_device(cfg->train.device);
  if (!device.ok()) {
    std::cerr << "error: " << device.status().message() << "\n";
    sl::cli::exit_code() = sl::kExitNoDevice;
    return;
  }
  // Then the size: a CPU run that cannot fit this machine's memory stops here, at the key to
  // change, instead of dying in std::bad_alloc or the OOM killer.
  if (auto misfit = sl::check_fits_in_memory(*cfg)) {
    std::cerr << "error: " << sl::train_config_where(a.config, a.overrides, misfit->key)
              << ": key '" << misfit->key << "': " << misfit->message << "\n";
    sl::cli::exit_code() = sl::kExitUsage;
    return;
  }
  sl::TrainOptions opts;
  opts.run_dir = a.run_dir.empty() ? (std::filesystem::path("out/runs") / sl::run_id(*cfg)).string()
                                   : a.run_dir;
  opts.progress = !a.no_progress;
  opts.stop_after_step = a.stop_after;
  opts.snapshot_steps = a.snapshot_steps;
  opts.branch_from = a.branch_from;
  std::unique_ptr<sl::DataParallel> dp;
  if (env->distributed()) {
    // Every rank meets at rank 0's TCPStore before anything is read or written.
    auto joined = sl::DataParallel::join(*env, *device, std::chrono::seconds(a.dist_timeout_s));
    if (!joined.ok()) {
      std::cerr << "error: " << joined.status().message() << "\n";
      sl::cli::exit_code() = sl::kExitRankLost;
      return;
    }
    dp = std::move(*joined);
    opts.parallel = dp.get();
    if (!dp->is_main()) opts.progress = false;
  }
  if (opts.parallel == nullptr || opts.parallel->is_main())
    sl::log::info("run directory: " + opts.run_dir);
  auto out = sl::train_run(*cfg, opts);
  if (!out.ok()) {
    std::cerr << "error: " << out.status().message() << "\n";
    sl::cli::exit_code() = absl::IsAborted(out.status()) ? sl::kExitRankLost : sl::kExitFailed;
    return;
  }
  switch (out->status) {
    case sl::RunStatus::kDone:
      if (dp && !dp->is_main()) break;  // rank 0 reports the run
      std::cout << "done: " << opts.run_dir << "  " << sl::final_loss_text(out->summary) << "\n";
      break;
    case sl::RunStatus::kDiverged:
      std::cout << "diverged: " << out->summary["reason"].get<std::string>() << "\n";
      sl::cli::exit_code() = sl::kExitDiverged;
      break;
    case sl::RunStatus::kInterrupted: sl::cli::exit_code() = sl::kExitInterrupted; break;
  }
}

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train one model from a YAML config (resumes an interrupted run)");
  cmd->add_option("config", a->config, "Train config YAML (e.g. configs/train/tiny_austen.yaml)")
      ->required();
  cmd->add_option("overrides", a->overrides,
                  "Dotted overrides key=value, e.g. optim.lr=3e-4 train.tokens=1M");
  cmd->add_option("--run-dir", a->run_dir, "Run directory (default out/runs/<name>-<config hash>)");
  cmd->add_flag("--no-progress", a->no_progress, "No progress line");
  cmd->add_option("--stop-after-steps", a->stop_after,
                  "Checkpoint and stop (exit 75, like an interrupt) after this many steps");
  cmd->add_option("--snapshot-steps", a->snapshot_steps,
                  "Also keep checkpoint-step<N>.bin after these steps (comma-separated)")
      ->delimiter(',');
  cmd->add_option(
      "--branch-from", a->branch_from,
      "Start from another run's stable-phase checkpoint (WSD branching; see docs/sweeps.md)");
  cmd->add_option("--nproc", a->nproc,
                  "Start this many data-parallel ranks on this machine (each trains "
                  "train.batch_size / N of every micro-batch; Gloo on the CPU, NCCL on GPUs)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--dist-timeout", a->dist_timeout_s,
                  "Data-parallel runs: seconds a rank waits for the others (rendezvous and each "
                  "collective) before it stops with exit 76 (default 300)")
      ->check(CLI::Range(1, 86400));
  cmd->footer(
      "Exit codes: 0 done, 1 failed, 2 bad config, 3 diverged, 69 device not usable here (cuda "
      "without a GPU), 75 interrupted (run again to resume), 76 a data-parallel peer rank was "
      "lost (run again to resume from the last checkpoint). Started as torchrun starts ranks "
      "(RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) or by srun, it is one rank of a data-parallel "
      "run.");
  cmd->callback([a] { run_train(*a); });
}
}  // namespace

SL_REGISTER_COMMAND(30, add_train_command);
