// The tokenizer registry: names as stored in meta.json -> implementations.
#include "data/tokenizer.h"

#include <filesystem>

#include "core/files.h"
#include "core/hash.h"
#include "data/byte_tokenizer.h"
#include "data/sentencepiece_tokenizer.h"

namespace sl {
absl::StatusOr<std::unique_ptr<Tokenizer>> make_tokenizer(const std::string& name) {
  if (name == "byte") return std::unique_ptr<Tokenizer>(new ByteTokenizer());
  if (name == "bpe" || name == "unigram")
    return absl::InvalidArgumentError(
        absl::StrCat("tokenizer \"", name,
                     "\" is a model stored in its dataset directory: load it with the "
                     "dataset's meta.json (make_tokenizer(meta, dir))"));
  return absl::InvalidArgumentError(
      absl::StrCat("unknown tokenizer \"", name, "\": known tokenizers are: byte, bpe, unigram"));
}

absl::StatusOr<std::unique_ptr<Tokenizer>> make_tokenizer(const DatasetMeta& meta,
                                                          const std::string& dir) {
  if (meta.tokenizer != "bpe" && meta.tokenizer != "unigram") return make_tokenizer(meta.tokenizer);
  const std::string meta_path = (std::filesystem::path(dir) / "meta.json").string();
  if (meta.tokenizer_model.empty())
    return absl::DataLossError(absl::StrCat(meta_path, " names tokenizer \"", meta.tokenizer,
                                            "\" but no tokenizer_model file: prepare the "
                                            "dataset again"));
  const std::string path = (std::filesystem::path(dir) / meta.tokenizer_model).string();
  auto serialized = read_file(path);
  if (!serialized.ok())
    return absl::NotFoundError(absl::StrCat(serialized.status().message(), " (the tokenizer ",
                                            meta_path, " names): prepare the dataset again"));
  if (!meta.tokenizer_checksum.empty() &&
      hex64(hash_bytes(serialized->data(), serialized->size())) != meta.tokenizer_checksum)
    return absl::DataLossError(absl::StrCat(path, " does not match tokenizer_checksum in ",
                                            meta_path, ": prepare the dataset again"));
  SL_ASSIGN_OR_RETURN(auto tokenizer,
                      SentencePieceTokenizer::load(*serialized, meta.tokenizer, path));
  if (tokenizer->vocab_size() != meta.vocab_size)
    return absl::DataLossError(absl::StrCat(path, " has ", tokenizer->vocab_size(), " pieces but ",
                                            meta_path, " says vocab_size ", meta.vocab_size,
                                            ": prepare the dataset again"));
  return std::unique_ptr<Tokenizer>(std::move(tokenizer));
}
}  // namespace sl
