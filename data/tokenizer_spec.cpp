// parse_tokenizer_spec: "byte" | "bpe:VOCAB" | "unigram:VOCAB".
#include "data/tokenizer_spec.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sl {
std::string TokenizerSpec::to_string() const {
  return trained() ? absl::StrCat(kind, ":", vocab_size) : kind;
}

absl::StatusOr<TokenizerSpec> parse_tokenizer_spec(const std::string& text) {
  const std::string accepted = "byte, bpe:VOCAB or unigram:VOCAB (e.g. bpe:2000)";
  if (text == "byte") return TokenizerSpec{};
  const size_t colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  if (kind != "bpe" && kind != "unigram")
    return absl::InvalidArgumentError(
        absl::StrCat("unknown tokenizer \"", text, "\": use ", accepted));
  int vocab = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(text.substr(colon + 1), &vocab))
    return absl::InvalidArgumentError(
        absl::StrCat("tokenizer \"", text, "\" needs its vocabulary size as a number: ", kind,
                     ":VOCAB (e.g. ", kind, ":2000)"));
  if (vocab > kMaxVocab)
    return absl::InvalidArgumentError(absl::StrCat(
        "tokenizer \"", text, "\": a vocabulary of ", vocab,
        " does not fit the token files, whose ids are uint16 (nanoGPT's and llm.c's layout: ids "
        "0..65535, so at most ",
        kMaxVocab, " tokens); choose ", kind, ":", kMaxVocab, " or less"));
  if (vocab < kMinTrainedVocab)
    return absl::InvalidArgumentError(absl::StrCat(
        "tokenizer \"", text, "\": a vocabulary of ", vocab, " is below ", kMinTrainedVocab,
        " (256 byte pieces for byte fallback, <unk> and the corpus's characters); use byte for a "
        "byte-level vocabulary"));
  return TokenizerSpec{kind, vocab};
}
}  // namespace sl
