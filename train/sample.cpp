#include "train/sample.h"

#include <filesystem>

#include "core/files.h"
#include "data/token_dataset.h"
#include "data/tokenizer.h"
#include "model/gpt.h"
#include "train/checkpoint.h"
#include "train/flat_params.h"
#include "train/train_config.h"

namespace sl {
namespace fs = std::filesystem;

absl::StatusOr<std::string> sample_from_run(const std::string& run_dir, const SampleOptions& opts) {
  const std::string config_path = (fs::path(run_dir) / "config.yaml").string();
  const std::string ckpt_path = (fs::path(run_dir) / "checkpoint.bin").string();
  if (!path_exists(config_path)) {
    return absl::NotFoundError(absl::StrCat(run_dir, " is not a run directory (no config.yaml); pass the "
                                            "directory `scalelab train` wrote, e.g. out/runs/<name>-<hash>"));
  }
  if (!path_exists(ckpt_path)) {
    return absl::NotFoundError(absl::StrCat(run_dir, " has no checkpoint.bin yet; train it first (it is "
                                            "written every train.checkpoint_every steps and at the end)"));
  }
  SL_ASSIGN_OR_RETURN(TrainConfig cfg, load_train_config(config_path));
  SL_ASSIGN_OR_RETURN(Checkpoint ckpt, load_checkpoint(ckpt_path));
  std::string tokenizer_name = "byte";
  const std::string meta_path = (fs::path(cfg.data.path) / "meta.json").string();
  if (path_exists(meta_path)) {
    SL_ASSIGN_OR_RETURN(DatasetMeta meta, read_dataset_meta(meta_path));
    tokenizer_name = meta.tokenizer;
  }
  SL_ASSIGN_OR_RETURN(auto tokenizer, make_tokenizer(tokenizer_name));

  torch::manual_seed(cfg.train.seed);
  Gpt model(cfg.model);
  FlatParams flat = flatten_parameters(*model);
  {
    torch::NoGradGuard no_grad;
    flat.params.copy_(ckpt.tensors.at("params"));
  }
  model->eval();
  torch::NoGradGuard no_grad;
  torch::manual_seed(opts.seed);

  std::vector<uint16_t> ids = tokenizer->encode(opts.prompt.empty() ? "\n" : opts.prompt);
  std::vector<int64_t> context(ids.begin(), ids.end());
  std::vector<uint16_t> generated;
  for (int i = 0; i < opts.tokens; ++i) {
    const int64_t T = std::min<int64_t>(context.size(), cfg.model.ctx);  // crop to the context length
    auto idx = torch::tensor(std::vector<int64_t>(context.end() - T, context.end()), torch::kLong).view({1, T});
    auto logits = model->forward(idx).select(1, T - 1).squeeze(0);  // (vocab)
    int64_t next;
    if (opts.temperature <= 0) {
      next = logits.argmax().item<int64_t>();
    } else {
      logits = logits / opts.temperature;
      if (opts.top_k > 0 && opts.top_k < logits.size(0)) {
        auto kth = std::get<0>(logits.topk(opts.top_k)).min();
        logits = logits.masked_fill(logits < kth, -INFINITY);
      }
      next = torch::multinomial(torch::softmax(logits, -1), 1).item<int64_t>();
    }
    context.push_back(next);
    generated.push_back(static_cast<uint16_t>(next));
  }
  return tokenizer->decode(generated);
}
}  // namespace sl
