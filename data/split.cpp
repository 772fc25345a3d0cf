// split_train_val: documents -> units -> seeded shuffle -> val until the fraction is reached.
#include "data/split.h"

#include <algorithm>
#include <cmath>

#include "data/window_sampler.h"

namespace sl {
absl::StatusOr<TrainValSplit> split_train_val(const std::vector<std::vector<uint16_t>>& documents,
                                              const SplitOptions& options) {
  if (!(options.val_fraction > 0 && options.val_fraction < 1))
    return absl::InvalidArgumentError(
        absl::StrCat("--val-fraction ", options.val_fraction, " must be strictly between 0 and 1"));
  if (options.block_tokens < 1)
    return absl::InvalidArgumentError(
        absl::StrCat("--block-tokens ", options.block_tokens, " must be positive"));

  struct Unit {
    size_t doc;
    int64_t begin, end;
  };
  std::vector<Unit> units;
  int64_t total = 0;
  for (size_t d = 0; d < documents.size(); ++d) {
    const int64_t n = static_cast<int64_t>(documents[d].size());
    for (int64_t b = 0; b < n; b += options.block_tokens)
      units.push_back({d, b, std::min(n, b + options.block_tokens)});
    total += n;
  }
  if (units.size() < 2)
    return absl::InvalidArgumentError(absl::StrCat(
        "the corpus has ", total, " tokens in ", units.size(),
        " split unit(s); a train/val split needs at least 2: lower --block-tokens (now ",
        options.block_tokens, ") or add text"));

  std::vector<size_t> order(units.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const uint64_t base = splitmix64(options.seed ^ 0x73706c6974ull);  // "split"
  for (size_t i = order.size() - 1; i > 0; --i) {
    const uint64_t r = splitmix64(base + i);
    const size_t j = static_cast<size_t>((static_cast<unsigned __int128>(r) * (i + 1)) >> 64);
    std::swap(order[i], order[j]);
  }
  const double target = options.val_fraction * static_cast<double>(total);
  std::vector<bool> in_val(units.size(), false);
  int64_t val_tokens = 0, val_units = 0;
  for (size_t k = 0; k < order.size() && static_cast<double>(val_tokens) < target; ++k) {
    in_val[order[k]] = true;
    val_tokens += units[order[k]].end - units[order[k]].begin;
    ++val_units;
  }
  if (val_units == static_cast<int64_t>(units.size()))
    return absl::InvalidArgumentError(
        absl::StrCat("--val-fraction ", options.val_fraction, " leaves no unit for train (",
                     units.size(), " units): lower the fraction or --block-tokens"));

  TrainValSplit split;
  split.units = static_cast<int64_t>(units.size());
  split.val_units = val_units;
  split.val.reserve(val_tokens);
  split.train.reserve(total - val_tokens);
  for (size_t u = 0; u < units.size(); ++u) {
    const auto& doc = documents[units[u].doc];
    auto& dst = in_val[u] ? split.val : split.train;
    dst.insert(dst.end(), doc.begin() + units[u].begin, doc.begin() + units[u].end);
  }
  return split;
}
}  // namespace sl
