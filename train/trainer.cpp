// train_run: check everything, then one Session steps the run to its end or to the next
// interruption. The loop (Session::run) reads like nanoGPT's train.py: step, log/eval cadence,
// checkpoint cadence.
#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>

#include "absl/strings/str_format.h"
#include "core/files.h"
#include "core/log.h"
#include "core/machine.h"
#include "core/progress.h"
#include "core/run_paths.h"
#include "model/accounting.h"
#include "model/torch_compat.h"
#include "probes/probe_eval.h"
#include "train/batches.h"
#include "train/device.h"
#include "train/evaluate.h"
#include "train/interrupt.h"
#include "train/metrics_log.h"
#include "train/run_start.h"
#include "train/schedule.h"
#include "train/tensorboard_log.h"
#include "train/train_step.h"

namespace sl {
using json = nlohmann::json;

const char* run_status_name(RunStatus s) {
  switch (s) {
    case RunStatus::kDone: return "done";
    case RunStatus::kDiverged: return "diverged";
    case RunStatus::kInterrupted: return "interrupted";
  }
  return "?";
}

namespace {
std::function<void(torch::Tensor&)> grad_reducer(DataParallel* dp) {
  if (dp == nullptr) return {};
  return [dp](torch::Tensor& grads) { dp->average(grads); };
}

json summary_base(const TrainConfig& cfg) {
  ParamCounts p = count_params(cfg.model);
  const GptConfig& m = cfg.model;
  return json{{"run_id", run_id(cfg)},
              {"name", cfg.name},
              {"shape", m.shape_name()},
              {"n_layer", m.n_layer},
              {"d_model", m.d_model},
              {"n_head", m.n_head},
              {"d_ff", m.ff()},
              {"ctx", m.ctx},
              {"vocab", m.vocab},
              {"params_total", p.total},
              {"params_nonembedding", p.nonembedding},
              {"params_with_head", p.with_head},
              {"params_matrices", p.matrices},
              {"seed", cfg.train.seed},
              {"lr", cfg.optim.lr},
              {"batch_size", cfg.train.batch_size},
              {"grad_accum", cfg.train.grad_accum},
              {"schedule", cfg.optim.schedule},
              {"unique_tokens", cfg.data.unique_tokens}};
}

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// The mutable state of a run that a checkpoint carries besides the tensors.
struct Progress {
  int64_t step = 0;
  double loss_sum = 0;  // train loss summed since the last metrics row
  int64_t loss_steps = 0;
  double best_val = INFINITY, last_val = NAN, last_bpb = NAN;
  double wall_s = 0;  // training time over all sessions of this run
};

class Session {
 public:
  // `mix`: data.mix's sources after the first (`ds`); empty for one dataset.
  Session(const TrainConfig& cfg, const TrainOptions& opts, TokenDataset ds,
          std::vector<TokenDataset> mix, torch::Device device)
      : cfg_(cfg),
        opts_(opts),
        paths_(opts.run_dir),
        ds_(std::move(ds)),
        mix_(std::move(mix)),
        device_(device),
        t_(init_trainable(cfg, device)),
        total_(cfg.total_steps()),
        fpt_(flops_per_token(cfg.model)),
        batches_(train_files(), shares(), cfg.model.ctx, static_cast<uint64_t>(cfg.train.seed),
                 cfg.data.unique_tokens, device),
        step_setup_{device, cfg.train.bf16, cfg.train.grad_accum, cfg.optim.grad_clip,
                    grad_reducer(opts.parallel)},
        dp_(opts.parallel),
        progress_line_(cfg.name) {
    for (const TokenDataset* d : sources())
      eval_sets_.push_back(eval_windows(*d->val, cfg.model.ctx, cfg.eval_windows(), device));
  }

  bool is_main() const { return dp_ == nullptr || dp_->is_main(); }
  // Data-parallel: rank 0 sends its parameters and optimizer state (restored or fresh) to every
  // rank, so all of them start from the same `step` with the same tensors.
  void share_state(int64_t step);

