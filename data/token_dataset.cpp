// open_token_dataset and meta.json (de)serialisation. Every error names the file and says what to
// do.
#include "data/token_dataset.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/files.h"
#include "core/hash.h"
#include "nlohmann/json.hpp"

namespace sl {
namespace {
using nlohmann::json;

// The command that would (re)create `dir`: the source from meta.json if known, else a guess from
// the directory name (out/data/austen -> austen, out/data/brown -> brown), else a placeholder.
std::string prepare_hint(const std::string& dir, const std::string& known_source) {
  std::string source = known_source;
  if (source.empty()) {
    std::string base = std::filesystem::path(dir).lexically_normal().filename().string();
    if (base.empty()) base = std::filesystem::path(dir).lexically_normal().parent_path().filename();
    const bool named = base == "austen" || base == "brown" || base == "kjv" || base == "pydoc";
    source = named ? base : "SRC";
  }
  std::string default_out = "out/data/" + source;
  bool default_dir = std::filesystem::path(dir).lexically_normal() ==
                     std::filesystem::path(default_out).lexically_normal();
  const bool plain = source.find_first_of("?&*$ \"'") == std::string::npos;
  if (!plain) source = "'" + source + "'";
  return absl::StrCat("run `scalelab prepare --source ", source, default_dir ? "" : " --out " + dir,
                      "`");
}

std::string join(const std::string& dir, const char* name) {
  return (std::filesystem::path(dir) / name).string();
}

// DIR/train.bin (or val.bin); in a directory without it, the one llm.c-named file of that split
// (tiny_shakespeare_train.bin, TinyStories_val.bin): llm.c's data directories load as they are.
std::string split_path(const std::string& dir, const char* name) {
  const std::string plain = join(dir, name);
  if (path_exists(plain)) return plain;
  const std::string split = std::string(name).substr(0, std::string(name).find('.'));  // "train"
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string file = e.path().filename().string();
    if (e.is_regular_file() && e.path().extension() == ".bin" &&
        file.find("_" + split) != std::string::npos)
      found.push_back(e.path().string());
  }
  return found.size() == 1 ? found[0] : plain;
}

absl::StatusOr<std::unique_ptr<TokenFile>> open_split(const std::string& dir, const char* name,
                                                      const std::string& source) {
  std::string path = split_path(dir, name);
  auto file = TokenFile::open(path);
  if (!file.ok())
    return absl::Status(file.status().code(),
                        absl::StrCat(file.status().message(), ": ", prepare_hint(dir, source)));
  if ((*file)->size() == 0)
    return absl::DataLossError(absl::StrCat(path, " is empty: ", prepare_hint(dir, source)));
  return file;
}
}  // namespace

// FNV-1a 64 of the compact dump of every key but meta_checksum (nlohmann's objects are sorted and
// its numbers print to round-trip, so a parsed file dumps to the same bytes).
static std::string meta_checksum(json j) {
  j.erase("meta_checksum");
  const std::string text = j.dump();
  return hex64(hash_bytes(text.data(), text.size()));
}

std::string dataset_meta_to_json(const DatasetMeta& m) {
  json j;
  j["format"] = token_layout_name(m.layout);
  j["tokenizer"] = m.tokenizer;
  j["vocab_size"] = m.vocab_size;
  j["tokenizer_spec"] = m.tokenizer_spec;
  if (!m.tokenizer_model.empty()) {
    j["tokenizer_model"] = m.tokenizer_model;
    j["tokenizer_checksum"] = m.tokenizer_checksum;
    j["tokenizer_train_bytes"] = m.tokenizer_train_bytes;
  }
  j["bytes_per_token"] = m.bytes_per_token;
  j["source"] = m.source;
  j["train_tokens"] = m.train_tokens;
  j["val_tokens"] = m.val_tokens;
  j["train_checksum"] = m.train_checksum;
  j["val_checksum"] = m.val_checksum;
  j["checksum_algorithm"] = "fnv1a64";
  j["entropy_rate_nats"] = m.entropy_rate_nats >= 0 ? json(m.entropy_rate_nats) : json(nullptr);
  j["unigram_entropy_nats"] =
      m.unigram_entropy_nats >= 0 ? json(m.unigram_entropy_nats) : json(nullptr);
  j["val_fraction"] = m.val_fraction;
  j["block_tokens"] = m.block_tokens;
  j["split_seed"] = m.split_seed;
  // A checksum of the rest, so a flipped digit (vocab_size 256 -> 216) is found, not trained on.
  j["meta_checksum"] = meta_checksum(j);
  return j.dump(2) + "\n";
}

