// The layout of a run directory and of a sweep's runs, spelled once. Every reader and writer of a
// run's files (trainer, sweep driver, status, export, probe, sample, tests) goes through RunPaths.
//   config.yaml          the resolved config (its run id names the run)
//   metrics.jsonl        one row per logged step
//   probes.jsonl         capability-probe rows (when the config has a probes: section)
//   checkpoint.bin       the latest checkpoint; checkpoint-step<N>.bin: snapshots for WSD branches
//   summary.json         written last: its presence means the run is finished
//   model.safetensors    the weights in nanoGPT's layout, from `scalelab export-weights`
//   train.lock           flock(2)-ed by the process training the run (one trainer per directory)
//   tensorboard/         event files of the metrics rows (train.log: tensorboard), one a session
// and, in a sweep (SWEEP_DIR/runs/<id>/), from the driver:
//   lock                 the driver's claim on the run (host, pids, start times)
//   failed.json          the last failure;  train.log: the child's stdout and stderr
// A sweep directory (SweepPaths):
//   sweep.yaml           the spec as given
//   plan.json            the expanded runs (sweeps/plan.h)
//   sweep.log            the driver's log
//   runs/<id>/           the run directories
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace sl {
struct RunPaths {
  std::string dir;

  explicit RunPaths(std::string run_dir) : dir(std::move(run_dir)) {}
  std::string config() const { return file("config.yaml"); }
  std::string metrics() const { return file("metrics.jsonl"); }
  std::string probes() const { return file("probes.jsonl"); }
  std::string checkpoint() const { return file("checkpoint.bin"); }
  std::string snapshot(int64_t step) const;  // checkpoint-step<N>.bin
  std::string summary() const { return file("summary.json"); }
  std::string weights() const { return file("model.safetensors"); }
  std::string train_lock() const { return file("train.lock"); }
  std::string tensorboard() const { return file("tensorboard"); }
  std::string sweep_lock() const { return file("lock"); }
  std::string failed() const { return file("failed.json"); }
  std::string train_log() const { return file("train.log"); }
  std::string file(const std::string& name) const;
  // The names of the files `scalelab train` writes (not the driver's, not snapshots).
  static const std::vector<std::string>& train_file_names();
};

struct SweepPaths {
  std::string dir;

  explicit SweepPaths(std::string sweep_dir) : dir(std::move(sweep_dir)) {}
  std::string spec() const { return file("sweep.yaml"); }
  std::string plan() const { return file("plan.json"); }
  std::string log() const { return file("sweep.log"); }
  std::string runs() const { return file("runs"); }
  RunPaths run(const std::string& run_id) const;
  std::string file(const std::string& name) const;
};

// SWEEP_DIR/runs: where a sweep keeps its run directories.
std::string sweep_runs_dir(const std::string& sweep_dir);
// SWEEP_DIR/runs/<id>.
RunPaths sweep_run(const std::string& sweep_dir, const std::string& run_id);

// {dir} when `dir` is a run directory (has config.yaml), else the run directories of the sweep in
// `dir` (runs/*/config.yaml), else those right below it (*/config.yaml: a directory of
// `scalelab train` runs such as out/runs), sorted by name. Error when it is none of these.
absl::StatusOr<std::vector<std::string>> run_dirs_of(const std::string& dir);
}  // namespace sl
