#include "train/train_config.h"

#include <cctype>
#include <filesystem>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "core/hash.h"
#include "core/yaml_util.h"

namespace sl {
namespace {
absl::Status read_data(YamlMap m, DataConfig* d) {
  SL_RETURN_IF_ERROR(m.get("path", &d->path));
  SL_RETURN_IF_ERROR(m.get("unique_tokens", &d->unique_tokens));
  if (d->unique_tokens < 0) return m.error("unique_tokens", "must be >= 0 (0 means all tokens)");
  return m.finish();
}

absl::Status read_optim(YamlMap m, OptimConfig* o) {
  SL_RETURN_IF_ERROR(m.get("lr", &o->lr));
  SL_RETURN_IF_ERROR(m.get("min_lr_ratio", &o->min_lr_ratio));
  SL_RETURN_IF_ERROR(m.get("weight_decay", &o->weight_decay));
  SL_RETURN_IF_ERROR(m.get("beta1", &o->beta1));
  SL_RETURN_IF_ERROR(m.get("beta2", &o->beta2));
  SL_RETURN_IF_ERROR(m.get("eps", &o->eps));
  SL_RETURN_IF_ERROR(m.get("grad_clip", &o->grad_clip));
  SL_RETURN_IF_ERROR(m.get("schedule", &o->schedule));
  SL_RETURN_IF_ERROR(m.get("warmup_fraction", &o->warmup_fraction));
  SL_RETURN_IF_ERROR(m.get("decay_fraction", &o->decay_fraction));
  SL_RETURN_IF_ERROR(m.get("warmup_tokens", &o->warmup_tokens));
  if (!(o->lr > 0)) return m.error("lr", "must be > 0");
  if (o->min_lr_ratio < 0 || o->min_lr_ratio > 1) return m.error("min_lr_ratio", "must be in [0, 1]");
  if (o->weight_decay < 0) return m.error("weight_decay", "must be >= 0");
  if (o->beta1 < 0 || o->beta1 >= 1) return m.error("beta1", "must be in [0, 1)");
  if (o->beta2 < 0 || o->beta2 >= 1) return m.error("beta2", "must be in [0, 1)");
  if (!(o->eps > 0)) return m.error("eps", "must be > 0");
  if (o->grad_clip < 0) return m.error("grad_clip", "must be >= 0 (0 disables clipping)");
  if (o->schedule != "cosine" && o->schedule != "wsd" && o->schedule != "constant") {
    return m.error("schedule", absl::StrCat("unknown schedule '", o->schedule, "'; use cosine, wsd or constant"));
  }
  if (o->warmup_fraction < 0 || o->warmup_fraction >= 1) return m.error("warmup_fraction", "must be in [0, 1)");
  if (o->decay_fraction <= 0 || o->decay_fraction > 1) return m.error("decay_fraction", "must be in (0, 1]");
  if (o->warmup_tokens < 0) return m.error("warmup_tokens", "must be >= 0 (0 = use warmup_fraction)");
  return m.finish();
}

absl::Status read_run(YamlMap m, RunConfig* r, ConfigUse use) {
  SL_RETURN_IF_ERROR(m.require("tokens"));
  SL_RETURN_IF_ERROR(m.get("tokens", &r->tokens));
  SL_RETURN_IF_ERROR(m.get("batch_size", &r->batch_size));
  SL_RETURN_IF_ERROR(m.get("grad_accum", &r->grad_accum));
  SL_RETURN_IF_ERROR(m.get("seed", &r->seed));
  SL_RETURN_IF_ERROR(m.get("device", &r->device));
  SL_RETURN_IF_ERROR(m.get("threads", &r->threads));
  SL_RETURN_IF_ERROR(m.get("bf16", &r->bf16));
  SL_RETURN_IF_ERROR(m.get("log_every", &r->log_every));
  SL_RETURN_IF_ERROR(m.get("eval_every", &r->eval_every));
  SL_RETURN_IF_ERROR(m.get("eval_tokens", &r->eval_tokens));
  SL_RETURN_IF_ERROR(m.get("checkpoint_every", &r->checkpoint_every));
  if (r->tokens <= 0) return m.error("tokens", "must be > 0 (the training token budget, e.g. 5M)");
  if (r->batch_size < 1) return m.error("batch_size", "must be >= 1");
  if (r->grad_accum < 1) return m.error("grad_accum", "must be >= 1");
  if (r->device != "cpu" && r->device != "cuda" && r->device != "auto") {
    return m.error("device", absl::StrCat("unknown device '", r->device, "'; use cpu, cuda or auto"));
  }
  if (r->threads < 0) return m.error("threads", "must be >= 0 (0 = all cores)");
  // 100000 threads kept the OpenMP pool spawning for minutes, 1e9 died inside libgomp.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (use == ConfigUse::kRunHere && r->threads > cores) {
    return m.error("threads", absl::StrFormat("%d is more than the %d cores of this machine; use 0 (all cores) or 1..%d",
                                              r->threads, cores, cores));
  }
  if (r->log_every < 1) return m.error("log_every", "must be >= 1");
  if (r->eval_every < 1) return m.error("eval_every", "must be >= 1");
  if (r->eval_tokens < 1) return m.error("eval_tokens", "must be >= 1");
  if (r->checkpoint_every < 0) return m.error("checkpoint_every", "must be >= 0 (0 = only at the end)");
  return m.finish();
}
}  // namespace

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
  return absl::StrCat("run name '", absl::CEscape(name), "' ", why,
                      ": a name names a directory (out/runs/<name>-<hash>, out/sweeps/<name>), so it is 1 to 100 "
                      "letters, digits, '.', '_' or '-', not starting with '.'; e.g. ", fix);
}

