// A sweep's expanded runs (what `sweep` trains, `status` and `export` read) and plan.json, its file
// in the sweep directory: run ids and what the spec said of each run; configs live in the runs'
// own config.yaml, sizes and FLOPs are derived from them on reading.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/accounting.h"
#include "train/train_config.h"

namespace sl {
struct PlannedRun {
  TrainConfig cfg;
  std::string id;   // run_id(cfg): the run directory's name
  std::string dir;  // the run directory (SWEEP_DIR/runs/<id> in a sweep)
  int64_t params_total = 0, params_nonembedding = 0;
  int64_t params_with_head = 0, params_matrices = 0;  // nanochat's N, the blocks' matrices
  double target_params = 0;  // the spec's size entry (0 for explicit shapes)
  double flops_budget = 0;   // IsoFLOP mode: the compute budget C this run belongs to (else 0)
  double flops_6n = 0, flops_6n_attention = 0, flops_chinchilla = 0;  // whole run (planned D)
  double epochs = 0;  // D over the tokens the run may use
  // Shared stable phase: start from `branch_source`'s checkpoint-step<branch_step>.bin.
  std::string branch_source;  // run id ("" = trains from step 0)
  int64_t branch_step = 0;
  std::vector<int64_t> snapshot_steps;  // steps this run keeps a checkpoint copy at (for branches)
  int64_t tokens() const { return cfg.train.tokens; }
};

struct SweepPlan {
  std::string name;
  std::string spec_path;
  std::string spec_text;  // the spec file as read (copied into the sweep directory)
  FlopsConvention convention = FlopsConvention::kKaplan6N;  // the spec's flops_convention
  bool isoflop = false;
  bool share_stable_phase = false;
  std::vector<std::string> overrides;  // `sweep SPEC KEY=VALUE...`: applied to every run
  std::vector<PlannedRun> runs;        // in expansion order
  // The keys the spec's rules set (the dry run shows each run's value); not kept in plan.json.
  std::vector<std::string> rule_keys;
  const PlannedRun* find(const std::string& id) const;
  int64_t tokens_saved() const;  // by branching (shared stable phases)
};

// Parameter counts and whole-run FLOPs of `r.cfg` into `r`.
void fill_sizes(PlannedRun& r);

// plan.json: the expanded runs. And back (each run's config from SWEEP_DIR/runs/<id>/config.yaml).
std::string plan_to_json(const SweepPlan& plan);
absl::StatusOr<SweepPlan> read_plan(const std::string& sweep_dir);

// The plan of a sweep directory (its plan.json), or else of the run directories in `dir`
// (run_dirs_of: one run, or a directory of `scalelab train` runs), each its own run, named by its
// directory.
absl::StatusOr<SweepPlan> plan_of(const std::string& dir);
}  // namespace sl
