// `scalelab sweep SPEC [--dir DIR] [--workers K] [--dry-run] [--retry-failed] [--slurm]`: expands a
// sweep spec, validates every run, then trains the grid (logic in sweeps/; docs/sweeps.md).
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "core/exit_codes.h"
#include "core/files.h"
#include "core/log.h"
#include "core/machine.h"
#include "core/subprocess.h"
#include "sweeps/driver.h"
#include "sweeps/estimate.h"
#include "sweeps/report.h"
#include "sweeps/slurm.h"

namespace {
namespace fs = std::filesystem;

struct SweepArgs {
  std::string spec, dir, device;
  std::vector<std::string> overrides;
  int workers = 0, threads = 0;
  bool dry_run = false, no_estimate = false, retry_failed = false, no_progress = false,
       no_wait = false;
  bool slurm = false;
  sl::SlurmOptions slurm_opts;
};

void run_sweep_command(const SweepArgs& a) {
  const int ncpu = sl::available_cores();
  // Each run gets train.threads = --threads: more than the cores would hang every run
  // (train.threads).
  if (!a.slurm && a.threads > ncpu) {
    std::cerr << "error: --threads " << a.threads << " is more than the " << ncpu
              << " cores of this machine; use 1.." << ncpu
              << " (or leave it out: cores / workers)\n";
    sl::cli::exit_code() = sl::kExitUsage;
    return;
  }
  auto plan = sl::expand_sweep_spec(a.spec, /*check_data=*/true, a.device, a.overrides);
  if (!plan.ok()) {
    std::cerr << "error: " << plan.status().message() << "\n";
    sl::cli::exit_code() = sl::kExitUsage;
    return;
  }
  const std::string dir = a.dir.empty() ? sl::default_sweep_dir(*plan) : a.dir;
  const int workers = a.workers > 0 ? a.workers : ncpu;
  const int threads = a.threads > 0 ? a.threads : std::max(1, ncpu / workers);

  if (a.slurm) {
    const std::string script_path = (fs::path(dir) / "slurm" / "sweep.sbatch").string();
    const std::string text =
        sl::slurm_script(*plan, a.slurm_opts, sl::self_binary(), fs::absolute(a.spec).string(),
                         fs::absolute(dir).string(), fs::current_path().string());
    if (a.dry_run) {  // nothing on disk: the plan and the script it would write
      std::cout << sl::plan_table(*plan, nullptr) << "dry run: would write " << script_path
                << " and submit it with sbatch:\n"
                << text;
      return;
    }
    auto st = sl::prepare_sweep_dir(*plan, dir);
    if (st.ok()) st = sl::ensure_writable_dir((fs::path(dir) / "slurm").string());
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      sl::cli::exit_code() = sl::kExitFailed;
      return;
    }
    st = sl::write_file_atomic(script_path, text);
    if (st.ok()) chmod(script_path.c_str(), 0755);
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      sl::cli::exit_code() = sl::kExitFailed;
      return;
    }
    std::cout << sl::plan_table(*plan, nullptr) << "wrote " << script_path << "\n";
    if (!sl::program_on_path("sbatch")) {
      std::cerr << "error: sbatch is not on PATH; submit " << script_path
                << " from a Slurm login node\n";
      sl::cli::exit_code() = sl::kExitFailed;
      return;
    }
    // The script's path as one argv word: no shell between us and sbatch.
    std::cout << std::flush;
    const int rc = sl::run_program_here({"sbatch", script_path});
    if (rc != 0) {
      std::cerr << "error: sbatch " << script_path << " failed (exit " << rc << ")\n";
      sl::cli::exit_code() = sl::kExitFailed;
    }
    return;
  }

  if (a.dry_run) {
    std::unique_ptr<sl::TimeEstimate> est;
    if (!a.no_estimate) {
      auto e =
          sl::estimate_sweep_time(*plan, workers, threads, a.device.empty() ? "cpu" : a.device);
      if (e.ok())
        est = std::make_unique<sl::TimeEstimate>(*e);
      else
        std::cerr << "note: no time estimate: " << e.status().message() << "\n";
    }
    std::cout << sl::plan_table(*plan, est.get());
    std::cout << "dry run: every run validated; the sweep directory would be " << dir << "\n";
    return;
  }

  std::cout << sl::plan_table(*plan, nullptr) << std::flush;
  sl::SweepOptions o;
  o.dir = dir;
  o.workers = a.workers;
  o.threads_per_run = a.threads;
  o.retry_failed = a.retry_failed;
  o.progress = !a.no_progress;
  o.device = a.device;
  o.wait_for_others = !a.no_wait;
  auto r = sl::run_sweep(*plan, o);
  if (!r.ok()) {
    std::cerr << "error: " << r.status().message() << "\n";
    sl::cli::exit_code() = sl::kExitFailed;
    return;
  }
  std::cout << "sweep " << plan->name << ": " << r->done << " done, " << r->diverged
            << " diverged, " << r->failed << " failed, " << r->pending << " not finished (" << dir
            << ")\n";
  if (r->failed > 0) {
    std::cout << "failed runs keep their reason in " << dir
              << "/runs/<id>/failed.json; `scalelab status " << dir
              << "` lists them; rerun with --retry-failed to retry them\n";
  }
  if (r->interrupted)
    sl::cli::exit_code() = sl::kExitInterrupted;
  else if (r->failed > 0)
    sl::cli::exit_code() = sl::kExitFailed;
  else if (r->pending > 0)
    sl::cli::exit_code() = sl::kExitInterrupted;
}