absl::StatusOr<DatasetMeta> read_dataset_meta(const std::string& path) {
  SL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return absl::DataLossError(absl::StrCat(path, " is not a JSON object: delete the dataset ",
                                            "directory and prepare it again"));
  if (j.contains("meta_checksum") && (!j["meta_checksum"].is_string() ||
                                      j["meta_checksum"].get<std::string>() != meta_checksum(j))) {
    return absl::DataLossError(absl::StrCat(
        path, " does not match its meta_checksum: it was damaged or edited after `scalelab ",
        "prepare`. Prepare the dataset again; if you edited it on purpose, delete the ",
        "meta_checksum line"));
  }
  DatasetMeta m;
  try {
    // Every missing key at once: a hand-written meta.json should take one edit, not four.
    std::vector<std::string> missing;
    for (const char* key : {"tokenizer", "vocab_size", "train_tokens", "val_tokens"})
      if (!j.contains(key)) missing.push_back(absl::StrCat("\"", key, "\""));
    if (!missing.empty()) {
      return absl::DataLossError(absl::StrCat(
          path, " lacks the key", missing.size() > 1 ? "s " : " ", absl::StrJoin(missing, ", "),
          ": prepare the dataset again, or write them; the least a meta.json needs is "
          "{\"tokenizer\": "
          "\"byte\", \"vocab_size\": 256, \"train_tokens\": <tokens in train.bin>, "
          "\"val_tokens\": <tokens in val.bin>}"));
    }
    const std::string format = j.value("format", "uint16-le");
    if (format != "uint16-le" && format != "llmc-uint16")
      return absl::DataLossError(absl::StrCat(path, ": format \"", format,
                                              "\" is not one scalelab reads: \"uint16-le\" "
                                              "(nanoGPT) or \"llmc-uint16\" (llm.c's header)"));
    m.layout = format == "llmc-uint16" ? TokenLayout::kLlmc : TokenLayout::kNanoGpt;
    m.tokenizer = j.at("tokenizer").get<std::string>();
    m.vocab_size = j.at("vocab_size").get<int>();
    m.train_tokens = j.at("train_tokens").get<int64_t>();
    m.val_tokens = j.at("val_tokens").get<int64_t>();
    m.bytes_per_token = j.value("bytes_per_token", 0.0);
    m.tokenizer_model = j.value("tokenizer_model", "");
    m.tokenizer_checksum = j.value("tokenizer_checksum", "");
    m.tokenizer_spec = j.value("tokenizer_spec", m.tokenizer);
    m.tokenizer_train_bytes = j.value("tokenizer_train_bytes", int64_t{0});
    m.source = j.value("source", "");
    m.train_checksum = j.value("train_checksum", "");
    m.val_checksum = j.value("val_checksum", "");
    auto number_or = [&](const char* key, double fallback) {
      return j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
    };
    m.entropy_rate_nats = number_or("entropy_rate_nats", -1);
    m.unigram_entropy_nats = number_or("unigram_entropy_nats", -1);
    m.val_fraction = number_or("val_fraction", 0);
    m.split_seed = j.value("split_seed", uint64_t{0});
    m.block_tokens = j.value("block_tokens", int64_t{65536});
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat(path, ": ", e.what(), ": prepare the dataset again"));
  }
  if (m.vocab_size < 1 || m.vocab_size > 65536)
    return absl::DataLossError(absl::StrCat(path, ": vocab_size ", m.vocab_size,
                                            " does not fit uint16 token ids (1..65536)"));
  return m;
}

