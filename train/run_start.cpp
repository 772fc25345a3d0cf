#include "train/run_start.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "core/files.h"
#include "core/format.h"
#include "core/log.h"
#include "data/window_sampler.h"
#include "train/schedule.h"

namespace sl {
namespace fs = std::filesystem;
using json = nlohmann::json;

absl::Status check_or_write_run_config(const TrainConfig& cfg, const std::string& run_dir) {
  const std::string path = RunPaths(run_dir).config();
  if (path_exists(path)) {
    SL_ASSIGN_OR_RETURN(TrainConfig old, load_train_config(path));
    if (run_id(old) != run_id(cfg)) {
      return absl::FailedPreconditionError(
          absl::StrCat("run directory ", run_dir, " holds a run of a different config (", path,
                       " has run id ", run_id(old), ", this config is ", run_id(cfg),
                       "); choose another --run-dir, or delete that "
                       "directory to discard the old run"));
    }
    return absl::OkStatus();
  }
  return write_file_atomic(path, train_config_to_yaml(cfg));
}

absl::Status check_branch_source(const TrainConfig& cfg, const TrainConfig& source, int64_t step) {
  TrainConfig a = without_output_keys(cfg), b = without_output_keys(source);
  a.name = b.name = "";
  a.train.tokens = b.train.tokens = 0;
  if (train_config_to_yaml(a) != train_config_to_yaml(b)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot branch run ", cfg.name, " from run ", source.name,
                     ": their configs differ in more than name and train.tokens"));
  }
  if (cfg.optim.schedule != "wsd" && cfg.optim.schedule != "constant") {
    return absl::FailedPreconditionError(absl::StrCat("cannot branch run ", cfg.name,
                                                      ": schedule '", cfg.optim.schedule,
                                                      "' has no stable phase (use wsd)"));
  }
  const int64_t total = cfg.total_steps(), src_total = source.total_steps();
  const int64_t w = warmup_steps(cfg.optim, total, cfg.tokens_per_step());
  const int64_t w_src = warmup_steps(source.optim, src_total, source.tokens_per_step());
  if (w != w_src) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "cannot branch run %s from %s: warmups differ (%d vs %d steps); set optim.warmup_tokens",
        cfg.name, source.name, w, w_src));
  }
  const int64_t limit =
      cfg.optim.schedule == "wsd" ? std::max(w, wsd_decay_start(cfg.optim, total)) : total;
  const int64_t src_limit = source.optim.schedule == "wsd"
                                ? std::max(w_src, wsd_decay_start(source.optim, src_total))
                                : src_total;
  if (step > limit || step > src_limit) {
    return absl::FailedPreconditionError(
        absl::StrFormat("cannot branch run %s at step %d: past its stable phase (decay starts at "
                        "step %d; the source's at %d)",
                        cfg.name, step, limit, src_limit));
  }
  return absl::OkStatus();
}

absl::StatusOr<FileLock> lock_run_dir(const RunPaths& paths) {
  auto lock = FileLock::try_acquire(paths.train_lock());
  if (lock.status().code() == absl::StatusCode::kFailedPrecondition) {
    return absl::FailedPreconditionError(absl::StrCat(
        "run directory ", paths.dir, " is being trained by another process (",
        lock.status().message(), "); wait for it to finish or stop it, or use another --run-dir"));
  }
  return lock;
}

int remove_left_over_temp_files(const RunPaths& paths) {
  static const std::set<std::string> ours(RunPaths::train_file_names().begin(),
                                          RunPaths::train_file_names().end());
  // Not the sweep driver's files (its lock): only the trainer's own, and its step snapshots.
  const RemovedFiles removed = remove_temporaries(paths.dir, [](const std::string& target) {
    return ours.count(target) > 0 ||
           (absl::StartsWith(target, "checkpoint-step") && absl::EndsWith(target, ".bin"));
  });
  if (removed.files > 0) {
    log::info(
        absl::StrFormat("removed %d temporary files (%s bytes) left by interrupted writes in %s",
                        removed.files, format_si(static_cast<double>(removed.bytes)), paths.dir));
  }
  return removed.files;
}