  absl::Status restore(Checkpoint& c);
  // Rows past the checkpoint were computed by a session that died: drop them (they are recomputed),
  // from metrics.jsonl and, with train.log: tensorboard, from the event files.
  absl::Status open_logs();
  // The dataset's tokenizer, and the bytes under each eval set's targets (every rank evaluates).
  absl::Status load_tokenizer();
  absl::StatusOr<RunOutcome> run();

 private:
  void train_one_step(double lr);
  absl::Status write_row(double lr, bool eval_now, bool last);
  absl::Status evaluate_into(json& row);
  Progress progress_now();  // st_ with the loss accumulated since the last row folded in
  double take_loss_acc();   // the loss summed since the last fold (averaged over the ranks)
  absl::Status save(const std::string& path, const Progress& p);
  absl::Status
  checkpoint();  // folds the partial loss into st_ so a resumed run writes identical rows
  void add_flops(int64_t step, json& row) const;
  double wall_now() const;
  RunOutcome interrupted();
  absl::StatusOr<RunOutcome> finish();
  std::vector<const TokenDataset*> sources() const;  // ds_, then mix_
  std::vector<const TokenFile*> train_files() const;
  std::vector<double> shares() const;  // data.mix_weights normalised; {1} for one dataset
  std::string source_name(size_t k) const;

  const TrainConfig& cfg_;
  const TrainOptions& opts_;
  const RunPaths paths_;
  TokenDataset ds_;
  std::vector<TokenDataset> mix_;
  torch::Device device_;
  Trainable t_;
  const int64_t total_;
  const FlopsPerToken fpt_;
  BatchSource batches_;
  std::vector<torch::Tensor> eval_sets_;  // per source
  const StepSetup step_setup_;
  DataParallel* dp_;                      // nullptr: a single process
  std::unique_ptr<Tokenizer> tokenizer_;  // null for a nanoGPT GPT-2 directory (no meta.json)
  // Bytes under each source's eval targets per token (0: unknown).
  std::vector<double> eval_bytes_per_token_;
  json last_by_source_;  // the last eval's loss and bits per byte of each mixture source
  std::optional<TensorboardLog> tensorboard_;  // train.log: tensorboard
  ProgressLine progress_line_;

  Progress st_;
  double wall_before_ = 0;  // st_.wall_s when this session began
  std::chrono::steady_clock::time_point session_start_, last_row_time_;
  int64_t last_row_step_ = 0;
  torch::Tensor loss_acc_;  // [] double: train loss summed since the last row (exact over resumes)
  torch::Tensor grad_norm_;
  std::string diverged_;       // why the run diverged ("" while it has not)
  std::string resume_digest_;  // the resumed checkpoint's digest of metrics.jsonl ("" if none)
};

absl::StatusOr<RunOutcome> Session::run() {
  session_start_ = last_row_time_ = std::chrono::steady_clock::now();
  wall_before_ = st_.wall_s;
  last_row_step_ = st_.step;
  loss_acc_ = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device_));
  const int64_t every = cfg_.train.checkpoint_every;
  while (st_.step < total_) {
    const double lr = lr_at(cfg_, st_.step);
    train_one_step(lr);
    const bool last = st_.step == total_;
    const bool eval_now = st_.step % cfg_.train.eval_every == 0 || last;
    if (st_.step % cfg_.train.log_every == 0 || eval_now) {
      SL_RETURN_IF_ERROR(write_row(lr, eval_now, last));
      if (!diverged_.empty()) break;
    }
    if (last) break;
    const auto& snaps = opts_.snapshot_steps;
    if (std::find(snaps.begin(), snaps.end(), st_.step) != snaps.end()) {
      // A copy for branches; the partial loss goes into the copy only, so this run's rows are
      // unchanged.
      const Progress p = progress_now();
      if (is_main()) SL_RETURN_IF_ERROR(save(paths_.snapshot(st_.step), p));
    }
    // A signal stops one process at the next step; the ranks of a data-parallel run agree on it at
    // the steps that write a metrics row (the loss is read there anyway: no extra host sync on
    // GPUs), so all of them stop at the same step.
    bool signalled = interrupt_requested();
    if (dp_ != nullptr) signalled = st_.step % cfg_.train.log_every == 0 && dp_->any(signalled);
    const bool stop = signalled || st_.step == opts_.stop_after_step;
    if (stop || (every > 0 && st_.step % every == 0)) SL_RETURN_IF_ERROR(checkpoint());
    if (stop) return interrupted();
  }
  return finish();
}

