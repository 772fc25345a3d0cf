// `scalelab train CONFIG [--run-dir DIR] [key=value ...]`: one run, resumable (logic in train/).
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/exit_codes.h"
#include "core/log.h"
#include "train/device.h"
#include "train/interrupt.h"
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
};

void run_train(const TrainArgs& a) {
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
  // The device before anything is written: a CUDA run on a machine without a GPU stops here (exit
  // 69).
  if (auto device = sl::resolve_device(cfg->train.device); !device.ok()) {
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
  sl::log::info("run directory: " + opts.run_dir);
  auto out = sl::train_run(*cfg, opts);
  if (!out.ok()) {
    std::cerr << "error: " << out.status().message() << "\n";
    sl::cli::exit_code() = sl::kExitFailed;
    return;
  }
  switch (out->status) {
    case sl::RunStatus::kDone:
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
  cmd->footer(
      "Exit codes: 0 done, 1 failed, 2 bad config, 3 diverged, 69 device not usable here (cuda "
      "without a GPU), 75 interrupted (run again to resume).");
  cmd->callback([a] { run_train(*a); });
}
}  // namespace

SL_REGISTER_COMMAND(30, add_train_command);
