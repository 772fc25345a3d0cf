// split_train_val: documents -> units -> seeded shuffle -> val up to the fraction, to the token.
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
  // Moves a cut in document d back to the start of a UTF-8 character (never to `floor` or below).
  auto char_start = [&](size_t d, int64_t cut, int64_t floor) {
    if (!options.utf8_boundaries) return cut;
    const auto& doc = documents[d];
    int64_t c = cut;
    while (c > floor + 1 && c < static_cast<int64_t>(doc.size()) && (doc[c] & 0xC0) == 0x80) --c;
    return (c < static_cast<int64_t>(doc.size()) && (doc[c] & 0xC0) == 0x80) ? cut : c;
  };
  std::vector<Unit> units;
  int64_t total = 0;
  for (size_t d = 0; d < documents.size(); ++d) {
    const int64_t n = static_cast<int64_t>(documents[d].size());
    for (int64_t b = 0; b < n;) {
      const int64_t end = char_start(d, std::min(n, b + options.block_tokens), b);
      units.push_back({d, b, end});
      b = end;
    }
    total += n;
  }
  const int64_t target = std::llround(options.val_fraction * static_cast<double>(total));
  if (target < 1 || target >= total)
    return absl::InvalidArgumentError(absl::StrCat(
        "the corpus has ", total, " tokens: --val-fraction ", options.val_fraction, " gives ",
        target, " val tokens; both splits need at least one: change the fraction or add text"));

  std::vector<size_t> order(units.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const uint64_t base = splitmix64(options.seed ^ 0x73706c6974ull);  // "split"
  for (size_t i = order.size() - 1; i > 0; --i) {
    const uint64_t r = splitmix64(base + i);
    const size_t j = static_cast<size_t>((static_cast<unsigned __int128>(r) * (i + 1)) >> 64);
    std::swap(order[i], order[j]);
  }
  // val_end[u]: unit u's tokens [begin, val_end) go to val, [val_end, end) to train.
  std::vector<int64_t> val_end(units.size());
  for (size_t u = 0; u < units.size(); ++u) val_end[u] = units[u].begin;
  TrainValSplit split;
  int64_t val_tokens = 0;
  for (size_t k = 0; k < order.size() && val_tokens < target; ++k) {
    Unit& unit = units[order[k]];
    int64_t take = std::min(unit.end - unit.begin, target - val_tokens);
    if (take == unit.end - unit.begin) {
      ++split.val_units;
    } else {
      take = char_start(unit.doc, unit.begin + take, unit.begin - 1) - unit.begin;
      split.cut = true;
    }
    val_end[order[k]] = unit.begin + take;
    val_tokens += take;
    if (split.cut) break;
  }

  split.units = static_cast<int64_t>(units.size());
  split.val.reserve(val_tokens);
  split.train.reserve(total - val_tokens);
  for (size_t u = 0; u < units.size(); ++u) {
    const auto& doc = documents[units[u].doc];
    split.val.insert(split.val.end(), doc.begin() + units[u].begin, doc.begin() + val_end[u]);
    split.train.insert(split.train.end(), doc.begin() + val_end[u], doc.begin() + units[u].end);
  }
  return split;
}
}  // namespace sl
