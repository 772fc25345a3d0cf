// A sweep spec (YAML) and its expansion into runs. The format is in docs/sweeps.md; in short:
//   name: quickstart                 # default: the file's stem
//   base: ../train/tiny_austen.yaml  # the train config every run starts from (or a mapping)
//   models: {sizes: [50k, 100k], aspect: 32, head_dim: 32}
//                                    # or shapes: [{n_layer: 2, d_model: 64}, ...]
//   data: {tokens: [1M, 2M]}         # or tokens_per_param: [5, 20], or flops: [1e13]
//   seeds: [1, 2]
//   optim.lr: [1e-3, 3e-3]           # any dotted config key: a list is an axis, a scalar is fixed
//   rules: {optim.lr: {value: 3e-3, at: 800k, exponent: -0.333}}
//                                    # hyper-parameters as functions of N or D
//   schedule: wsd                    # shorthand for optim.schedule
//   share_stable_phase: true         # WSD: runs differing only in D branch from the longest one
// Expansion validates every run (config, data, shapes, budgets) before any starts; errors name the
// spec file, the key, its line and column.
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
  std::string id;  // run_id(cfg): the run directory's name
  int64_t params_total = 0, params_nonembedding = 0;
  double target_params = 0;  // the spec's size entry (0 for explicit shapes)
  double flops_budget = 0;   // IsoFLOP mode: the compute budget C this run belongs to (else 0)
  double flops_6n = 0, flops_6n_attention = 0,
         flops_chinchilla = 0;  // of the whole run (planned D)
  double epochs = 0;            // D over the tokens the run may use
  // Shared stable phase: start from `branch_source`'s checkpoint-step<branch_step>.bin.
  std::string branch_source;  // run id ("" = trains from step 0)
  int64_t branch_step = 0;
  std::vector<int64_t>
      snapshot_steps;  // steps this run keeps a checkpoint copy at (for its branches)
  int64_t tokens() const { return cfg.train.tokens; }
};

struct SweepPlan {
  std::string name;
  std::string spec_path;
  std::string spec_text;  // the spec file as read (copied into the sweep directory)
  FlopsConvention convention = FlopsConvention::kKaplan6N;  // the spec's flops_convention
  bool isoflop = false;
  bool share_stable_phase = false;
  std::vector<PlannedRun> runs;  // in expansion order
  const PlannedRun* find(const std::string& id) const;
  int64_t tokens_saved() const;  // by branching (shared stable phases)
};

// Reads, expands and validates a spec, for running on this machine: train.threads within its cores,
// and on the CPU every run fits its memory (train/memory_check.h). `check_data` opens each dataset
// (off in unit tests of errors that come first); `device`, when not empty, is the device every run
// will get (the sweep's --device) in place of its train.device.
absl::StatusOr<SweepPlan> expand_sweep_spec(const std::string& spec_path, bool check_data = true,
                                            const std::string& device = "");
absl::StatusOr<SweepPlan> expand_sweep_spec_text(const std::string& text,
                                                 const std::string& spec_path,
                                                 bool check_data = true,
                                                 const std::string& device = "");

// plan.json: the expanded runs (what status and export read). And back.
std::string plan_to_json(const SweepPlan& plan);
absl::StatusOr<SweepPlan> read_plan(const std::string& sweep_dir);
}  // namespace sl
