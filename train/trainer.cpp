#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "absl/strings/str_format.h"
#include "core/files.h"
#include "core/log.h"
#include "core/progress.h"
#include "data/token_dataset.h"
#include "data/window_sampler.h"
#include "model/accounting.h"
#include "model/gpt.h"
#include "model/torch_compat.h"
#include "probes/probe_eval.h"
#include "train/adamw.h"
#include "train/batches.h"
#include "train/checkpoint.h"
#include "train/device.h"
#include "train/evaluate.h"
#include "train/flat_params.h"
#include "train/interrupt.h"
#include "train/metrics_log.h"
#include "train/schedule.h"
#include "train/train_step.h"

namespace sl {
namespace fs = std::filesystem;
using json = nlohmann::json;

const char* run_status_name(RunStatus s) {
  switch (s) {
    case RunStatus::kDone: return "done";
    case RunStatus::kDiverged: return "diverged";
    case RunStatus::kInterrupted: return "interrupted";
  }
  return "?";
}

absl::Status check_or_write_run_config(const TrainConfig& cfg, const std::string& run_dir) {
  const std::string path = (fs::path(run_dir) / "config.yaml").string();
  if (path_exists(path)) {
    SL_ASSIGN_OR_RETURN(TrainConfig old, load_train_config(path));
    if (run_id(old) != run_id(cfg)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "run directory ", run_dir, " holds a run of a different config (", path, " has run id ",
          run_id(old), ", this config is ", run_id(cfg), "); choose another --run-dir, or delete that "
          "directory to discard the old run"));
    }
    return absl::OkStatus();
  }
  return write_file_atomic(path, train_config_to_yaml(cfg));
}

std::string snapshot_path(const std::string& run_dir, int64_t step) {
  return (fs::path(run_dir) / absl::StrCat("checkpoint-step", step, ".bin")).string();
}

absl::Status check_branch_source(const TrainConfig& cfg, const TrainConfig& source, int64_t step) {
  TrainConfig a = cfg, b = source;
  a.name = b.name = "";
  a.train.tokens = b.train.tokens = 0;
  a.train.threads = b.train.threads = 0;
  a.train.device = b.train.device = "auto";
  if (train_config_to_yaml(a) != train_config_to_yaml(b)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot branch run ", cfg.name, " from run ", source.name,
        ": their configs differ in more than name and train.tokens"));
  }
  if (cfg.optim.schedule != "wsd" && cfg.optim.schedule != "constant") {
    return absl::FailedPreconditionError(absl::StrCat("cannot branch run ", cfg.name, ": schedule '",
                                                      cfg.optim.schedule, "' has no stable phase (use wsd)"));
  }
  const int64_t total = cfg.total_steps(), src_total = source.total_steps();
  const int64_t w = warmup_steps(cfg.optim, total, cfg.tokens_per_step());
  const int64_t w_src = warmup_steps(source.optim, src_total, source.tokens_per_step());
  if (w != w_src) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "cannot branch run %s from %s: warmups differ (%d vs %d steps); set optim.warmup_tokens", cfg.name,
        source.name, w, w_src));
  }
  const int64_t limit = cfg.optim.schedule == "wsd" ? std::max(w, wsd_decay_start(cfg.optim, total)) : total;
  const int64_t src_limit =
      source.optim.schedule == "wsd" ? std::max(w_src, wsd_decay_start(source.optim, src_total)) : src_total;
  if (step > limit || step > src_limit) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "cannot branch run %s at step %d: past its stable phase (decay starts at step %d; the source's at %d)",
        cfg.name, step, limit, src_limit));
  }
  return absl::OkStatus();
}

