// prepare_dataset: source -> corpus -> tokens -> train/val split -> train.bin, val.bin, meta.json.
#include "data/prepare.h"

#include <cmath>
#include <filesystem>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "core/file_lock.h"
#include "core/files.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/progress.h"
#include "data/austen_source.h"
#include "data/brown_source.h"
#include "data/corpus_mix.h"
#include "data/markov_source.h"
#include "data/text_source.h"
#include "data/tokenizer.h"

namespace fs = std::filesystem;

namespace sl {
namespace {
absl::StatusOr<Corpus> load_corpus(const PrepareOptions& o) {
  if (o.source == "austen") return austen_corpus(o.cache_dir);
  if (o.source == "brown") return brown_corpus(o.cache_dir);
  if (is_markov_source(o.source)) {
    SL_ASSIGN_OR_RETURN(MarkovSpec spec, parse_markov_spec(o.source));
    return markov_corpus(spec);
  }
  if (o.source.rfind("synthetic:", 0) == 0)
    return absl::InvalidArgumentError(absl::StrCat("unknown synthetic source \"", o.source,
                                                   "\": the synthetic source is synthetic:markov"));
  return text_corpus(o.source);
}
}  // namespace

std::string default_out_dir(const std::string& source) {
  std::string name;
  if (source == "austen" || source == "brown") {
    name = source;
  } else if (is_markov_source(source)) {
    name = "markov";
    const size_t q = source.find('?');
    if (q != std::string::npos)
      name += "-" + absl::StrReplaceAll(source.substr(q + 1), {{"&", "-"}, {"=", ""}, {"/", "_"}});
  } else {
    fs::path p = fs::path(source).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    name = fs::is_directory(p) ? p.filename().string() : p.stem().string();
    if (name.empty() || name == "." || name == "..") name = "text";
  }
  return "out/data/" + name;
}

std::string default_out_dir(const PrepareOptions& o) {
  std::string dir = default_out_dir(o.source);
  if (!o.mix.tasks.empty())
    dir += absl::StrCat("-mix-", absl::StrJoin(o.mix.tasks, "_"), "-",
                        std::round(o.mix.fraction * 1000) / 10);
  return dir;
}

double unigram_entropy_nats(const std::vector<uint16_t>& tokens) {
  std::vector<int64_t> counts(65536, 0);
  for (uint16_t t : tokens) ++counts[t];
  const double n = static_cast<double>(tokens.size());
  double h = 0;
  for (int64_t c : counts)
    if (c > 0) h -= (c / n) * std::log(c / n);
  return h;
}

absl::StatusOr<DatasetMeta> prepare_dataset(const PrepareOptions& o) {
  const std::string out_dir = o.out_dir.empty() ? default_out_dir(o) : o.out_dir;
  SL_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer, make_tokenizer(o.tokenizer));
  // Check the output directory before any slow step (a download, a long sample).
  SL_RETURN_IF_ERROR(annotate(ensure_writable_dir(out_dir), "output directory"));
  // One prepare at a time per directory (a killed one's temporaries go as its files are rewritten).
  auto lock = FileLock::try_acquire((fs::path(out_dir) / ".prepare.lock").string());
  if (!lock.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("output directory ", out_dir, " is being prepared by another process (",
                     lock.status().message(), "); wait for it to finish, or use another --out"));
  }
  SL_ASSIGN_OR_RETURN(Corpus corpus, load_corpus(o));
  if (!o.mix.tasks.empty()) SL_RETURN_IF_ERROR(mix_probe_tasks(o.mix, &corpus));

  std::vector<std::vector<uint16_t>> documents;
  documents.reserve(corpus.documents.size());
  int64_t text_bytes = 0, tokens = 0;
  {
    ProgressLine progress("tokenizing", 5.0);
    for (size_t i = 0; i < corpus.documents.size(); ++i) {
      text_bytes += static_cast<int64_t>(corpus.documents[i].text.size());
      documents.push_back(tokenizer->encode(corpus.documents[i].text));
      tokens += static_cast<int64_t>(documents.back().size());
      corpus.documents[i].text = std::string();  // free the text as we go
      progress.update(double(i + 1), double(corpus.documents.size()), "",
                      i + 1 == corpus.documents.size());
    }
    progress.finish();
  }
  SL_ASSIGN_OR_RETURN(TrainValSplit split, split_train_val(documents, o.split));
  documents.clear();

  DatasetMeta meta;
  meta.tokenizer = tokenizer->name();
  meta.vocab_size = tokenizer->vocab_size();
  meta.bytes_per_token = tokens > 0 ? static_cast<double>(text_bytes) / tokens : 0;
  meta.source = corpus.source;
  meta.train_tokens = static_cast<int64_t>(split.train.size());
  meta.val_tokens = static_cast<int64_t>(split.val.size());
  meta.entropy_rate_nats = corpus.entropy_rate_nats;
  meta.unigram_entropy_nats = unigram_entropy_nats(split.train);
  meta.val_fraction = o.split.val_fraction;
  meta.split_seed = o.split.seed;

  const std::string train_bytes = token_file_bytes(split.train);
  const std::string val_bytes = token_file_bytes(split.val);
  meta.train_checksum = hex64(hash_bytes(train_bytes.data(), train_bytes.size()));
  meta.val_checksum = hex64(hash_bytes(val_bytes.data(), val_bytes.size()));
  // meta.json goes last: a directory whose meta.json matches its .bin files is complete.
  const fs::path dir(out_dir);
  std::error_code ignored;
  fs::remove(dir / "meta.json", ignored);  // a stale meta.json must never describe new .bin files
  SL_RETURN_IF_ERROR(write_file_atomic((dir / "train.bin").string(), train_bytes));
  SL_RETURN_IF_ERROR(write_file_atomic((dir / "val.bin").string(), val_bytes));
  SL_RETURN_IF_ERROR(write_file_atomic((dir / "meta.json").string(), dataset_meta_to_json(meta)));
  // Read back what was written against its checksums: a bad disk or a full one shows here, not
  // later.
  SL_RETURN_IF_ERROR(open_token_dataset(out_dir, /*verify_checksums=*/true).status());
  log::info(absl::StrFormat(
      "prepared %s: %d train + %d val tokens (val %.2f%%, asked %.2f%%: %d of %d units%s)", out_dir,
      meta.train_tokens, meta.val_tokens,
      100.0 * meta.val_tokens / (meta.train_tokens + meta.val_tokens), 100 * meta.val_fraction,
      split.val_units, split.units, split.cut ? " and the head of one more" : ""));
  return meta;
}
}  // namespace sl
