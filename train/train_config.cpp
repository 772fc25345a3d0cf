#include "train/train_config.h"

#include <cctype>
#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "core/config_schema.h"
#include "core/hash.h"
#include "core/machine.h"
#include "core/yaml_util.h"
#include "data/tokenizer_spec.h"
#include "data/tokenizer_variant.h"

namespace sl {
namespace {
const char* positive(double v) { return v > 0 ? "" : "must be > 0"; }

const ConfigSchema<DataConfig>& data_schema() {
  static const auto s =
      ConfigSchema<DataConfig>()
          .field("path", &DataConfig::path, "prepared dataset directory (scalelab prepare)")
          .field("unique_tokens", &DataConfig::unique_tokens,
                 "data-constrained runs: train on only the first D_unique train tokens, repeating "
                 "them (0 = all)",
                 [](const DataConfig& d) {
                   return d.unique_tokens < 0 ? "must be >= 0 (0 means all tokens)" : "";
                 })
          .field(
              "tokenizer", &DataConfig::tokenizer,
              "\"\" = data.path as it is; byte, bpe:VOCAB or unigram:VOCAB: data.path's source "
              "re-prepared with that tokenizer in its own directory (a vocabulary axis)",
              [](const DataConfig& d) -> std::string {
                if (d.tokenizer.empty()) return "";
                auto spec = parse_tokenizer_spec(d.tokenizer);
                return spec.ok() ? "" : std::string(spec.status().message());
              },
              /*omit_when_default=*/true)
          .field(
              "mix", &DataConfig::mix,
              "a mixture: train windows from these dataset directories (data.path is not "
              "read), weighted by data.mix_weights; val loss per source",
              [](const DataConfig& d) -> std::string {
                if (!d.mix.empty() && !d.tokenizer.empty())
                  return "cannot be combined with data.tokenizer: prepare each source with "
                         "the same tokenizer and list their directories";
                return "";
              },
              /*omit_when_default=*/true)
          .field(
              "mix_weights", &DataConfig::mix_weights,
              "relative weight of each data.mix directory ([1, 3]: 25% and 75% of windows; none "
              "= equal)",
              [](const DataConfig& d) -> std::string {
                if (!d.mix_weights.empty() && d.mix_weights.size() != d.mix.size())
                  return absl::StrCat("has ", d.mix_weights.size(), " weights for ", d.mix.size(),
                                      " data.mix directories: give one each");
                for (int w : d.mix_weights)
                  if (w <= 0) return "weights must be positive integers";
                return "";
              },
              /*omit_when_default=*/true);
  return s;
}

const ConfigSchema<OptimConfig>& optim_schema() {
  using O = OptimConfig;
  static const auto s =
      ConfigSchema<O>()
          .field(
              "name", &O::name,
              "adamw, or muon: Muon on the hidden matrices (attention, MLP), AdamW on embeddings, "
              "lm_head, gains and biases",
              [](const O& o) {
                return o.name == "adamw" || o.name == "muon"
                           ? std::string()
                           : absl::StrCat("unknown optimizer '", o.name, "'; use adamw or muon");
              },
              /*omit_when_default=*/true)
          .field("lr", &O::lr, "peak learning rate (AdamW's; under muon, of the AdamW part)",
                 [](const O& o) { return positive(o.lr); })
          .field("min_lr_ratio", &O::min_lr_ratio, "the schedule decays to lr * min_lr_ratio",
                 [](const O& o) {
                   return o.min_lr_ratio < 0 || o.min_lr_ratio > 1 ? "must be in [0, 1]" : "";
                 })
          .field("weight_decay", &O::weight_decay, "decoupled (AdamW), on matrices only",
                 [](const O& o) { return o.weight_decay < 0 ? "must be >= 0" : ""; })
          .field("beta1", &O::beta1, "AdamW first-moment decay",
                 [](const O& o) { return o.beta1 < 0 || o.beta1 >= 1 ? "must be in [0, 1)" : ""; })
          .field("beta2", &O::beta2, "AdamW second-moment decay",
                 [](const O& o) { return o.beta2 < 0 || o.beta2 >= 1 ? "must be in [0, 1)" : ""; })
          .field("eps", &O::eps, "AdamW epsilon", [](const O& o) { return positive(o.eps); })
          .field("grad_clip", &O::grad_clip, "max global gradient norm; 0 disables clipping",
                 [](const O& o) {
                   return o.grad_clip < 0 ? "must be >= 0 (0 disables clipping)" : "";
                 })
          .field("schedule", &O::schedule, "cosine, wsd (warmup-stable-decay) or constant",
                 [](const O& o) {
                   return o.schedule == "cosine" || o.schedule == "wsd" || o.schedule == "constant"
                              ? std::string()
                              : absl::StrCat("unknown schedule '", o.schedule,
                                             "'; use cosine, wsd or constant");
                 })
          .field("warmup_fraction", &O::warmup_fraction,
                 "share of the steps spent warming up linearly from 0",
                 [](const O& o) {
                   return o.warmup_fraction < 0 || o.warmup_fraction >= 1 ? "must be in [0, 1)"
                                                                          : "";
                 })
          .field("decay_fraction", &O::decay_fraction,
                 "wsd: share of the steps in the final linear decay",
                 [](const O& o) {
                   return o.decay_fraction <= 0 || o.decay_fraction > 1 ? "must be in (0, 1]" : "";
                 })
          .field(
              "warmup_tokens", &O::warmup_tokens,
              "absolute warmup in tokens (0 = use warmup_fraction); runs of different lengths then "
              "share it",
              [](const O& o) {
                return o.warmup_tokens < 0 ? "must be >= 0 (0 = use warmup_fraction)" : "";
              },
              /*omit_when_default=*/true)
          .field(
              "muon_lr", &O::muon_lr,
              "muon: peak learning rate of the hidden matrices (the schedule scales it as lr)",
              [](const O& o) { return positive(o.muon_lr); }, /*omit_when_default=*/true)
          .field(
              "muon_momentum", &O::muon_momentum, "muon: momentum of the hidden matrices",
              [](const O& o) {
                return o.muon_momentum < 0 || o.muon_momentum >= 1 ? "must be in [0, 1)" : "";
              },
              /*omit_when_default=*/true)
          .field("muon_nesterov", &O::muon_nesterov,
                 "muon: Nesterov momentum (orthogonalise mu buf + (1 - mu) g instead of buf)", {},
                 /*omit_when_default=*/true)
          .field(
              "muon_weight_decay", &O::muon_weight_decay,
              "muon: decoupled weight decay of the hidden matrices (optim.weight_decay is AdamW's)",
              [](const O& o) { return o.muon_weight_decay < 0 ? "must be >= 0" : ""; },
              /*omit_when_default=*/true);
  return s;
}

const ConfigSchema<RunConfig>& run_schema() {
  using R = RunConfig;
  static const auto s =
      ConfigSchema<R>()
          .field("tokens", &R::tokens,
                 "training token budget D (required); the schedule spans exactly it",
                 [](const R& r) {
                   return r.tokens <= 0 ? "must be > 0 (the training token budget, e.g. 5M)" : "";
                 })
          .field("batch_size", &R::batch_size, "sequences per micro-batch",
                 [](const R& r) { return r.batch_size < 1 ? "must be >= 1" : ""; })
          .field("grad_accum", &R::grad_accum, "micro-batches per optimizer step",
                 [](const R& r) { return r.grad_accum < 1 ? "must be >= 1" : ""; })
          .field("seed", &R::seed, "model init, data order and dropout")
          .field("device", &R::device, "cpu, cuda or auto (cuda when usable)",
                 [](const R& r) {
                   return r.device == "cpu" || r.device == "cuda" || r.device == "auto"
                              ? std::string()
                              : absl::StrCat("unknown device '", r.device,
                                             "'; use cpu, cuda or auto");
                 })
          .field("threads", &R::threads, "CPU threads of this run (0 = all cores)",
                 [](const R& r) { return r.threads < 0 ? "must be >= 0 (0 = all cores)" : ""; })
          .field("bf16", &R::bf16, "bf16 autocast on CUDA (ignored on the CPU)")
          .field("log_every", &R::log_every, "steps between metrics rows",
                 [](const R& r) { return r.log_every < 1 ? "must be >= 1" : ""; })
          .field("eval_every", &R::eval_every, "steps between validation evals (and at the end)",
                 [](const R& r) { return r.eval_every < 1 ? "must be >= 1" : ""; })
          .field("eval_tokens", &R::eval_tokens,
                 "size of the fixed held-out set (whole windows of val.bin)",
                 [](const R& r) { return r.eval_tokens < 1 ? "must be >= 1" : ""; })
          .field("checkpoint_every", &R::checkpoint_every,
                 "steps between checkpoints (and at the end); 0 = end only",
                 [](const R& r) {
                   return r.checkpoint_every < 0 ? "must be >= 0 (0 = only at the end)" : "";
                 })
          .field(
              "log", &R::log,
              "tensorboard: the metrics rows also as TensorBoard scalars in RUN_DIR/tensorboard/ "
              "(\"\" = metrics.jsonl only)",
              [](const R& r) {
                return r.log.empty() || r.log == "tensorboard"
                           ? std::string()
                           : absl::StrCat("unknown log '", r.log,
                                          "'; use tensorboard, or leave the key out for "
                                          "metrics.jsonl only");
              },
              /*omit_when_default=*/true)
          .field(
              "ranks", &R::ranks,
              "data-parallel ranks for this run in a sweep (train --nproc, or srun under Slurm); "
              "train.batch_size must be a multiple",
              [](const R& r) {
                if (r.ranks < 1) return std::string("must be >= 1");
                return r.batch_size % r.ranks == 0
                           ? std::string()
                           : absl::StrCat("train.batch_size ", r.batch_size,
                                          " does not split over ", r.ranks,
                                          " ranks: use a divisor of it, or a batch size that is a "
                                          "multiple of ",
                                          r.ranks);
              },
              /*omit_when_default=*/true);
  return s;
}
}  // namespace

std::string config_keys_markdown() {
  std::string out = "| key | type | default | meaning |\n|---|---|---|---|\n";
  for (const auto& k : train_config_keys()) {
    auto cell = [](const std::string& s) { return absl::StrReplaceAll(s, {{"|", "\\|"}}); };
    absl::StrAppend(&out, "| `", k.key, "` | ", k.type, " | ",
                    k.default_value.empty() ? "\"\"" : cell(k.default_value), " | ", cell(k.doc),
                    " |\n");
  }
  return out;
}

std::vector<FieldDoc> train_config_keys() {
  std::vector<FieldDoc> out{
      {"name", "string", "the config file's stem", "readable prefix of the run id"}};
  auto add = [&](const std::string& section, std::vector<FieldDoc> docs) {
    for (auto& d : docs) {
      d.key = section + "." + d.key;
      out.push_back(std::move(d));
    }
  };
  add("model", gpt_config_keys());
  add("data", data_schema().docs());
  add("optim", optim_schema().docs());
  add("train", run_schema().docs());
  add("probes", probe_config_keys());
  return out;
}

std::string run_name_problem(const std::string& name) {
  std::string fix;
  for (char ch : name) {
    const unsigned char u = static_cast<unsigned char>(ch);
    fix.push_back(std::isalnum(u) || ch == '.' || ch == '_' || ch == '-' ? ch : '_');
  }
  fix.erase(0, fix.find_first_not_of("._-"));  // "../../evil" -> "evil"
  if (fix.size() > 100) fix.resize(100);
  if (fix.empty()) fix = "run";
  std::string why;
  if (name.empty()) {
    why = "is empty";
  } else if (name.size() > 100) {
    why = absl::StrCat("has ", name.size(), " characters, more than 100");
  } else if (name[0] == '.') {
    why = "starts with '.'";
  } else if (fix != name) {
    why = "has characters other than letters, digits, '.', '_' and '-'";
  } else {
    return "";
  }
  return absl::StrCat(
      "run name '", absl::CEscape(name), "' ", why,
      ": a name names a directory (out/runs/<name>-<hash>, out/sweeps/<name>), so it is 1 to 100 "
      "letters, digits, '.', '_' or '-', not starting with '.'; e.g. ",
      fix);
}

absl::StatusOr<TrainConfig> train_config_from_yaml(const YAML::Node& doc, const std::string& file,
                                                   const YamlOrigins& origins, ConfigUse use) {
  SL_ASSIGN_OR_RETURN(YamlMap root, YamlMap::of(file, "", doc, origins));
  TrainConfig c;
  c.name = std::filesystem::path(file).stem().string();
  SL_RETURN_IF_ERROR(root.get("name", &c.name));
  if (std::string why = run_name_problem(c.name); !why.empty()) {
    if (root.has("name")) return root.error("name", why);
    return absl::InvalidArgumentError(
        absl::StrCat(file,
                     ": the config has no name: key, so the run is named after "
                     "the file; ",
                     why, " (add name: to the config)"));
  }
  SL_ASSIGN_OR_RETURN(YamlMap model, root.child("model"));
  SL_ASSIGN_OR_RETURN(c.model, gpt_config_from_yaml(model));
  SL_ASSIGN_OR_RETURN(YamlMap data, root.child("data"));
  SL_RETURN_IF_ERROR(data_schema().read(data, &c.data));
  SL_ASSIGN_OR_RETURN(YamlMap optim, root.child("optim"));
  SL_RETURN_IF_ERROR(optim_schema().read(optim, &c.optim));
  SL_RETURN_IF_ERROR(root.require("train"));
  SL_ASSIGN_OR_RETURN(YamlMap run, root.child("train"));
  SL_RETURN_IF_ERROR(run.require("tokens"));
  SL_RETURN_IF_ERROR(run_schema().read(run, &c.train));
  // 100000 threads kept the OpenMP pool spawning for minutes, 1e9 died inside libgomp. Only for a
  // config about to run here: a run directory's config.yaml from a bigger machine still loads.
  const int cores = available_cores();
  if (use == ConfigUse::kRunHere && c.train.threads > cores) {
    return run.error(
        "threads",
        absl::StrFormat("%d is more than the %d cores of this machine; use 0 (all cores) or 1..%d",
                        c.train.threads, cores, cores));
  }
  SL_ASSIGN_OR_RETURN(YamlMap probes, root.child("probes"));
  SL_ASSIGN_OR_RETURN(c.probes, probe_config_from_yaml(probes));
  SL_RETURN_IF_ERROR(root.finish());
  if (c.train.tokens < c.tokens_per_step()) {  // at the key (or the override) that set the budget
    return run.error("tokens",
                     absl::StrFormat("%d is less than one optimizer step (batch_size %d x "
                                     "grad_accum %d x ctx %d = %d tokens); raise "
                                     "train.tokens or shrink the batch",
                                     c.train.tokens, c.train.batch_size, c.train.grad_accum,
                                     c.model.ctx, c.tokens_per_step()));
  }
  SL_RETURN_IF_ERROR(validate_train_config(c, file));
  return c;
}

absl::Status validate_train_config(const TrainConfig& c, const std::string& file) {
  SL_RETURN_IF_ERROR(validate_gpt_config(c.model, file + ": model"));
  if (c.train.tokens < c.tokens_per_step()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: train.tokens = %d is less than one optimizer step (batch_size %d x "
                        "grad_accum %d x ctx %d "
                        "= %d tokens); raise train.tokens or shrink the batch",
                        file, c.train.tokens, c.train.batch_size, c.train.grad_accum, c.model.ctx,
                        c.tokens_per_step()));
  }
  return absl::OkStatus();
}

