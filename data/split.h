// The train/val split. Rule: each document is cut into units of at most block_tokens tokens (a
// short document is one unit). The units are shuffled with a seeded splitmix64 Fisher-Yates shuffle
// and taken in that order into val while they fit under the target, round(val_fraction * tokens);
// the next unit in that order is cut at the token that meets the target exactly, its head to val
// and its tail to train. So val holds the fraction asked to the token (a whole-unit rule gave 13%
// for 0.1 on a corpus of 8 units), and at most one unit is shared between the splits, at a cut.
// Both splits keep the corpus order of their units. The result depends only on (tokens, options):
// the same corpus and seed give the same files on any machine.
#pragma once
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace sl {
struct SplitOptions {
  double val_fraction = 0.1;  // in (0, 1)
  uint64_t seed = 0;
  int64_t block_tokens = 65536;  // largest unit; a long document is cut into blocks of this size
  // The tokens are the bytes of UTF-8 text: every cut (a block's end, the val/train cut) moves
  // back to the start of a character, so each split is whole characters (valid UTF-8 stays valid).
  // The cut unit then gives val up to 3 tokens less than the target.
  bool utf8_boundaries = false;
};

struct TrainValSplit {
  std::vector<uint16_t> train, val;
  int64_t units = 0;
  int64_t val_units = 0;  // units wholly in val
  bool cut = false;       // whether one more unit was cut between val (head) and train (tail)
};

// Errors: a bad option, or a corpus too small to give both splits at least one token.
absl::StatusOr<TrainValSplit> split_train_val(const std::vector<std::vector<uint16_t>>& documents,
                                              const SplitOptions& options);
}  // namespace sl