absl::StatusOr<TokenDataset> open_token_dataset(const std::string& dir, bool verify_checksums) {
  std::error_code is_dir_error;  // a name the system refuses (too long) is "not found", not a throw
  if (!std::filesystem::is_directory(dir, is_dir_error)) {
    // A relative path is relative to the working directory, which a sweep's child shares.
    const std::string rel = std::filesystem::path(dir).is_absolute()
                                ? ""
                                : absl::StrCat(" (relative to the working directory ",
                                               std::filesystem::current_path().string(), ")");
    return absl::NotFoundError(
        absl::StrCat("dataset directory ", dir, rel, " not found: ", prepare_hint(dir, "")));
  }
  TokenDataset ds;
  ds.dir = dir;
  const std::string meta_path = join(dir, "meta.json");
  const bool has_meta = path_exists(meta_path);
  if (has_meta) {
    SL_ASSIGN_OR_RETURN(ds.meta, read_dataset_meta(meta_path));
  }
  const std::string source = has_meta ? ds.meta.source : "";
  SL_ASSIGN_OR_RETURN(ds.train, open_split(dir, "train.bin", source));
  SL_ASSIGN_OR_RETURN(ds.val, open_split(dir, "val.bin", source));
  ds.max_token = std::max(ds.train->max_token(), ds.val->max_token());

  if (!has_meta && path_exists(join(dir, "meta.pkl"))) {
    // nanoGPT's character datasets: ids index meta.pkl's own vocabulary, not bytes. Taken for
    // bytes they would report a wrong bits per byte and sample garbage.
    return absl::FailedPreconditionError(absl::StrCat(
        dir,
        " is a nanoGPT character dataset (meta.pkl, no meta.json): its token ids index the "
        "vocabulary in meta.pkl, which scalelab does not read. Prepare the same text instead: "
        "`scalelab prepare --source ",
        dir, "/input.txt --out ", dir,
        "-bytes` (byte "
        "tokens, exact bits per byte)"));
  }
  if (!has_meta) {
    // A nanoGPT directory: infer what meta.json would have said. Ids past GPT-2's vocabulary are
    // some other tokenizer's, whose vocabulary only a meta.json can give.
    if (ds.max_token >= 50257) {
      return absl::InvalidArgumentError(absl::StrCat(
          dir, " has token ids up to ", ds.max_token,
          " and no meta.json: they are neither bytes (< 256) nor GPT-2's (< 50257); write ", dir,
          "/meta.json with the tokenizer's vocab_size (docs/data.md)"));
    }
    ds.meta.tokenizer = ds.max_token < 256 ? "byte" : "gpt2";
    ds.meta.vocab_size = ds.max_token < 256 ? 256 : 50257;
    ds.meta.tokenizer_spec = ds.meta.tokenizer;
    ds.meta.bytes_per_token = ds.max_token < 256 ? 1.0 : 0.0;
    ds.meta.source = "(no meta.json in " + dir + ")";
    ds.meta.train_tokens = ds.train->size();
    ds.meta.val_tokens = ds.val->size();
    ds.meta.layout = ds.train->layout();
    if (ds.val->layout() != ds.train->layout())
      return absl::DataLossError(absl::StrCat(
          ds.train->path(), " is ", token_layout_name(ds.train->layout()), " but ", ds.val->path(),
          " is ", token_layout_name(ds.val->layout()), ": write both splits in one layout"));
    return ds;
  }
  for (const TokenFile* f : {ds.train.get(), ds.val.get()}) {
    const bool is_train = f == ds.train.get();
    const int64_t expected = is_train ? ds.meta.train_tokens : ds.meta.val_tokens;
    if (f->size() != expected)
      return absl::DataLossError(
          absl::StrCat(f->path(), " has ", f->size(), " tokens but ", meta_path, " says ", expected,
                       ": the file is truncated or stale; ", prepare_hint(dir, source)));
    if (f->layout() != ds.meta.layout)
      return absl::DataLossError(absl::StrCat(
          f->path(), " is ", token_layout_name(f->layout()), " but ", meta_path, " says format ",
          token_layout_name(ds.meta.layout), ": ", prepare_hint(dir, source)));
    const std::string& sum = is_train ? ds.meta.train_checksum : ds.meta.val_checksum;
    if (verify_checksums && !sum.empty() && f->checksum() != sum)
      return absl::DataLossError(absl::StrCat(f->path(), " does not match its checksum in ",
                                              meta_path, ": the file is corrupted; ",
                                              prepare_hint(dir, source)));
  }
  if (ds.max_token >= ds.meta.vocab_size)
    return absl::DataLossError(absl::StrCat(
        dir, " holds token id ", ds.max_token, " but ", meta_path, " says vocab_size ",
        ds.meta.vocab_size, ": the files do not belong together; ", prepare_hint(dir, source)));
  return ds;
}
}  // namespace sl