void Session::train_one_step(double lr) {
  const int B = cfg_.train.batch_size, accum = cfg_.train.grad_accum;
  // Data-parallel: rank r takes windows [r * local, (r + 1) * local) of each micro-batch.
  const int world = dp_ == nullptr ? 1 : dp_->world_size(), rank = dp_ == nullptr ? 0 : dp_->rank();
  const int local = B / world;
  const int64_t step = st_.step;
  if (cfg_.model.dropout > 0)
    torch::manual_seed(cfg_.train.seed * 1000003 + step);  // resumable dropout
  grad_norm_ = train_step(
      t_.model, t_.flat, t_.optimizer, step_setup_,
      [&](int m) { return batches_.get((step * accum + m) * B + rank * local, local); }, lr,
      loss_acc_);
  ++st_.step;
}

absl::Status Session::write_row(double lr, bool eval_now, bool last) {
  // The only host syncs: reading the loss and grad norm when a row is written.
  const int64_t n = st_.step - last_row_step_;
  st_.loss_sum += take_loss_acc();
  st_.loss_steps += n;
  loss_acc_.zero_();
  const double train_loss =
      st_.loss_sum / static_cast<double>(std::max<int64_t>(1, st_.loss_steps));
  const auto now = std::chrono::steady_clock::now();
  const double dt = std::chrono::duration<double>(now - last_row_time_).count();
  st_.wall_s = wall_now();
  json row{{"step", st_.step},
           {"lr", lr},
           {"train_loss", train_loss},
           {"grad_norm", grad_norm_.item<double>()},
           {"tokens_per_s", dt > 0 ? static_cast<double>(n * cfg_.tokens_per_step()) / dt : 0.0},
           {"wall_s", st_.wall_s}};
  add_flops(st_.step, row);
  // A uniform guess scores ln(vocab); three times that is no training run, it is a blow-up.
  const double exploded = 3 * std::log(static_cast<double>(cfg_.model.vocab));
  if (!std::isfinite(train_loss)) {
    diverged_ = absl::StrFormat("train loss became non-finite (%g) by step %d at lr %g", train_loss,
                                st_.step, lr);
  } else if (train_loss > exploded) {
    diverged_ = absl::StrFormat(
        "train loss exploded to %.4g by step %d at lr %g (above 3 ln(vocab) = %.4g, three times "
        "a uniform guess)",
        train_loss, st_.step, lr, exploded);
  }
  if (eval_now && diverged_.empty()) SL_RETURN_IF_ERROR(evaluate_into(row));
  if (is_main()) SL_RETURN_IF_ERROR(metrics_append(paths_.metrics(), row));
  if (tensorboard_) SL_RETURN_IF_ERROR(tensorboard_->write_row(row));
  st_.loss_sum = 0;
  st_.loss_steps = 0;
  last_row_step_ = st_.step;
  last_row_time_ = std::chrono::steady_clock::now();
  if (opts_.progress && is_main()) {
    progress_line_.update(static_cast<double>(st_.step), static_cast<double>(total_),
                          progress_detail_text(row, st_.last_val), last);
  }
  return absl::OkStatus();
}

std::vector<const TokenDataset*> Session::sources() const {
  std::vector<const TokenDataset*> out{&ds_};
  for (const auto& d : mix_) out.push_back(&d);
  return out;
}

std::vector<const TokenFile*> Session::train_files() const {
  std::vector<const TokenFile*> out;
  for (const TokenDataset* d : sources()) out.push_back(d->train.get());
  return out;
}

