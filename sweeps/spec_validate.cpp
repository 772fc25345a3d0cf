#include "sweeps/spec_validate.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_format.h"
#include "data/token_dataset.h"
#include "data/window_sampler.h"

namespace sl {
namespace {
absl::Status check_data_of(const SweepSpec& spec, const TokenDataset& ds, PlannedRun& r) {
  const TrainConfig& c = r.cfg;
  if (ds.max_token >= c.model.vocab || ds.meta.vocab_size > c.model.vocab) {
    return spec.error(
        "base",
        absl::StrFormat("model.vocab = %d is smaller than the vocabulary of %s (%d)", c.model.vocab,
                        ds.dir, std::max(ds.meta.vocab_size, ds.max_token + 1)));
  }
  auto fits =
      check_window_fits(ds.train->path(), ds.train->size(), c.model.ctx + 1, c.data.unique_tokens);
  if (fits.ok()) fits = check_window_fits(ds.val->path(), ds.val->size(), c.model.ctx + 1);
  if (!fits.ok()) return annotate(fits, spec.where("base"));
  const int64_t usable = c.data.unique_tokens > 0 ? std::min(c.data.unique_tokens, ds.train->size())
                                                  : ds.train->size();
  r.epochs =
      static_cast<double>(c.total_steps() * c.tokens_per_step()) / static_cast<double>(usable);
  return absl::OkStatus();
}
}  // namespace

absl::Status validate_runs(const SweepSpec& spec, bool check_data, SweepPlan* plan) {
  std::map<std::string, std::string> seen;  // run id -> name
  std::map<std::string, TokenDataset> datasets;
  for (auto& r : plan->runs) {
    r.id = run_id(r.cfg);
    if (!seen.emplace(r.id, r.cfg.name).second) {
      return spec.error("models", absl::StrCat("two runs expand to the same config (", r.id,
                                               "): two sizes give the same shape, or an axis "
                                               "repeats a value"));
    }
    fill_sizes(r);
    if (!check_data) continue;
    // A data.tokenizer variant is prepared here, once, before any worker starts; a mixture's
    // sources are each checked.
    std::vector<std::string> dirs = r.cfg.data.mix;
    if (dirs.empty()) {
      auto dir = run_data_dir(r.cfg.data, /*prepare=*/true);
      if (!dir.ok())
        return annotate(dir.status(), absl::StrCat(spec.where("base"), ": data.tokenizer"));
      dirs.push_back(*dir);
    }
    for (const std::string& dir : dirs) {
      auto it = datasets.find(dir);
      if (it == datasets.end()) {
        auto ds = open_token_dataset(dir);
        if (!ds.ok()) return annotate(ds.status(), absl::StrCat(spec.where("base"), ": data.path"));
        it = datasets.emplace(dir, std::move(*ds)).first;
      }
      SL_RETURN_IF_ERROR(check_data_of(spec, it->second, r));
    }
  }
  return absl::OkStatus();
}
}  // namespace sl
