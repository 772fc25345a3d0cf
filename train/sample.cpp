#include "train/sample.h"

#include "train/run_loader.h"

namespace sl {
absl::StatusOr<std::string> sample_from_run(const std::string& run_dir, const SampleOptions& opts) {
  SL_ASSIGN_OR_RETURN(LoadedRun run, load_run_for_eval(run_dir));
  torch::NoGradGuard no_grad;
  torch::manual_seed(opts.seed);
  const int64_t ctx = run.cfg.model.ctx;
  std::vector<uint16_t> ids = run.tokenizer->encode(opts.prompt.empty() ? "\n" : opts.prompt);
  std::vector<int64_t> context(ids.begin(), ids.end());
  std::vector<uint16_t> generated;
  for (int i = 0; i < opts.tokens; ++i) {
    const int64_t T = std::min<int64_t>(context.size(), ctx);  // crop to the context length
    auto idx = torch::tensor(std::vector<int64_t>(context.end() - T, context.end()), torch::kLong)
                   .view({1, T});
    auto logits = run.model->forward(idx).select(1, T - 1).squeeze(0);  // (vocab)
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
  return run.tokenizer->decode(generated);
}
}  // namespace sl