std::vector<double> Session::shares() const {
  const size_t n = std::max<size_t>(1, cfg_.data.mix.size());
  if (cfg_.data.mix_weights.empty()) return std::vector<double>(n, 1.0 / static_cast<double>(n));
  double total = 0;
  for (int w : cfg_.data.mix_weights) total += w;
  std::vector<double> out;
  for (int w : cfg_.data.mix_weights) out.push_back(w / total);
  return out;
}

std::string Session::source_name(size_t k) const {
  // The directory's name (out/data/kjv -> kjv); the index too when two names collide.
  const auto all = sources();
  auto base = [&](size_t i) {
    return std::filesystem::path(all[i]->dir).lexically_normal().filename().string();
  };
  for (size_t i = 0; i < all.size(); ++i)
    if (i != k && base(i) == base(k)) return absl::StrCat(base(k), "_", k);
  return base(k);
}

absl::Status Session::evaluate_into(json& row) {
  // Each source's own held-out windows; the mixture's loss weighs them by their shares, and its
  // bits per byte is those weighted bits over the weighted bytes.
  const std::vector<double> share = shares();
  double loss = 0, bytes = 0;
  last_by_source_ = json::object();
  for (size_t k = 0; k < eval_sets_.size(); ++k) {
    const double lk =
        evaluate_loss(t_.model, eval_sets_[k], cfg_.train.batch_size, device_, cfg_.train.bf16);
    const double bk = k < eval_bytes_per_token_.size() ? eval_bytes_per_token_[k] : 0.0;
    loss += share[k] * lk;
    bytes += share[k] * bk;
    if (eval_sets_.size() > 1) {
      const std::string name = source_name(k);
      row["val_loss_" + name] = lk;
      last_by_source_["final_val_loss_" + name] = finite_or_null(lk);
      if (bk > 0) {
        row["val_bpb_" + name] = bits_per_byte(lk, bk);
        last_by_source_["final_val_bpb_" + name] = finite_or_null(bits_per_byte(lk, bk));
      }
    }
  }
  st_.last_val = loss;
  row["val_loss"] = st_.last_val;
  if (bytes > 0 && eval_bytes_per_token_.size() == eval_sets_.size()) {
    st_.last_bpb = bits_per_byte(st_.last_val, bytes);
    row["val_bpb"] = st_.last_bpb;
  }
  if (!std::isfinite(st_.last_val)) {
    diverged_ = absl::StrFormat("val loss became non-finite by step %d at lr %g", st_.step,
                                row["lr"].get<double>());
    return absl::OkStatus();
  }
  st_.best_val = std::min(st_.best_val, st_.last_val);
  // Every rank evaluates the (identical) model on the whole held-out set, so all agree on
  // divergence; the probes only write a table: rank 0's job.
  if (!cfg_.probes.enabled() || !is_main()) return absl::OkStatus();
  // Capability probes at every eval point: probes.jsonl.
  SL_ASSIGN_OR_RETURN(auto cells, evaluate_probes(t_.model, *tokenizer_, cfg_.probes, device_));
  const ParamCounts p = count_params(cfg_.model);
  json base{{"step", st_.step},
            {"params_total", p.total},
            {"params_nonembedding", p.nonembedding},
            {"val_loss", st_.last_val}};
  add_flops(st_.step, base);
  for (const auto& cell : cells)
    SL_RETURN_IF_ERROR(metrics_append(paths_.probes(), probe_row(base, cell)));
  return absl::OkStatus();
}

double Session::take_loss_acc() {
  if (dp_ != nullptr) dp_->average(loss_acc_);  // in place: later steps add to the average
  return loss_acc_.item<double>();
}

Progress Session::progress_now() {
  Progress p = st_;
  p.loss_sum += take_loss_acc();
  p.loss_steps += st_.step - last_row_step_;
  p.wall_s = wall_now();
  return p;
}

absl::Status Session::checkpoint() {
  st_ = progress_now();
  loss_acc_.zero_();
  last_row_step_ = st_.step;
  return is_main() ? save(paths_.checkpoint(), st_) : absl::OkStatus();
}