void add_sweep_command(CLI::App& app) {
  auto a = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Train a grid of model and data sizes from a sweep spec (resumable)");
  cmd->add_option("spec", a->spec, "Sweep spec YAML (e.g. configs/sweeps/quickstart.yaml)")
      ->required();
  cmd->add_option("overrides", a->overrides,
                  "Dotted overrides key=value for every run (e.g. optim.weight_decay=0.1), "
                  "recorded in plan.json");
  cmd->add_option("--dir", a->dir, "Sweep directory (default out/sweeps/<spec name>)");
  cmd->add_option("--workers", a->workers,
                  "Runs at once (default: one per core on CPU, one per GPU)");
  cmd->add_option("--threads", a->threads, "CPU threads per run (default: cores / workers)");
  cmd->add_option("--device", a->device,
                  "cpu or cuda for every run (default: each run's train.device)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->add_flag("--dry-run", a->dry_run,
                "Validate every run and print the plan with a time estimate; train nothing");
  cmd->add_flag("--no-estimate", a->no_estimate, "Dry run without the timing measurement");
  cmd->add_flag("--retry-failed", a->retry_failed, "Retry runs that failed before");
  cmd->add_flag("--no-progress", a->no_progress, "No progress line");
  cmd->add_flag("--no-wait", a->no_wait,
                "Return when nothing is left to start (do not wait for runs other drivers hold)");
  cmd->add_flag(
      "--slurm", a->slurm,
      "Write a Slurm job array (DIR/slurm/sweep.sbatch) and submit it (--dry-run: print it, "
      "write nothing)");
  cmd->add_option("--slurm-tasks", a->slurm_opts.tasks, "Array size (default min(runs, 32))");
  cmd->add_option("--slurm-max-parallel", a->slurm_opts.max_parallel,
                  "Array throttle: at most this many tasks at once (default: no limit)");
  cmd->add_option("--slurm-mem", a->slurm_opts.mem,
                  "Memory per task, e.g. 16G (default: twice the largest run's estimate, >= 2G)");
  cmd->add_option("--slurm-cpus", a->slurm_opts.cpus_per_task, "CPUs per task (default 2)");
  cmd->add_option("--slurm-gpus", a->slurm_opts.gpus_per_task, "GPUs per task (default 0)");
  cmd->add_option("--slurm-time", a->slurm_opts.time, "Time limit per task (default 24:00:00)");
  cmd->add_option("--slurm-partition", a->slurm_opts.partition, "Partition");
  cmd->add_option("--slurm-extra", a->slurm_opts.extra, "More #SBATCH options, ';'-separated");
  cmd->footer(
      "Exit codes: 0 all runs finished, 1 some failed, 2 bad spec, 75 interrupted or runs left "
      "(run it again).");
  cmd->callback([a] { run_sweep_command(*a); });
}
}  // namespace

SL_REGISTER_COMMAND(50, add_sweep_command);
