// Scaling out with Slurm: `scalelab sweep SPEC --slurm` writes DIR/slurm/sweep.sbatch, a job array
// whose every task is a one-worker driver on the same sweep directory (shared filesystem). Tasks
// claim runs through the same lock files as local drivers, so no run is trained twice; a task exits
// when nothing is left for it to start. A node that dies leaves its locks; after 10 minutes without
// a heartbeat another host treats them as stale and takes the runs over (resuming from
// checkpoints).
#pragma once
#include <string>

#include "sweeps/spec.h"

namespace sl {
struct SlurmOptions {
  int tasks = 0;          // array size; 0 = min(runs, 32)
  int max_parallel = 0;   // array throttle (--array=0-N%M); 0 = as many as the cluster allows
  int cpus_per_task = 2;  // each task trains one run at a time with this many threads
  int gpus_per_task = 0;  // 1 on GPU clusters (--gpus-per-task=1)
  std::string mem;        // --mem per task; "" = twice the largest run's estimate, at least 2G
  std::string time = "24:00:00";
  std::string partition;  // "" = the cluster's default
  std::string extra;      // more #SBATCH lines, ';'-separated (e.g. "--account=abc;--qos=low")
};
// The script's text. `binary`, `spec` and `dir` are made absolute by the caller. Every task is
// requeued (--requeue) when its node fails or it is preempted, and requeues itself when the driver
// exits 75 (stopped at a checkpoint by the time-limit signal, runs left). The plan's overrides
// reach the driver as quoted words. Runs with train.ranks > 1 make each task ask for that many
// tasks (--ntasks, each with --cpus-per-task and --gpus-per-task); the driver starts their ranks
// with srun.
std::string slurm_script(const SweepPlan& plan, const SlurmOptions& o, const std::string& binary,
                         const std::string& spec, const std::string& dir,
                         const std::string& workdir);
}  // namespace sl