void Session::share_state(int64_t step) {
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> state = t_.optimizer.state();
  for (auto& [name, tensor] : state) tensor = tensor.clone();
  dp_->broadcast_from_main(t_.flat.params);
  for (auto& [name, tensor] : state) dp_->broadcast_from_main(tensor);
  t_.optimizer.load_state(state, step);
  st_.step = step;
}

absl::Status Session::save(const std::string& path, const Progress& p) {
  // The rows a checkpoint covers reach the disk before it does.
  if (path_exists(paths_.metrics())) SL_RETURN_IF_ERROR(fsync_path(paths_.metrics()));
  if (tensorboard_) SL_RETURN_IF_ERROR(tensorboard_->sync());
  Checkpoint c;
  c.run_id = run_id(cfg_);
  c.step = p.step;
  SL_ASSIGN_OR_RETURN(const std::vector<json> rows, metrics_read(paths_.metrics()));
  c.scalars = json{{"loss_sum", p.loss_sum},
                   {"loss_steps", p.loss_steps},
                   {"best_val", p.best_val},
                   {"last_val", p.last_val},
                   {"last_bpb", p.last_bpb},
                   {"wall_s", p.wall_s},
                   {"metrics_digest", metrics_digest(rows, p.step)}};
  c.tensors = t_.optimizer.state();
  c.tensors["params"] = t_.flat.params;
  return save_checkpoint(path, c);
}

absl::Status Session::restore(Checkpoint& c) {
  torch::NoGradGuard no_grad;
  // The parameters, and the optimizer's state (exp_avg, exp_avg_sq; muon_momentum under muon).
  std::map<std::string, torch::Tensor> wanted = t_.optimizer.state();
  wanted["params"] = t_.flat.params;
  for (const auto& [name, tensor] : wanted) {
    auto it = c.tensors.find(name);
    if (it == c.tensors.end() || it->second.numel() != tensor.numel()) {
      return absl::FailedPreconditionError(
          absl::StrCat("checkpoint ", paths_.checkpoint(),
                       it == c.tensors.end() ? " has no " : " has the wrong size of ", name,
                       " (the run needs ", tensor.numel(), " values; the model has ",
                       t_.flat.params.numel(), " parameters); delete it to start over"));
    }
  }
  t_.flat.params.copy_(c.tensors["params"]);
  std::map<std::string, torch::Tensor> state;
  for (const auto& [name, tensor] : t_.optimizer.state()) state[name] = c.tensors[name].to(device_);
  t_.optimizer.load_state(state, c.step);
  const json& s = c.scalars;
  // JSON has no NaN/inf: they were saved as null and come back as the defaults.
  auto number = [&](const char* key, double fallback) {
    return s.contains(key) && s[key].is_number() ? s[key].get<double>() : fallback;
  };
  st_.step = c.step;
  resume_digest_ = s.value("metrics_digest", "");
  st_.loss_sum = number("loss_sum", 0.0);
  st_.loss_steps = static_cast<int64_t>(number("loss_steps", 0));
  st_.best_val = number("best_val", INFINITY);
  st_.last_val = number("last_val", NAN);
  st_.last_bpb = number("last_bpb", NAN);
  st_.wall_s = number("wall_s", 0.0);
  log::info(absl::StrCat("resuming ", paths_.dir, " from step ", st_.step));
  return absl::OkStatus();
}

absl::Status Session::load_tokenizer() {
  // The dataset's tokenizer counts the bytes under the eval targets (exact bits per byte for any
  // tokenizer) and encodes the probes. A nanoGPT GPT-2 directory has none: no bits per byte.
  auto tokenizer = make_tokenizer(ds_.meta, ds_.dir);
  if (tokenizer.ok()) {
    tokenizer_ = std::move(*tokenizer);
    eval_bytes_per_token_.clear();
    for (const auto& windows : eval_sets_)
      eval_bytes_per_token_.push_back(target_bytes_per_token(windows, tokenizer_->token_bytes()));
  } else if (ds_.meta.tokenizer != "gpt2" || cfg_.probes.enabled()) {
    return annotate(tokenizer.status(), "the dataset's tokenizer");
  }
  return absl::OkStatus();
}

