// BPE and unigram tokenizers from SentencePiece (Debian's libsentencepiece-dev), trained on a
// dataset's train split by `prepare --tokenizer bpe:VOCAB` and stored in the dataset directory.
//
// Contract: decode(encode(x)) == x for every byte string x. SentencePiece is trained with byte
// fallback, identity normalisation, no dummy prefix and no whitespace folding; on top of that,
// encode emits '\n', U+2581 (SentencePiece's own space mark) and bytes that are not valid UTF-8 as
// byte pieces, and SentencePiece encodes each run of text between them; decode concatenates the
// pieces' text (U+2581 -> ' ', <0xAB> -> that byte) itself. On valid UTF-8 text without U+2581,
// encode gives the ids SentencePiece's own Encode (and Python's sentencepiece) gives for the whole
// text, which tests/python/sentencepiece_test.py checks.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "data/tokenizer.h"
#include "data/tokenizer_spec.h"

namespace sl {
namespace spm {
class Processor;
}

class SentencePieceTokenizer final : public Tokenizer {
 public:
  // Trains a model of spec.kind with spec.vocab_size pieces on `train_text` (split into lines at
  // '\n'); returns the serialized model. The same text, spec and seed give the same model. Errors:
  // SentencePiece's (e.g. a vocabulary too large for the text), with what to change.
  static absl::StatusOr<std::string> train(std::string_view train_text, const TokenizerSpec& spec,
                                           uint64_t seed);
  // `origin` names the model in errors (its file).
  static absl::StatusOr<std::unique_ptr<SentencePieceTokenizer>> load(const std::string& serialized,
                                                                      const std::string& kind,
                                                                      const std::string& origin);
  ~SentencePieceTokenizer() override;

  std::string name() const override { return kind_; }
  int vocab_size() const override { return vocab_size_; }
  std::vector<uint16_t> encode(const std::string& text) const override;
  std::string decode(const std::vector<uint16_t>& ids) const override;
  std::vector<int32_t> token_bytes() const override { return bytes_; }
  // SentencePiece's own Decode, for tests that compare it with decode().
  std::string library_decode(const std::vector<uint16_t>& ids) const;

 private:
  SentencePieceTokenizer() = default;
  std::string kind_;
  int vocab_size_ = 0;
  std::unique_ptr<spm::Processor> processor_;
  std::vector<std::string> text_;  // what each id decodes to
  std::vector<int32_t> bytes_;     // text_[id].size()
  uint16_t byte_id_[256] = {};     // the id of the byte piece <0xAB>
};
}  // namespace sl
