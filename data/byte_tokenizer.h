// Byte-level tokenizer: token id = one byte of the UTF-8 text (vocab 256). Lossless on any byte
// string.
#pragma once
#include "data/tokenizer.h"

namespace sl {
class ByteTokenizer final : public Tokenizer {
 public:
  std::string name() const override { return "byte"; }
  int vocab_size() const override { return 256; }
  std::vector<uint16_t> encode(const std::string& text) const override;
  std::string decode(const std::vector<uint16_t>& ids) const override;
  std::vector<int32_t> token_bytes() const override { return std::vector<int32_t>(256, 1); }
};
}  // namespace sl
