// Tokenizers turn text into token ids and back. Byte-level (vocab 256) is the default; the
// interface leaves room for BPE (a tokenizer is named in meta.json and rebuilt from it by
// make_tokenizer).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace sl {
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::string name() const = 0;  // as stored in meta.json ("byte")
  virtual int vocab_size() const = 0;
  virtual std::vector<uint16_t> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<uint16_t>& ids) const = 0;
};

// "byte" -> ByteTokenizer; an unknown name is an error that lists the known ones.
absl::StatusOr<std::unique_ptr<Tokenizer>> make_tokenizer(const std::string& name);
}  // namespace sl