absl::Status Session::open_logs() {
  // The rows the checkpoint covers must be there, unaltered, before any is dropped or added.
  SL_RETURN_IF_ERROR(
      metrics_read_checked(paths_.metrics(), resume_digest_, st_.step, paths_.checkpoint())
          .status());
  SL_RETURN_IF_ERROR(metrics_truncate_after(paths_.metrics(), st_.step));
  if (cfg_.train.log == "tensorboard") {
    SL_ASSIGN_OR_RETURN(tensorboard_,
                        TensorboardLog::open(paths_.tensorboard(), paths_.metrics(), st_.step));
  }
  SL_RETURN_IF_ERROR(load_tokenizer());
  if (!cfg_.probes.enabled()) return absl::OkStatus();
  SL_RETURN_IF_ERROR(metrics_truncate_after(paths_.probes(), st_.step));
  return annotate(check_probes_fit(cfg_.probes, *tokenizer_, cfg_.model.ctx), "probes");
}

void Session::add_flops(int64_t step, json& row) const {
  const double tokens = static_cast<double>(step) * cfg_.tokens_per_step();
  // Epochs over the tokens the run may draw from (a mixture's sources together).
  double limit = 0;
  for (const TokenFile* f : train_files())
    limit += static_cast<double>(cfg_.data.unique_tokens > 0
                                     ? std::min<int64_t>(cfg_.data.unique_tokens, f->size())
                                     : f->size());
  row["tokens"] = step * cfg_.tokens_per_step();
  row["flops_6n"] = tokens * fpt_.kaplan_6n;
  row["flops_6n_attention"] = tokens * fpt_.kaplan_6n_attention;
  row["flops_chinchilla"] = tokens * fpt_.chinchilla.train;
  row["epochs"] = tokens / limit;
}

double Session::wall_now() const {
  return wall_before_ +
         std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start_).count();
}

RunOutcome Session::interrupted() {
  progress_line_.finish();
  if (is_main())
    log::info(absl::StrCat("interrupted at step ", st_.step,
                           "; checkpoint saved, run the same command to resume"));
  RunOutcome out;
  out.status = RunStatus::kInterrupted;
  return out;
}

absl::StatusOr<RunOutcome> Session::finish() {
  progress_line_.finish();
  RunOutcome out;
  json summary = summary_base(cfg_);
  if (!diverged_.empty()) {
    out.status = RunStatus::kDiverged;
    summary["status"] = "diverged";
    summary["reason"] = diverged_;
    log::warn(absl::StrCat(cfg_.name, ": diverged: ", diverged_));
  } else {
    if (is_main()) SL_RETURN_IF_ERROR(save(paths_.checkpoint(), st_));
    summary["status"] = "done";
    summary["reason"] = "";
  }
  add_flops(st_.step, summary);
  summary["steps"] = st_.step;
  summary["final_val_loss"] = finite_or_null(st_.last_val);
  summary["best_val_loss"] = finite_or_null(st_.best_val);
  summary["final_val_bpb"] = finite_or_null(st_.last_bpb);
  for (const auto& [key, value] : last_by_source_.items()) summary[key] = value;
  summary["tokenizer"] = ds_.meta.tokenizer_spec;
  summary["params_embedding"] =
      summary["params_total"].get<int64_t>() - summary["params_nonembedding"].get<int64_t>();
  summary["wall_s"] = st_.wall_s;
  summary["tokens_per_s"] =
      st_.wall_s > 0 ? static_cast<double>(st_.step * cfg_.tokens_per_step()) / st_.wall_s : 0.0;
  if (!opts_.branch_from.empty()) summary["branched_from"] = opts_.branch_from;
  summary["device"] = device_.str();
  summary["torch_version"] = torch_version_string();
  if (dp_ != nullptr) summary["ranks"] = dp_->world_size();
  if (is_main()) {
    SL_ASSIGN_OR_RETURN(const std::vector<json> rows, metrics_read(paths_.metrics()));
    summary["metrics_digest"] = metrics_digest(rows);
    SL_RETURN_IF_ERROR(write_file_atomic(paths_.summary(), summary.dump(2) + "\n"));
  }
  out.summary = summary;
  return out;
}
}  // namespace