namespace {
// Everything about the data that can be wrong, found before the first step.
absl::StatusOr<TokenDataset> open_and_check_data(const TrainConfig& cfg) {
  SL_ASSIGN_OR_RETURN(TokenDataset ds, open_token_dataset(cfg.data.path));
  if (ds.max_token >= cfg.model.vocab || ds.meta.vocab_size > cfg.model.vocab) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "model.vocab = %d is smaller than the data's vocabulary (%s: tokenizer %s, vocab_size %d, "
        "largest token id %d); set model.vocab to at least %d",
        cfg.model.vocab, ds.dir, ds.meta.tokenizer, ds.meta.vocab_size, ds.max_token,
        std::max(ds.meta.vocab_size, ds.max_token + 1)));
  }
  SL_RETURN_IF_ERROR(check_window_fits(ds.train->path(), ds.train->size(), cfg.model.ctx + 1,
                                       cfg.data.unique_tokens));
  SL_RETURN_IF_ERROR(check_window_fits(ds.val->path(), ds.val->size(), cfg.model.ctx + 1));
  return ds;
}

struct Flops {
  double f6n, f6n_attention, chinchilla;
};

json summary_base(const TrainConfig& cfg) {
  ParamCounts p = count_params(cfg.model);
  const GptConfig& m = cfg.model;
  return json{{"run_id", run_id(cfg)},     {"name", cfg.name},          {"shape", m.shape_name()},
              {"n_layer", m.n_layer},      {"d_model", m.d_model},      {"n_head", m.n_head},
              {"d_ff", m.ff()},            {"ctx", m.ctx},              {"vocab", m.vocab},
              {"params_total", p.total},   {"params_nonembedding", p.nonembedding},
              {"seed", cfg.train.seed},    {"lr", cfg.optim.lr},        {"batch_size", cfg.train.batch_size},
              {"grad_accum", cfg.train.grad_accum}, {"schedule", cfg.optim.schedule},
              {"unique_tokens", cfg.data.unique_tokens}};
}

// The mutable state of a run that a checkpoint carries besides the tensors.
struct Progress {
  int64_t step = 0;
  double loss_sum = 0;     // train loss summed since the last metrics row
  int64_t loss_steps = 0;
  double best_val = INFINITY, last_val = NAN, last_bpb = NAN;
  double wall_s = 0;       // training time over all sessions of this run
};
}  // namespace

