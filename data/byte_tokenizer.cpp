// Byte-level tokenizer: each byte of the text is one token.
#include "data/byte_tokenizer.h"

namespace sl {
std::vector<uint16_t> ByteTokenizer::encode(const std::string& text) const {
  std::vector<uint16_t> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<uint16_t>& ids) const {
  std::string text;
  text.reserve(ids.size());
  // Ids >= 256 cannot come from this tokenizer (a model with a larger vocab may sample them):
  // they decode to U+FFFD so the output stays valid UTF-8 and visibly marks the bad token.
  for (uint16_t id : ids) {
    if (id < 256)
      text.push_back(static_cast<char>(id));
    else
      text += "\xEF\xBF\xBD";
  }
  return text;
}
}  // namespace sl
