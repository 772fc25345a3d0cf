// The vocabulary as an experimental variable: a dataset re-made from the same source and split with
// another tokenizer (data.tokenizer in a train config or sweep). Each variant has its own directory
// beside the base dataset, named by the tokenizer and keyed by a hash of everything that makes it
// (source, tokenizer, val fraction, split seed, block size, layout):
//   out/data/austen + bpe:2000 -> out/data/austen-bpe2000-<8 hex>
// so a second sweep (or a second value of an axis) reuses what the first prepared, and a changed
// setting never reuses a stale directory.
#pragma once
#include <string>

#include "core/status.h"
#include "data/token_dataset.h"

namespace sl {
// The variant's directory for `tokenizer` ("bpe:2000"), from the base dataset's meta.json; the base
// directory itself when its tokenizer already is `tokenizer`. Errors: the base has no meta.json
// (nothing says how to re-make it), a bad tokenizer spec.
absl::StatusOr<std::string> tokenizer_variant_dir(const std::string& base_dir,
                                                  const std::string& tokenizer);

// The same directory, prepared first unless it holds a complete dataset made with those settings.
// Preparation holds DIR.lock; a second process is refused while the first prepares.
absl::StatusOr<std::string> ensure_tokenizer_variant(const std::string& base_dir,
                                                     const std::string& tokenizer,
                                                     const std::string& cache_dir = "out/cache");
}  // namespace sl