absl::StatusOr<TrainConfig> train_config_from_yaml(const YAML::Node& doc, const std::string& file,
                                                   const YamlOrigins& origins, ConfigUse use) {
  SL_ASSIGN_OR_RETURN(YamlMap root, YamlMap::of(file, "", doc, origins));
  TrainConfig c;
  c.name = std::filesystem::path(file).stem().string();
  SL_RETURN_IF_ERROR(root.get("name", &c.name));
  if (std::string why = run_name_problem(c.name); !why.empty()) {
    if (root.has("name")) return root.error("name", why);
    return absl::InvalidArgumentError(absl::StrCat(file, ": the config has no name: key, so the run is named after "
                                                   "the file; ", why, " (add name: to the config)"));
  }
  SL_ASSIGN_OR_RETURN(YamlMap model, root.child("model"));
  SL_ASSIGN_OR_RETURN(c.model, gpt_config_from_yaml(model));
  SL_ASSIGN_OR_RETURN(YamlMap data, root.child("data"));
  SL_RETURN_IF_ERROR(read_data(data, &c.data));
  SL_ASSIGN_OR_RETURN(YamlMap optim, root.child("optim"));
  SL_RETURN_IF_ERROR(read_optim(optim, &c.optim));
  SL_RETURN_IF_ERROR(root.require("train"));
  SL_ASSIGN_OR_RETURN(YamlMap run, root.child("train"));
  SL_RETURN_IF_ERROR(read_run(run, &c.train, use));
  SL_ASSIGN_OR_RETURN(YamlMap probes, root.child("probes"));
  SL_ASSIGN_OR_RETURN(c.probes, probe_config_from_yaml(probes));
  SL_RETURN_IF_ERROR(root.finish());
  if (c.train.tokens < c.tokens_per_step()) {  // at the key (or the override) that set the budget
    return run.error("tokens", absl::StrFormat(
        "%d is less than one optimizer step (batch_size %d x grad_accum %d x ctx %d = %d tokens); raise "
        "train.tokens or shrink the batch",
        c.train.tokens, c.train.batch_size, c.train.grad_accum, c.model.ctx, c.tokens_per_step()));
  }
  SL_RETURN_IF_ERROR(validate_train_config(c, file));
  return c;
}