absl::StatusOr<RunOutcome> train_run(const TrainConfig& cfg, const TrainOptions& opts) {
  const std::string dir = opts.run_dir;
  SL_RETURN_IF_ERROR(ensure_writable_dir(dir));
  const std::string summary_path = (fs::path(dir) / "summary.json").string();
  const std::string metrics_path = (fs::path(dir) / "metrics.jsonl").string();
  const std::string ckpt_path = (fs::path(dir) / "checkpoint.bin").string();
  SL_RETURN_IF_ERROR(check_or_write_run_config(cfg, dir));
  if (path_exists(summary_path)) {  // finished before: nothing to do
    SL_ASSIGN_OR_RETURN(std::string text, read_file(summary_path));
    RunOutcome out;
    out.summary = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!out.summary.is_object()) {
      return absl::DataLossError(absl::StrCat(summary_path, " is unreadable (not a JSON object); delete it and run "
                                              "the same command again to rewrite it from the final checkpoint"));
    }
    out.status = out.summary.value("status", "done") == "done" ? RunStatus::kDone : RunStatus::kDiverged;
    log::info(absl::StrCat("run ", dir, " is already finished (", out.summary.value("status", ""), ")"));
    return out;
  }
  SL_ASSIGN_OR_RETURN(TokenDataset ds, open_and_check_data(cfg));
  SL_ASSIGN_OR_RETURN(torch::Device device, resolve_device(cfg.train.device));
  configure_threads(cfg.train.threads);

  // Checkpoint first: a corrupted or foreign one must stop us before any work.
  Progress st;
  std::optional<Checkpoint> ckpt;
  if (path_exists(ckpt_path)) {
    SL_ASSIGN_OR_RETURN(Checkpoint c, load_checkpoint(ckpt_path));
    if (c.run_id != run_id(cfg)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "checkpoint ", ckpt_path, " belongs to run ", c.run_id, ", not to this config (run ",
          run_id(cfg), "); use another --run-dir or delete the checkpoint to start over"));
    }
    ckpt = std::move(c);
  } else if (!opts.branch_from.empty()) {
    // A branch: start from another run's stable-phase checkpoint, with its metrics rows up to there.
    const fs::path src_dir = fs::path(opts.branch_from).parent_path();
    SL_ASSIGN_OR_RETURN(TrainConfig source, load_train_config((src_dir / "config.yaml").string()));
    SL_ASSIGN_OR_RETURN(Checkpoint c, load_checkpoint(opts.branch_from));
    if (c.run_id != run_id(source)) {
      return absl::FailedPreconditionError(absl::StrCat("checkpoint ", opts.branch_from, " belongs to run ", c.run_id,
                                                        ", not to the run in ", src_dir.string()));
    }
    SL_RETURN_IF_ERROR(check_branch_source(cfg, source, c.step));
    const std::string src_metrics = (src_dir / "metrics.jsonl").string();
    if (path_exists(src_metrics)) {
      SL_ASSIGN_OR_RETURN(std::string text, read_file(src_metrics));
      SL_RETURN_IF_ERROR(write_file_atomic(metrics_path, text));
    }
    log::info(absl::StrCat("branching ", dir, " from ", opts.branch_from, " at step ", c.step));
    ckpt = std::move(c);
  }

  Trainable trainable = init_trainable(cfg, device);
  Gpt& model = trainable.model;
  FlatParams& flat = trainable.flat;
  FlatAdamW& optimizer = trainable.optimizer;
  if (ckpt) {
    torch::NoGradGuard no_grad;
    if (ckpt->tensors["params"].numel() != flat.params.numel()) {
      return absl::FailedPreconditionError(absl::StrCat("checkpoint ", ckpt_path, " has ",
                                                        ckpt->tensors["params"].numel(), " parameters, the model ",
                                                        flat.params.numel(), "; delete it to start over"));
    }
    flat.params.copy_(ckpt->tensors["params"]);
    optimizer.load_state(ckpt->tensors["exp_avg"].to(device), ckpt->tensors["exp_avg_sq"].to(device), ckpt->step);
    const json& s = ckpt->scalars;
    // JSON has no NaN/inf: they were saved as null and come back as the defaults.
    auto number = [&](const char* key, double fallback) {
      return s.contains(key) && s[key].is_number() ? s[key].get<double>() : fallback;
    };
    st.step = ckpt->step;
    st.loss_sum = number("loss_sum", 0.0);
    st.loss_steps = static_cast<int64_t>(number("loss_steps", 0));
    st.best_val = number("best_val", INFINITY);
    st.last_val = number("last_val", NAN);
    st.last_bpb = number("last_bpb", NAN);
    st.wall_s = number("wall_s", 0.0);
    log::info(absl::StrCat("resuming ", dir, " from step ", st.step));
  }
  // Rows past the checkpoint were computed by a session that died; they will be recomputed.
  SL_RETURN_IF_ERROR(metrics_truncate_after(metrics_path, st.step));
  const std::string probes_path = (fs::path(dir) / "probes.jsonl").string();
  std::unique_ptr<Tokenizer> probe_tokenizer;
  if (cfg.probes.enabled()) {
    SL_RETURN_IF_ERROR(metrics_truncate_after(probes_path, st.step));
    SL_ASSIGN_OR_RETURN(probe_tokenizer, make_tokenizer(ds.meta.tokenizer));
    SL_RETURN_IF_ERROR(annotate(check_probes_fit(cfg.probes, *probe_tokenizer, cfg.model.ctx), "probes"));
  }

  const int64_t total = cfg.total_steps();
  const int B = cfg.train.batch_size, accum = cfg.train.grad_accum;
  const int64_t tokens_per_step = cfg.tokens_per_step();
  const FlopsPerToken fpt = flops_per_token(cfg.model);
  const double limit = static_cast<double>(cfg.data.unique_tokens > 0
                                               ? std::min<int64_t>(cfg.data.unique_tokens, ds.train->size())
                                               : ds.train->size());
  BatchSource batches(*ds.train, cfg.model.ctx, static_cast<uint64_t>(cfg.train.seed), cfg.data.unique_tokens, device);
  torch::Tensor eval_set = eval_windows(*ds.val, cfg.model.ctx, cfg.eval_windows(), device);
  const double bytes_per_token = ds.meta.bytes_per_token;
  const bool bf16 = cfg.train.bf16;

  auto flops_row = [&](int64_t step, json& row) {
    const double tokens = static_cast<double>(step) * tokens_per_step;
    row["tokens"] = step * tokens_per_step;
    row["flops_6n"] = tokens * fpt.kaplan_6n;
    row["flops_6n_attention"] = tokens * fpt.kaplan_6n_attention;
    row["flops_chinchilla"] = tokens * fpt.chinchilla.train;
    row["epochs"] = tokens / limit;
  };
  auto checkpoint_to = [&](const std::string& path, const Progress& st) -> absl::Status {
    if (path_exists(metrics_path)) SL_RETURN_IF_ERROR(fsync_path(metrics_path));
    Checkpoint c;
    c.run_id = run_id(cfg);
    c.step = st.step;
    c.scalars = json{{"loss_sum", st.loss_sum}, {"loss_steps", st.loss_steps}, {"best_val", st.best_val},
                     {"last_val", st.last_val}, {"last_bpb", st.last_bpb}, {"wall_s", st.wall_s}};
    c.tensors = {{"params", flat.params}, {"exp_avg", optimizer.exp_avg()}, {"exp_avg_sq", optimizer.exp_avg_sq()}};
    return save_checkpoint(path, c);
  };
  auto checkpoint = [&]() { return checkpoint_to(ckpt_path, st); };

  install_interrupt_handlers();
  ProgressLine progress(cfg.name);
  auto session_start = std::chrono::steady_clock::now();
  auto last_log_time = session_start;
  int64_t last_log_step = st.step;
  const double wall_before = st.wall_s;
  // Train loss summed since the last row, in double so a resumed run's partial sums add up exactly.
  torch::Tensor loss_acc = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device));
  const StepSetup step_setup{device, bf16, accum, cfg.optim.grad_clip};
  torch::Tensor grad_norm;
  RunOutcome out;
  std::string diverged_reason;

  while (st.step < total) {
    const double lr = lr_at(cfg, st.step);
    if (cfg.model.dropout > 0) torch::manual_seed(cfg.train.seed * 1000003 + st.step);  // resumable dropout
    grad_norm = train_step(model, flat, optimizer, step_setup,
                           [&](int m) { return batches.get((st.step * accum + m) * B, B); }, lr, loss_acc);
    ++st.step;

    const bool last = st.step == total;
    const bool eval_now = st.step % cfg.train.eval_every == 0 || last;
    if (st.step % cfg.train.log_every == 0 || eval_now) {
      // The only host syncs: reading the loss and grad norm when a row is written.
      const int64_t n = st.step - last_log_step;
      st.loss_sum += loss_acc.item<double>();
      st.loss_steps += n;
      loss_acc.zero_();
      const double train_loss = st.loss_sum / static_cast<double>(std::max<int64_t>(1, st.loss_steps));
      auto now = std::chrono::steady_clock::now();
      const double dt = std::chrono::duration<double>(now - last_log_time).count();
      st.wall_s = wall_before + std::chrono::duration<double>(now - session_start).count();
      json row{{"step", st.step}, {"lr", lr}, {"train_loss", train_loss},
               {"grad_norm", grad_norm.item<double>()},
               {"tokens_per_s", dt > 0 ? static_cast<double>(n * tokens_per_step) / dt : 0.0},
               {"wall_s", st.wall_s}};
      flops_row(st.step, row);
      if (!std::isfinite(train_loss)) {
        diverged_reason = absl::StrFormat("train loss became non-finite (%g) by step %d at lr %g", train_loss,
                                          st.step, lr);
      }
      if (eval_now && diverged_reason.empty()) {
        st.last_val = evaluate_loss(model, eval_set, B, device, bf16);
        row["val_loss"] = st.last_val;
        if (bytes_per_token > 0) {
          st.last_bpb = st.last_val / std::log(2.0) / bytes_per_token;
          row["val_bpb"] = st.last_bpb;
        }
        if (!std::isfinite(st.last_val)) {
          diverged_reason = absl::StrFormat("val loss became non-finite by step %d at lr %g", st.step, lr);
        }
        st.best_val = std::min(st.best_val, st.last_val);
        if (cfg.probes.enabled() && diverged_reason.empty()) {  // capability probes: probes.jsonl
          SL_ASSIGN_OR_RETURN(auto cells, evaluate_probes(model, *probe_tokenizer, cfg.probes, device));
          json base{{"step", st.step}, {"params_total", count_params(cfg.model).total},
                    {"params_nonembedding", count_params(cfg.model).nonembedding}, {"val_loss", st.last_val}};
          flops_row(st.step, base);
          for (const auto& cell : cells) SL_RETURN_IF_ERROR(metrics_append(probes_path, probe_row(base, cell)));
        }
      }
      SL_RETURN_IF_ERROR(metrics_append(metrics_path, row));
      st.loss_sum = 0;
      st.loss_steps = 0;
      last_log_step = st.step;
      last_log_time = std::chrono::steady_clock::now();
      if (opts.progress) {
        progress.update(static_cast<double>(st.step), static_cast<double>(total),
                        absl::StrFormat("loss %.4f%s | %s tok/s", train_loss,
                                        std::isfinite(st.last_val) ? absl::StrFormat(" val %.4f", st.last_val) : "",
                                        format_si(row["tokens_per_s"].get<double>())),
                        last);
      }
      if (!diverged_reason.empty()) break;
    }
    if (!last && std::find(opts.snapshot_steps.begin(), opts.snapshot_steps.end(), st.step) !=
                     opts.snapshot_steps.end()) {
      // A copy for branches; the partial loss sum goes into the copy only, so this run's rows are unchanged.
      Progress snap = st;
      snap.loss_sum += loss_acc.item<double>();
      snap.loss_steps += st.step - last_log_step;
      snap.wall_s = wall_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start).count();
      SL_RETURN_IF_ERROR(checkpoint_to(snapshot_path(dir, st.step), snap));
    }
    const bool stop = interrupt_requested() || st.step == opts.stop_after_step;
    if (!last && (stop || (cfg.train.checkpoint_every > 0 && st.step % cfg.train.checkpoint_every == 0))) {
      // Carry the partial loss sum into the checkpoint so a resumed run writes identical rows.
      st.loss_sum += loss_acc.item<double>();
      st.loss_steps += st.step - last_log_step;
      loss_acc.zero_();
      last_log_step = st.step;
      st.wall_s = wall_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start).count();
      SL_RETURN_IF_ERROR(checkpoint());
    }
    if (!last && stop) {
      progress.finish();
      log::info(absl::StrCat("interrupted at step ", st.step, "; checkpoint saved, run the same command to resume"));
      out.status = RunStatus::kInterrupted;
      return out;
    }
  }
  progress.finish();

  json summary = summary_base(cfg);
  if (!diverged_reason.empty()) {
    out.status = RunStatus::kDiverged;
    summary["status"] = "diverged";
    summary["reason"] = diverged_reason;
    log::warn(absl::StrCat(cfg.name, ": diverged: ", diverged_reason));
  } else {
    SL_RETURN_IF_ERROR(checkpoint());
    summary["status"] = "done";
    summary["reason"] = "";
  }
  json f;
  flops_row(st.step, f);
  summary.update(f);
  summary["steps"] = st.step;
  summary["final_val_loss"] = std::isfinite(st.last_val) ? json(st.last_val) : json(nullptr);
  summary["best_val_loss"] = std::isfinite(st.best_val) ? json(st.best_val) : json(nullptr);
  summary["final_val_bpb"] = std::isfinite(st.last_bpb) ? json(st.last_bpb) : json(nullptr);
  summary["wall_s"] = st.wall_s;
  summary["tokens_per_s"] = st.wall_s > 0 ? static_cast<double>(st.step * tokens_per_step) / st.wall_s : 0.0;
  if (!opts.branch_from.empty()) summary["branched_from"] = opts.branch_from;
  summary["device"] = device.str();
  summary["torch_version"] = torch_version_string();
  SL_RETURN_IF_ERROR(write_file_atomic(summary_path, summary.dump(2) + "\n"));
  out.summary = summary;
  return out;
}
}  // namespace sl