namespace {
absl::StatusOr<TokenDataset> open_checked(const TrainConfig& cfg, const std::string& dir,
                                          bool verify_checksums) {
  SL_ASSIGN_OR_RETURN(TokenDataset ds, open_token_dataset(dir, verify_checksums));
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
}  // namespace

absl::StatusOr<TokenDataset> open_and_check_data(const TrainConfig& cfg, bool verify_checksums) {
  if (!cfg.data.mix.empty()) return open_checked(cfg, cfg.data.mix[0], verify_checksums);
  SL_ASSIGN_OR_RETURN(const std::string dir, run_data_dir(cfg.data, /*prepare=*/true));
  return open_checked(cfg, dir, verify_checksums);
}

absl::StatusOr<std::vector<TokenDataset>> open_mix_sources(const TrainConfig& cfg,
                                                           const TokenDataset& first,
                                                           bool verify_checksums) {
  std::vector<TokenDataset> out;
  for (size_t k = 1; k < cfg.data.mix.size(); ++k) {
    SL_ASSIGN_OR_RETURN(TokenDataset ds, open_checked(cfg, cfg.data.mix[k], verify_checksums));
    const DatasetMeta &a = first.meta, &b = ds.meta;
    if (a.tokenizer != b.tokenizer || a.vocab_size != b.vocab_size ||
        a.tokenizer_checksum != b.tokenizer_checksum)
      return absl::InvalidArgumentError(absl::StrCat(
          "data.mix: ", ds.dir, " has tokenizer ", b.tokenizer_spec, " (vocab ", b.vocab_size,
          b.tokenizer_checksum.empty() ? "" : ", model " + b.tokenizer_checksum, ") but ",
          first.dir, " has ", a.tokenizer_spec, " (vocab ", a.vocab_size,
          a.tokenizer_checksum.empty() ? "" : ", model " + a.tokenizer_checksum,
          "): a mixture needs one tokenizer; prepare the sources with the same byte tokenizer, "
          "or train one BPE model and encode both with it"));
    out.push_back(std::move(ds));
  }
  return out;
}

absl::StatusOr<RunOutcome> finished_outcome(const RunPaths& paths) {
  SL_ASSIGN_OR_RETURN(std::string text, read_file(paths.summary()));
  RunOutcome out;
  out.summary = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!out.summary.is_object()) {
    return absl::DataLossError(
        absl::StrCat(paths.summary(),
                     " is unreadable (not a JSON object); delete it and run "
                     "the same command again to rewrite it from the final checkpoint"));
  }
  out.status =
      out.summary.value("status", "done") == "done" ? RunStatus::kDone : RunStatus::kDiverged;
  log::info(absl::StrCat("run ", paths.dir, " is already finished (",
                         out.summary.value("status", ""), ")"));
  return out;
}

absl::StatusOr<std::optional<Checkpoint>> starting_checkpoint(const TrainConfig& cfg,
                                                              const TrainOptions& opts,
                                                              const RunPaths& paths) {
  if (path_exists(paths.checkpoint())) {
    SL_ASSIGN_OR_RETURN(Checkpoint c, load_checkpoint(paths.checkpoint()));
    if (c.run_id != run_id(cfg)) {
      return absl::FailedPreconditionError(
          absl::StrCat("checkpoint ", paths.checkpoint(), " belongs to run ", c.run_id,
                       ", not to this config (run ", run_id(cfg),
                       "); use another --run-dir or delete the checkpoint to start over"));
    }
    return std::optional<Checkpoint>(std::move(c));
  }
  if (opts.branch_from.empty()) return std::optional<Checkpoint>();
  // A branch: start from another run's stable-phase checkpoint, with its metrics rows up to there.
  const RunPaths source_paths(fs::path(opts.branch_from).parent_path().string());
  SL_ASSIGN_OR_RETURN(TrainConfig source, load_train_config(source_paths.config()));
  SL_ASSIGN_OR_RETURN(Checkpoint c, load_checkpoint(opts.branch_from));
  if (c.run_id != run_id(source)) {
    return absl::FailedPreconditionError(absl::StrCat("checkpoint ", opts.branch_from,
                                                      " belongs to run ", c.run_id,
                                                      ", not to the run in ", source_paths.dir));
  }
  SL_RETURN_IF_ERROR(check_branch_source(cfg, source, c.step));
  if (path_exists(source_paths.metrics())) {
    SL_ASSIGN_OR_RETURN(std::string text, read_file(source_paths.metrics()));
    SL_RETURN_IF_ERROR(write_file_atomic(paths.metrics(), text));
  }
  log::info(absl::StrCat("branching ", paths.dir, " from ", opts.branch_from, " at step ", c.step));
  return std::optional<Checkpoint>(std::move(c));
}
}  // namespace sl
