// Tokenizers turn text into token ids and back. Byte-level (vocab 256) is the default; BPE and
// unigram models are trained by SentencePiece on a dataset's train split and stored beside its
// token files (data/sentencepiece_tokenizer.h). A dataset's meta.json names its tokenizer and
// make_tokenizer rebuilds it from there, so training, bits per byte, probes and sample all use it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/token_dataset.h"

namespace sl {
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::string name() const = 0;  // as stored in meta.json ("byte", "bpe", "unigram")
  virtual int vocab_size() const = 0;
  virtual std::vector<uint16_t> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<uint16_t>& ids) const = 0;
  // Bytes of text each id decodes to, vocab_size() entries. decode is a concatenation of these
  // pieces, so decode(ids).size() is the sum over ids: bits per byte counts the bytes under the
  // evaluated tokens with it.
  virtual std::vector<int32_t> token_bytes() const = 0;
};

// A tokenizer that needs no file: "byte" -> ByteTokenizer. "bpe" and "unigram" are refused here
// (they live in a dataset directory: use the overload below); other names list the known ones.
absl::StatusOr<std::unique_ptr<Tokenizer>> make_tokenizer(const std::string& name);
// The tokenizer of the dataset in `dir`, as its meta.json describes it: byte, or the SentencePiece
// model file meta.tokenizer_model inside `dir` (checked against meta.tokenizer_checksum and
// meta.vocab_size). "gpt2" (a nanoGPT directory without meta.json) is not available.
absl::StatusOr<std::unique_ptr<Tokenizer>> make_tokenizer(const DatasetMeta& meta,
                                                          const std::string& dir);
}  // namespace sl
