// The tokenizer registry: names as stored in meta.json -> implementations.
#include "data/tokenizer.h"

#include "data/byte_tokenizer.h"

namespace sl {
absl::StatusOr<std::unique_ptr<Tokenizer>> make_tokenizer(const std::string& name) {
  if (name == "byte") return std::unique_ptr<Tokenizer>(new ByteTokenizer());
  return absl::InvalidArgumentError(
      absl::StrCat("unknown tokenizer \"", name, "\": known tokenizers are: byte"));
}
}  // namespace sl