std::string final_loss_text(const json& summary) {
  const auto number = [&](const char* key) -> std::optional<double> {
    if (!summary.contains(key) || !summary[key].is_number()) return std::nullopt;
    return summary[key].get<double>();
  };
  const auto loss = number("final_val_loss");
  if (!loss) return "no val loss";
  std::string out = absl::StrFormat("final val loss %.4f nats/token", *loss);
  if (const auto bpb = number("final_val_bpb"))
    absl::StrAppendFormat(&out, ", %.4f bits/byte", *bpb);
  return out;
}

std::string progress_detail_text(const json& row, double last_val) {
  // The row's values were read from the device when it was logged: no extra host sync here.
  return absl::StrFormat(
      "loss %.4f%s | lr %.1e | gnorm %.3g | %s tok/s", row.value("train_loss", 0.0),
      std::isfinite(last_val) ? absl::StrFormat(" val %.4f", last_val) : "", row.value("lr", 0.0),
      row.value("grad_norm", 0.0), format_si(row.value("tokens_per_s", 0.0)));
}

absl::Status check_world_size(const TrainConfig& cfg, int world_size) {
  if (world_size < 1 || cfg.train.batch_size % world_size != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "train.batch_size = %d does not split over %d ranks: each rank trains an equal share of "
        "every micro-batch, so set train.batch_size to a multiple of %d (and train.grad_accum to "
        "keep the tokens per step), or use a number of ranks that divides %d",
        cfg.train.batch_size, world_size, world_size, cfg.train.batch_size));
  }
  return absl::OkStatus();
}

