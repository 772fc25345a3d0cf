// prepare_dataset: source -> corpus -> tokens -> train/val split -> train.bin, val.bin, meta.json.
#include "data/prepare.h"

#include <climits>
#include <cmath>
#include <filesystem>
#include <optional>
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
#include "data/byte_tokenizer.h"
#include "data/corpus_mix.h"
#include "data/kjv_source.h"
#include "data/markov_source.h"
#include "data/pydoc_source.h"
#include "data/sentencepiece_tokenizer.h"
#include "data/text_source.h"
#include "data/tokenizer_spec.h"

namespace fs = std::filesystem;

namespace sl {
namespace {
absl::StatusOr<Corpus> load_corpus(const PrepareOptions& o) {
  if (o.source == "austen") return austen_corpus(o.cache_dir);
  if (o.source == "brown") return brown_corpus(o.cache_dir);
  if (o.source == "kjv") return kjv_corpus();
  if (o.source == "pydoc") return pydoc_corpus();
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
  if (source == "austen" || source == "brown" || source == "kjv" || source == "pydoc") {
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

namespace {
// The train and val splits as token ids: the byte split as it is, or (a trained tokenizer) the
// tokenizer trained on the train split's text alone, then both splits encoded with it.
struct EncodedSplits {
  std::vector<uint16_t> train, val;
  std::string model;  // the serialized tokenizer ("" for byte)
  int vocab_size = 256;
};

// The model of --tokenizer-from DIR, with its spec and the train bytes it was trained on.
struct SharedModel {
  std::string model;
  DatasetMeta meta;
};

absl::StatusOr<SharedModel> shared_model(const std::string& dir) {
  const std::string meta_path = (fs::path(dir) / "meta.json").string();
  SL_ASSIGN_OR_RETURN(DatasetMeta meta, read_dataset_meta(meta_path));
  if (meta.tokenizer_model.empty())
    return absl::InvalidArgumentError(absl::StrCat(
        "--tokenizer-from ", dir, ": its tokenizer is ", meta.tokenizer_spec,
        ", not a trained model; give a directory prepared with --tokenizer bpe:N or unigram:N"));
  SL_RETURN_IF_ERROR(make_tokenizer(meta, dir).status());  // present, intact, the right size
  SL_ASSIGN_OR_RETURN(std::string model,
                      read_file((fs::path(dir) / meta.tokenizer_model).string()));
  return SharedModel{std::move(model), std::move(meta)};
}

absl::StatusOr<EncodedSplits> encode_splits(TrainValSplit& split, const TokenizerSpec& spec,
                                            uint64_t seed, const SharedModel* shared) {
  EncodedSplits out;
  if (!spec.trained()) {
    out.train = std::move(split.train);
    out.val = std::move(split.val);
    return out;
  }
  auto text_of = [](const std::vector<uint16_t>& bytes) {
    return std::string(bytes.begin(), bytes.end());
  };
  std::string train_text = text_of(split.train);
  split.train = {};
  if (shared) {
    out.model = shared->model;
  } else {
    ProgressLine progress("training " + spec.to_string(), 5.0);
    SL_ASSIGN_OR_RETURN(out.model, SentencePieceTokenizer::train(train_text, spec, seed));
    progress.finish();
  }
  SL_ASSIGN_OR_RETURN(auto tokenizer,
                      SentencePieceTokenizer::load(out.model, spec.kind, "the trained tokenizer"));
  out.vocab_size = tokenizer->vocab_size();
  out.train = tokenizer->encode(train_text);
  train_text = std::string();
  out.val = tokenizer->encode(text_of(split.val));
  split.val = {};
  return out;
}
}  // namespace

absl::StatusOr<DatasetMeta> prepare_dataset(const PrepareOptions& o) {
  const std::string out_dir = o.out_dir.empty() ? default_out_dir(o) : o.out_dir;
  std::optional<SharedModel> shared;
  if (!o.tokenizer_from.empty()) {
    if (o.tokenizer != "byte")
      return absl::InvalidArgumentError(absl::StrCat(
          "give --tokenizer (", o.tokenizer, ") or --tokenizer-from (", o.tokenizer_from,
          "), not both: --tokenizer-from reuses that directory's trained tokenizer"));
    SL_ASSIGN_OR_RETURN(shared, shared_model(o.tokenizer_from));
  }
  SL_ASSIGN_OR_RETURN(const TokenizerSpec spec,
                      parse_tokenizer_spec(shared ? shared->meta.tokenizer_spec : o.tokenizer));
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

  // The corpus as bytes; the split is made on them, at character boundaries.
  const ByteTokenizer bytes;
  std::vector<std::vector<uint16_t>> documents;
  documents.reserve(corpus.documents.size());
  int64_t text_bytes = 0;
  for (Document& doc : corpus.documents) {
    text_bytes += static_cast<int64_t>(doc.text.size());
    documents.push_back(bytes.encode(doc.text));
    doc.text = std::string();  // free the text as we go
  }
  SplitOptions split_options = o.split;
  split_options.utf8_boundaries = true;
  SL_ASSIGN_OR_RETURN(TrainValSplit split, split_train_val(documents, split_options));
  documents.clear();
  const int64_t train_bytes_n = static_cast<int64_t>(split.train.size());
  const int64_t val_bytes_n = static_cast<int64_t>(split.val.size());
  SL_ASSIGN_OR_RETURN(EncodedSplits tokens,
                      encode_splits(split, spec, o.split.seed, shared ? &*shared : nullptr));
  const int64_t n_tokens = static_cast<int64_t>(tokens.train.size() + tokens.val.size());

  DatasetMeta meta;
  meta.tokenizer = spec.kind;
  meta.tokenizer_spec = spec.to_string();
  meta.vocab_size = tokens.vocab_size;
  meta.bytes_per_token = n_tokens > 0 ? static_cast<double>(text_bytes) / n_tokens : 0;
  meta.source = corpus.source;
  meta.train_tokens = static_cast<int64_t>(tokens.train.size());
  meta.val_tokens = static_cast<int64_t>(tokens.val.size());
  meta.entropy_rate_nats = corpus.entropy_rate_nats;
  meta.unigram_entropy_nats = unigram_entropy_nats(tokens.train);
  meta.val_fraction = o.split.val_fraction;
  meta.split_seed = o.split.seed;
  meta.block_tokens = o.split.block_tokens;
  if (spec.trained()) {
    meta.tokenizer_model = "tokenizer.model";
    meta.tokenizer_checksum = hex64(hash_bytes(tokens.model.data(), tokens.model.size()));
    meta.tokenizer_train_bytes = shared ? shared->meta.tokenizer_train_bytes : train_bytes_n;
  }

  meta.layout = o.layout;
  if (o.layout == TokenLayout::kLlmc && meta.train_tokens > INT32_MAX)
    return absl::InvalidArgumentError(
        absl::StrCat("--format llmc: ", meta.train_tokens,
                     " train tokens do not fit llm.c's int32 token count; use --format nanogpt"));
  const std::string train_bytes = token_file_bytes(tokens.train, o.layout);
  const std::string val_bytes = token_file_bytes(tokens.val, o.layout);
  meta.train_checksum = hex64(hash_bytes(train_bytes.data(), train_bytes.size()));
  meta.val_checksum = hex64(hash_bytes(val_bytes.data(), val_bytes.size()));
  // meta.json goes last: a directory whose meta.json matches its .bin files is complete.
  const fs::path dir(out_dir);
  std::error_code ignored;
  fs::remove(dir / "meta.json", ignored);  // a stale meta.json must never describe new .bin files
  if (spec.trained()) {
    SL_RETURN_IF_ERROR(write_file_atomic((dir / meta.tokenizer_model).string(), tokens.model));
  } else {
    fs::remove(dir / "tokenizer.model", ignored);
  }
  SL_RETURN_IF_ERROR(write_file_atomic((dir / "train.bin").string(), train_bytes));
  SL_RETURN_IF_ERROR(write_file_atomic((dir / "val.bin").string(), val_bytes));
  SL_RETURN_IF_ERROR(write_file_atomic((dir / "meta.json").string(), dataset_meta_to_json(meta)));
  // Read back what was written against its checksums: a bad disk or a full one shows here, not
  // later.
  SL_RETURN_IF_ERROR(open_token_dataset(out_dir, /*verify_checksums=*/true).status());
  log::info(absl::StrFormat(
      "prepared %s: %d train + %d val tokens (val %.2f%%, asked %.2f%%: %d of %d units%s)", out_dir,
      meta.train_tokens, meta.val_tokens, 100.0 * val_bytes_n / (train_bytes_n + val_bytes_n),
      100 * meta.val_fraction, split.val_units, split.units,
      split.cut ? " and the head of one more" : ""));
  return meta;
}
}  // namespace sl