absl::Status validate_train_config(const TrainConfig& c, const std::string& file) {
  SL_RETURN_IF_ERROR(validate_gpt_config(c.model, file + ": model"));
  if (c.train.tokens < c.tokens_per_step()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: train.tokens = %d is less than one optimizer step (batch_size %d x grad_accum %d x ctx %d "
        "= %d tokens); raise train.tokens or shrink the batch",
        file, c.train.tokens, c.train.batch_size, c.train.grad_accum, c.model.ctx, c.tokens_per_step()));
  }
  return absl::OkStatus();
}

absl::StatusOr<TrainConfig> load_train_config(const std::string& path,
                                              const std::vector<std::string>& overrides, ConfigUse use) {
  SL_ASSIGN_OR_RETURN(YAML::Node doc, yaml_load_file(path));
  YamlOrigins origins;
  for (const auto& o : overrides) SL_RETURN_IF_ERROR(annotate(yaml_apply_override(doc, o, &origins), path));
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

static std::string body_yaml(const TrainConfig& c, bool with_name) {
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << YAML::BeginMap;
  if (with_name) out << YAML::Key << "name" << YAML::Value << c.name;
  out << YAML::Key << "model" << YAML::Value;
  gpt_config_to_yaml(c.model, out);
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "path" << YAML::Value << c.data.path;
  out << YAML::Key << "unique_tokens" << YAML::Value << c.data.unique_tokens;
  out << YAML::EndMap;
  const OptimConfig& o = c.optim;
  out << YAML::Key << "optim" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "lr" << YAML::Value << o.lr;
  out << YAML::Key << "min_lr_ratio" << YAML::Value << o.min_lr_ratio;
  out << YAML::Key << "weight_decay" << YAML::Value << o.weight_decay;
  out << YAML::Key << "beta1" << YAML::Value << o.beta1;
  out << YAML::Key << "beta2" << YAML::Value << o.beta2;
  out << YAML::Key << "eps" << YAML::Value << o.eps;
  out << YAML::Key << "grad_clip" << YAML::Value << o.grad_clip;
  out << YAML::Key << "schedule" << YAML::Value << o.schedule;
  out << YAML::Key << "warmup_fraction" << YAML::Value << o.warmup_fraction;
  out << YAML::Key << "decay_fraction" << YAML::Value << o.decay_fraction;
  // Written only when set, so configs from before the field keep their run ids.
  if (o.warmup_tokens > 0) out << YAML::Key << "warmup_tokens" << YAML::Value << o.warmup_tokens;
  out << YAML::EndMap;
  const RunConfig& r = c.train;
  out << YAML::Key << "train" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "tokens" << YAML::Value << r.tokens;
  out << YAML::Key << "batch_size" << YAML::Value << r.batch_size;
  out << YAML::Key << "grad_accum" << YAML::Value << r.grad_accum;
  out << YAML::Key << "seed" << YAML::Value << r.seed;
  out << YAML::Key << "device" << YAML::Value << r.device;
  out << YAML::Key << "threads" << YAML::Value << r.threads;
  out << YAML::Key << "bf16" << YAML::Value << r.bf16;
  out << YAML::Key << "log_every" << YAML::Value << r.log_every;
  out << YAML::Key << "eval_every" << YAML::Value << r.eval_every;
  out << YAML::Key << "eval_tokens" << YAML::Value << r.eval_tokens;
  out << YAML::Key << "checkpoint_every" << YAML::Value << r.checkpoint_every;
  out << YAML::EndMap;
  // Written only when probes are on, so configs without them keep their run ids.
  if (c.probes.enabled()) {
    out << YAML::Key << "probes" << YAML::Value;
    probe_config_to_yaml(c.probes, out);
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string train_config_to_yaml(const TrainConfig& c) { return body_yaml(c, true); }

std::string run_id(const TrainConfig& c) {
  // Threads and device change speed, not results on a given machine; they stay out of the id so a
  // sweep's worker count does not rename its runs.
  TrainConfig k = c;
  k.train.threads = 0;
  k.train.device = "auto";
  return c.name + "-" + short_hash(body_yaml(k, false));
}
}  // namespace sl