namespace {
// What rank 0 tells the others before the first step: {kind, step}.
enum StartKind : int64_t { kStartFailed = 0, kStartFinished = 1, kStartTraining = 2 };

void send_start(DataParallel* dp, torch::Device device, StartKind kind, int64_t step) {
  if (dp == nullptr) return;
  auto msg = torch::tensor({static_cast<int64_t>(kind), step}).to(device);
  dp->broadcast_from_main(msg);
}

// Threads for this rank: train.threads, or (0) an equal share of the cores among the ranks on
// this machine.
int rank_threads(const TrainConfig& cfg, const DataParallel* dp) {
  if (cfg.train.threads > 0 || dp == nullptr) return cfg.train.threads;
  return std::max(1, available_cores() / std::max(1, dp->local_world_size()));
}

// Rank 0 (or the only process): checks and claims the run directory, then trains. `told` becomes
// true once the other ranks know how the run starts.
absl::StatusOr<RunOutcome> lead_run(const TrainConfig& cfg, const TrainOptions& opts, bool& told) {
  const RunPaths paths(opts.run_dir);
  DataParallel* dp = opts.parallel;
  // A new run's data and device are checked before anything is written: a run that cannot start
  // leaves no directory behind, so the corrected command can use the same --run-dir.
  std::optional<TokenDataset> data;
  std::optional<torch::Device> device;
  if (!path_exists(paths.config())) {
    SL_ASSIGN_OR_RETURN(data, open_and_check_data(cfg, /*verify_checksums=*/true));
    SL_ASSIGN_OR_RETURN(device, resolve_device(cfg.train.device));
  }
  SL_RETURN_IF_ERROR(ensure_writable_dir(paths.dir));
  SL_ASSIGN_OR_RETURN(FileLock lock, lock_run_dir(paths));  // held until we return
  remove_left_over_temp_files(paths);
  SL_RETURN_IF_ERROR(check_or_write_run_config(cfg, paths.dir));
  if (!device) {
    SL_ASSIGN_OR_RETURN(device, resolve_device(cfg.train.device));
  }
  if (path_exists(paths.summary())) {  // finished before: nothing to do
    send_start(dp, *device, kStartFinished, 0);
    told = true;
    return finished_outcome(paths);
  }
  // The full checksum scan once per run, at its first session; later sessions check sizes and ids.
  const bool first_session = !path_exists(paths.checkpoint());
  if (!data) {
    SL_ASSIGN_OR_RETURN(data, open_and_check_data(cfg, /*verify_checksums=*/first_session));
  }
  configure_threads(rank_threads(cfg, dp));
  keep_freed_memory();
  // The checkpoint before the model: a corrupted or foreign one must stop us before any work.
  SL_ASSIGN_OR_RETURN(std::optional<Checkpoint> start, starting_checkpoint(cfg, opts, paths));
  SL_ASSIGN_OR_RETURN(std::vector<TokenDataset> mix,
                      open_mix_sources(cfg, *data, /*verify_checksums=*/first_session));
  Session session(cfg, opts, std::move(*data), std::move(mix), *device);
  if (start) SL_RETURN_IF_ERROR(session.restore(*start));
  const int64_t step = start ? start->step : 0;
  start.reset();  // the tensors are copied into the model and optimizer
  SL_RETURN_IF_ERROR(session.open_logs());
  if (dp != nullptr) {
    send_start(dp, *device, kStartTraining, step);
    told = true;
    session.share_state(step);
  }
  return session.run();
}

// Ranks 1..N-1: the data and device of their own, everything else from rank 0; nothing written.
absl::StatusOr<RunOutcome> follow_run(const TrainConfig& cfg, const TrainOptions& opts,
                                      DataParallel& dp) {
  SL_ASSIGN_OR_RETURN(TokenDataset data, open_and_check_data(cfg, /*verify_checksums=*/false));
  SL_ASSIGN_OR_RETURN(torch::Device device, resolve_device(cfg.train.device));
  configure_threads(rank_threads(cfg, &dp));
  keep_freed_memory();
  auto msg = torch::zeros({2}, torch::kLong).to(device);
  dp.broadcast_from_main(msg);
  msg = msg.cpu();
  const int64_t kind = msg[0].item<int64_t>(), step = msg[1].item<int64_t>();
  if (kind == kStartFailed) {
    return absl::FailedPreconditionError(absl::StrCat("rank ", dp.rank(),
                                                      ": rank 0 could not start the run in ",
                                                      opts.run_dir, " (rank 0's error says why)"));
  }
  if (kind == kStartFinished) return finished_outcome(RunPaths(opts.run_dir));
  SL_ASSIGN_OR_RETURN(std::vector<TokenDataset> mix,
                      open_mix_sources(cfg, data, /*verify_checksums=*/false));
  Session session(cfg, opts, std::move(data), std::move(mix), device);
  SL_RETURN_IF_ERROR(session.load_tokenizer());
  session.share_state(step);
  return session.run();
}

absl::StatusOr<RunOutcome> run_as_rank(const TrainConfig& cfg, const TrainOptions& opts) {
  DataParallel* dp = opts.parallel;
  if (dp != nullptr && !dp->is_main()) return follow_run(cfg, opts, *dp);
  bool told = false;
  auto out = lead_run(cfg, opts, told);
  if (!out.ok() && dp != nullptr && !told) {
    // The others wait for word from rank 0: tell them it failed (its own error says why).
    send_start(dp, resolve_device(cfg.train.device).value_or(torch::kCPU), kStartFailed, 0);
  }
  return out;
}
}  // namespace

absl::StatusOr<RunOutcome> train_run(const TrainConfig& cfg, const TrainOptions& opts) {
  if (opts.parallel != nullptr)
    SL_RETURN_IF_ERROR(check_world_size(cfg, opts.parallel->world_size()));
  try {
    auto out = run_as_rank(cfg, opts);
    // Every rank leaves together, after rank 0 has written its last file.
    if (out.ok() && opts.parallel != nullptr) opts.parallel->barrier();
    return out;
  } catch (const RankLostError& e) {
    return absl::AbortedError(e.what());
  }
}
}  // namespace sl
