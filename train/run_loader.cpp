// load_run_for_eval: config + checkpoint + tokenizer -> a model ready to evaluate.
#include "train/run_loader.h"

#include <algorithm>
#include <filesystem>

#include "core/files.h"
#include "core/run_paths.h"
#include "data/token_dataset.h"
#include "train/checkpoint.h"
#include "train/flat_params.h"
#include "train/optimizer.h"

namespace sl {
namespace fs = std::filesystem;

absl::StatusOr<LoadedRun> load_run_for_eval(const std::string& run_dir) {
  const RunPaths paths(run_dir);
  const std::string config_path = paths.config();
  const std::string ckpt_path = paths.checkpoint();
  if (!path_exists(config_path)) {
    return absl::NotFoundError(
        absl::StrCat(run_dir,
                     " is not a run directory (no config.yaml); pass the "
                     "directory `scalelab train` wrote, e.g. out/runs/<name>-<hash>"));
  }
  if (!path_exists(ckpt_path)) {
    return absl::NotFoundError(
        absl::StrCat(run_dir, " has no checkpoint.bin yet; train it first: scalelab train ",
                     config_path, " --run-dir ", run_dir,
                     " (a checkpoint is written every train.checkpoint_every steps and at the "
                     "end)"));
  }
  LoadedRun run;
  run.dir = run_dir;
  SL_ASSIGN_OR_RETURN(run.cfg, load_train_config(config_path));
  SL_ASSIGN_OR_RETURN(Checkpoint ckpt, load_checkpoint(ckpt_path));
  DatasetMeta meta;  // byte-level unless the dataset's meta.json says otherwise
  SL_ASSIGN_OR_RETURN(const std::string data_dir, run_data_dir(run.cfg.data, /*prepare=*/false));
  const std::string meta_path = (fs::path(data_dir) / "meta.json").string();
  if (path_exists(meta_path)) {
    SL_ASSIGN_OR_RETURN(meta, read_dataset_meta(meta_path));
  }
  SL_ASSIGN_OR_RETURN(run.tokenizer, make_tokenizer(meta, data_dir));
  run.model = Gpt(run.cfg.model);
  // The trainer's layout (optim.name's): the checkpoint's flat params are in that order.
  FlatParams flat = flatten_parameters(*run.model, flat_layout_for(run.cfg.optim, run.cfg.model));
  if (ckpt.tensors.count("params") == 0 ||
      ckpt.tensors.at("params").numel() != flat.params.numel()) {
    return absl::FailedPreconditionError(absl::StrCat("checkpoint ", ckpt_path,
                                                      " does not hold this config's ",
                                                      flat.params.numel(), " parameters"));
  }
  {
    torch::NoGradGuard no_grad;
    flat.params.copy_(ckpt.tensors.at("params"));
  }
  run.model->eval();
  run.step = ckpt.step;
  return run;
}

}  // namespace sl