absl::StatusOr<TrainConfig> load_train_config(const std::string& path,
                                              const std::vector<std::string>& overrides,
                                              ConfigUse use) {
  SL_ASSIGN_OR_RETURN(YAML::Node doc, yaml_load_file(path));
  YamlOrigins origins;
  for (const auto& o : overrides)
    SL_RETURN_IF_ERROR(annotate(yaml_apply_override(doc, o, &origins), path));
  return train_config_from_yaml(doc, path, origins, use);
}

std::string train_config_where(const std::string& path, const std::vector<std::string>& overrides,
                               const std::string& dotted_key) {
  auto doc = yaml_load_file(path);
  if (!doc.ok()) return path;
  YamlOrigins origins;
  for (const auto& o : overrides) {
    if (!yaml_apply_override(*doc, o, &origins).ok()) return path;
  }
  return yaml_key_where(path, *doc, origins, dotted_key);
}

static std::string body_yaml(const TrainConfig& c, bool with_name, YamlNumbers numbers) {
  YAML::Emitter out;
  out.SetDoublePrecision(17);  // YamlNumbers::kDigits17 (and what yaml-cpp 0.7 does by default)
  out << YAML::BeginMap;
  if (with_name) out << YAML::Key << "name" << YAML::Value << c.name;
  out << YAML::Key << "model" << YAML::Value;
  gpt_config_to_yaml(c.model, out, numbers);
  out << YAML::Key << "data" << YAML::Value;
  data_schema().write(c.data, out, numbers);
  out << YAML::Key << "optim" << YAML::Value;
  optim_schema().write(c.optim, out, numbers);
  out << YAML::Key << "train" << YAML::Value;
  run_schema().write(c.train, out, numbers);
  // Written only when probes are on, so configs without them keep their run ids.
  if (c.probes.enabled()) {
    out << YAML::Key << "probes" << YAML::Value;
    probe_config_to_yaml(c.probes, out, numbers);
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string train_config_to_yaml(const TrainConfig& c) {
  return body_yaml(c, true, YamlNumbers::kShortest);
}

TrainConfig without_output_keys(const TrainConfig& c) {
  // Threads, device and ranks change speed, not results on a given machine (ranks: to float
  // rounding); they stay out of the id so a sweep's worker count does not rename its runs. The
  // log's format is output only.
  TrainConfig k = c;
  const RunConfig defaults;
  k.train.threads = defaults.threads;
  k.train.device = defaults.device;
  k.train.log = defaults.log;
  k.train.ranks = defaults.ranks;  // a checkpoint resumes with any number of ranks that divides
  return k;
}

absl::StatusOr<std::string> run_data_dir(const DataConfig& data, bool prepare) {
  if (data.tokenizer.empty()) return data.path;
  return prepare ? ensure_tokenizer_variant(data.path, data.tokenizer)
                 : tokenizer_variant_dir(data.path, data.tokenizer);
}

std::string run_id(const TrainConfig& c) {
  const TrainConfig k = without_output_keys(c);
  // The hash reads numbers in 17 digits, as it did before config.yaml printed them shortest: the
  // value is the same either way, and so the ids of runs made before stay theirs.
  return c.name + "-" + short_hash(body_yaml(k, false, YamlNumbers::kDigits17));
}
}  // namespace sl
