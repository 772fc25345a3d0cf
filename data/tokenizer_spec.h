// The --tokenizer option of prepare (and data.tokenizer of a sweep): "byte", or "bpe:VOCAB" /
// "unigram:VOCAB" for a SentencePiece model of that vocabulary trained on the train split.
#pragma once
#include <string>

#include "core/status.h"

namespace sl {
struct TokenizerSpec {
  std::string kind = "byte";  // "byte", "bpe" or "unigram" (meta.json's `tokenizer`)
  int vocab_size = 256;
  bool trained() const { return kind != "byte"; }
  std::string to_string() const;  // "byte", "bpe:2000"
};

// The largest vocabulary a token file holds: ids are uint16, so at most 65,536 distinct ids.
inline constexpr int kMaxVocab = 65536;
// The smallest trained vocabulary: 256 byte pieces, <unk>, and room for a few characters.
inline constexpr int kMinTrainedVocab = 260;

// Errors name the value and say what is accepted.
absl::StatusOr<TokenizerSpec> parse_tokenizer_spec(const std::string& text);
}  // namespace sl
