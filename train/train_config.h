// A training run's configuration: the YAML file a user writes (configs/train/*.yaml), every field
// with its default, validated before anything runs. Its canonical YAML form (all defaults filled
// in) is what a run directory stores and what the run id hashes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/config_schema.h"
#include "core/status.h"
#include "core/yaml_util.h"
#include "model/accounting.h"
#include "model/config.h"
#include "probes/probe_config.h"

namespace sl {
struct DataConfig {
  std::string path = "out/data/austen";  // prepared dataset directory (scalelab prepare)
  int64_t unique_tokens =
      0;  // data-constrained runs: use only the first D_unique train tokens (0 = all)
  // "" = path as it is; "byte", "bpe:VOCAB", "unigram:VOCAB": the dataset re-made from path's
  // source with that tokenizer, in its own directory (data/tokenizer_variant.h).
  std::string tokenizer;
  // A mixture: train windows drawn from these dataset directories (data.path is then not read),
  // with relative weights mix_weights, one per directory ([1, 3]: 25% and 75% of the windows;
  // none: equal shares).
  // Every directory must have the same tokenizer; val loss is reported per source.
  std::vector<std::string> mix;
  std::vector<int> mix_weights;
};

// The directory a run reads: data.path, or (data.tokenizer set) its tokenizer variant, prepared
// first when `prepare` and it is missing.
absl::StatusOr<std::string> run_data_dir(const DataConfig& data, bool prepare);

struct OptimConfig {
  // adamw: AdamW on every parameter. muon: Muon on the hidden matrices (attention and MLP weights),
  // AdamW (lr, betas, weight_decay below) on embeddings, lm_head, gains and biases (train/optimizer.h).
  std::string name = "adamw";
  double lr = 1e-3;           // peak learning rate (AdamW's)
  double min_lr_ratio = 0.1;  // the schedule decays to lr * min_lr_ratio
  double weight_decay = 0.1;  // decoupled (AdamW), on matrices only
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double grad_clip = 1.0;           // max global grad norm; 0 disables clipping
  std::string schedule = "cosine";  // cosine | wsd | constant
  double warmup_fraction = 0.05;    // share of the run's steps spent warming up linearly from 0
  // Absolute warmup length in tokens (rounded up to whole steps); 0 = use warmup_fraction. Runs
  // that differ only in length then share their warmup (the shared WSD stable phase needs this).
  int64_t warmup_tokens = 0;
  double decay_fraction = 0.2;  // wsd: share of the steps in the final linear decay (cooldown)
  // optim.name = muon only (train/muon.h); the schedule scales muon_lr as it scales lr.
  double muon_lr = 0.02;           // Muon's peak learning rate (the reference's default)
  double muon_momentum = 0.95;     // Muon's momentum (EMA of the gradients)
  bool muon_nesterov = true;       // Nesterov momentum: orthogonalise mu buf + (1 - mu) g
  double muon_weight_decay = 0.0;  // decoupled weight decay on the hidden matrices
};

struct RunConfig {
  int64_t tokens = 0;           // training token budget D (required); the schedule spans exactly it
  int batch_size = 32;          // sequences per micro-batch
  int grad_accum = 1;           // micro-batches per optimizer step
  int64_t seed = 1;             // model init, data order and dropout
  std::string device = "auto";  // cpu | cuda | auto (cuda when available)
  int threads = 0;              // CPU threads for this run (0 = all cores)
  bool bf16 = true;             // bf16 autocast on CUDA (ignored on CPU)
  int log_every = 10;           // steps between metrics rows
  int eval_every = 100;         // steps between validation evals (and at the end)
  int64_t eval_tokens = 65536;  // size of the fixed held-out set (rounded to whole windows)
  int checkpoint_every = 200;   // steps between checkpoints (and at the end); 0 = only at the end
  // "" (metrics.jsonl only) or "tensorboard": the rows also as TensorBoard scalars in
  // RUN_DIR/tensorboard/ (train/tensorboard_log.h). Output only: not part of the run id.
  std::string log;
  // Data-parallel ranks that train this run: `scalelab sweep` starts them (train --nproc, or srun
  // inside a Slurm job) and its Slurm script asks for them. Speed only: not part of the run id.
  int ranks = 1;
};

struct TrainConfig {
  std::string name = "run";  // readable prefix of the run id (default: the config file's stem)
  GptConfig model;
  DataConfig data;
  OptimConfig optim;
  RunConfig train;
  // Capability probes run at every eval point, rows in probes.jsonl (off when no tasks).
  ProbeConfig probes;

  int64_t tokens_per_step() const {
    return static_cast<int64_t>(train.batch_size) * train.grad_accum * model.ctx;
  }
  int64_t total_steps() const { return train.tokens / tokens_per_step(); }
  int64_t eval_windows() const { return std::max<int64_t>(1, train.eval_tokens / model.ctx); }
};

// How a config is read. kStored: a run directory's config.yaml, as it was written wherever it ran
// (status, export, sample, probe and a resume read these). kRunHere: a config about to run on this
// machine, so train.threads may not exceed its cores; a run directory copied from a bigger machine
// still loads as kStored.
enum class ConfigUse { kStored, kRunHere };

// Reads a config file, applies "a.b=value" overrides, validates. Errors carry file:line:col and
// key, or the override that set the value.
absl::StatusOr<TrainConfig> load_train_config(const std::string& path,
                                              const std::vector<std::string>& overrides = {},
                                              ConfigUse use = ConfigUse::kStored);
// The same from a parsed document; `file` names it in errors, `origins` places values that are not
// the file's own text (overrides, a sweep spec's axes; core/yaml_util.h).
absl::StatusOr<TrainConfig> train_config_from_yaml(const YAML::Node& doc, const std::string& file,
                                                   const YamlOrigins& origins = {},
                                                   ConfigUse use = ConfigUse::kStored);
// Where a dotted key of a config file with its overrides is: "cfg.yaml:4:12", "override
// 'model.d_model=1000000'", or "cfg.yaml" for a default. For errors found after reading.
std::string train_config_where(const std::string& path, const std::vector<std::string>& overrides,
                               const std::string& dotted_key);
// Cross-field checks (budget of at least one step, schedule names...).
absl::Status validate_train_config(const TrainConfig& c, const std::string& file);
// A run name names a directory (out/runs/<name>-<hash>, out/sweeps/<name>): 1 to 100 letters,
// digits, '.', '_' or '-', not starting with '.'. Returns what is wrong with `name` and a usable
// name to write instead, or "" when it is fine. Train configs and sweep specs both check with it.
std::string run_name_problem(const std::string& name);
// Canonical YAML: every field, fixed order. Equal configs give equal text.
std::string train_config_to_yaml(const TrainConfig& c);
// Every key of a train config, dotted ("optim.lr"), with its type, default and doc line, in
// canonical order: what a sweep may set and what docs/train.md's key table lists.
std::vector<FieldDoc> train_config_keys();
// The same as the markdown table in docs/train.md (`scalelab config-keys` prints it).
std::string config_keys_markdown();
// "<name>-<8 hex of the canonical YAML without the name>": the default run directory name. The keys
// that change speed or output but not results (train.threads, train.device, train.log,
// train.ranks) are left out, so setting them never renames a run.
std::string run_id(const TrainConfig& c);
// `c` with those keys (threads, device, log, ranks) at their defaults: what run ids and branch checks
// compare, so a key that changes only speed or output is listed once, here.
TrainConfig without_output_keys(const TrainConfig& c);
}  // namespace sl
