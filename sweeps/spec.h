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
// spec file, the key, its line and column. Its steps, each in its own file:
//   spec_parse.h     the text into a SweepSpec, key by key
//   spec_grid.h      base config, sizes into shapes, the grid of runs (spec_rules.h applied)
//   stable_phase.h   share_stable_phase: shorter runs branch from the longest
//   spec_validate.h  ids, duplicates, sizes, and each run against its data
#pragma once
#include <string>
#include <vector>

#include "core/status.h"
#include "sweeps/plan.h"

namespace sl {
// Reads, expands and validates a spec, for running on this machine: train.threads within its
// cores, and on the CPU every run fits its memory (train/memory_check.h). `check_data` opens each
// dataset (off in unit tests of errors that come first); `device`, when not empty, is the device
// every run will get (the sweep's --device) in place of its train.device.
// `overrides` ("optim.lr=3e-3", as `scalelab sweep SPEC KEY=VALUE...` takes them) apply to every
// run like the spec's own fixed keys; one that names an axis or a rule of the spec is refused.
absl::StatusOr<SweepPlan> expand_sweep_spec(const std::string& spec_path, bool check_data = true,
                                            const std::string& device = "",
                                            const std::vector<std::string>& overrides = {});
absl::StatusOr<SweepPlan> expand_sweep_spec_text(const std::string& text,
                                                 const std::string& spec_path,
                                                 bool check_data = true,
                                                 const std::string& device = "",
                                                 const std::vector<std::string>& overrides = {});
}  // namespace sl
