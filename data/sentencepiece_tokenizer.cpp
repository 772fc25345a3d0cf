// SentencePieceTokenizer: training and loading through data/spm_bridge.h; encode splits the text
// at the bytes SentencePiece would not give back, decode concatenates piece texts.
#include "data/sentencepiece_tokenizer.h"

#include <stdexcept>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "data/spm_bridge.h"

namespace sl {
namespace {
constexpr char kSpaceMark[] = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// Length of the valid UTF-8 sequence at s[i], or 0 if the bytes there are not one.
size_t utf8_length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = 0;
  uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are not valid UTF-8.
  static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}
}  // namespace

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

absl::StatusOr<std::string> SentencePieceTokenizer::train(std::string_view train_text,
                                                          const TokenizerSpec& spec,
                                                          uint64_t seed) {
  std::vector<std::string_view> lines;
  for (size_t begin = 0; begin <= train_text.size();) {
    size_t end = train_text.find('\n', begin);
    if (end == std::string_view::npos) end = train_text.size();
    if (end > begin) lines.push_back(train_text.substr(begin, end - begin));
    begin = end + 1;
  }
  std::string model;
  const std::string error = spm::train(
      lines, {spec.kind, spec.vocab_size, static_cast<unsigned>(seed & 0xffffffffu)}, &model);
  if (!error.empty())
    return absl::InvalidArgumentError(absl::StrCat(
        "SentencePiece could not train ", spec.to_string(), " on the train split (",
        train_text.size(), " bytes, ", lines.size(), " lines): ", error,
        ": change the vocabulary size as SentencePiece's message says (too large for a small "
        "corpus, or too small for its characters: byte pieces, <unk> and every character "
        "count)"));
  return model;
}

absl::StatusOr<std::unique_ptr<SentencePieceTokenizer>> SentencePieceTokenizer::load(
    const std::string& serialized, const std::string& kind, const std::string& origin) {
  std::string error;
  std::unique_ptr<spm::Processor> processor = spm::Processor::load(serialized, &error);
  if (!processor)
    return absl::DataLossError(absl::StrCat(origin, " is not a SentencePiece model (", error,
                                            "): prepare the dataset again"));
  std::unique_ptr<SentencePieceTokenizer> t(new SentencePieceTokenizer());
  t->kind_ = kind;
  t->vocab_size_ = processor->vocab_size();
  if (t->vocab_size_ > kMaxVocab)
    return absl::DataLossError(absl::StrCat(origin, " has ", t->vocab_size_,
                                            " pieces: token files hold at most ", kMaxVocab));
  for (int b = 0; b < 256; ++b) {
    const int id = processor->piece_to_id(absl::StrFormat("<0x%02X>", b));
    if (!processor->is_byte(id))
      return absl::FailedPreconditionError(absl::StrCat(
          origin, " has no byte piece for byte ", b,
          ": it was trained without byte fallback, so not every text encodes; prepare the "
          "dataset again with scalelab (which turns byte fallback on)"));
    t->byte_id_[b] = static_cast<uint16_t>(id);
  }
  t->text_.resize(t->vocab_size_);
  t->bytes_.resize(t->vocab_size_);
  for (int id = 0; id < t->vocab_size_; ++id) {
    std::string& text = t->text_[id];
    if (processor->is_byte(id)) {
      text = std::string(
          1, static_cast<char>(std::stoi(processor->piece(id).substr(3, 2), nullptr, 16)));
    } else if (processor->is_unknown(id)) {
      text = "\xEF\xBF\xBD";  // U+FFFD: byte fallback never emits <unk>, a model may sample it
    } else if (!processor->is_control(id)) {
      text = absl::StrReplaceAll(processor->piece(id), {{kSpaceMark, " "}});
    }
    t->bytes_[id] = static_cast<int32_t>(text.size());
  }
  t->processor_ = std::move(processor);
  // The settings that make decode undo encode are in the model: a model made elsewhere (a dummy
  // prefix, whitespace folding, NFKC) is refused here rather than silently changing text.
  const std::string probe = " Two  spaces,\tcaf\xC3\xA9\n and a line ";
  if (t->decode(t->encode(probe)) != probe)
    return absl::FailedPreconditionError(absl::StrCat(
        origin,
        " does not give text back as it was (a dummy prefix, whitespace folding or Unicode "
        "normalisation is on): prepare the dataset with scalelab's own --tokenizer"));
  return t;
}

std::vector<uint16_t> SentencePieceTokenizer::encode(const std::string& text) const {
  std::vector<uint16_t> out;
  out.reserve(text.size() / 3);
  std::vector<int> ids;
  const std::string_view all(text);
  size_t run = 0;  // start of the text not yet encoded
  auto flush = [&](size_t end) {
    if (end > run) {
      const std::string error = processor_->encode(all.substr(run, end - run), &ids);
      // Only an unloaded model fails to encode valid UTF-8, and load() never returns one.
      if (!error.empty()) throw std::logic_error("SentencePiece encode failed: " + error);
      for (int id : ids) out.push_back(static_cast<uint16_t>(id));
    }
  };
  for (size_t i = 0; i < all.size();) {
    const size_t n = utf8_length(all, i);
    const bool as_bytes =
        n == 0 || all[i] == '\n' || (n == 3 && all.compare(i, 3, kSpaceMark) == 0);
    if (!as_bytes) {
      i += n;
      continue;
    }
    flush(i);
    const size_t len = n == 0 ? 1 : n;
    for (size_t k = 0; k < len; ++k)
      out.push_back(byte_id_[static_cast<unsigned char>(all[i + k])]);
    i += len;
    run = i;
  }
  flush(all.size());
  return out;
}

std::string SentencePieceTokenizer::decode(const std::vector<uint16_t>& ids) const {
  std::string text;
  for (uint16_t id : ids) text += id < text_.size() ? text_[id] : "\xEF\xBF\xBD";
  return text;
}

std::string SentencePieceTokenizer::library_decode(const std::vector<uint16_t>& ids) const {
  std::string text;
  processor_->decode(std::vector<int>(ids.begin(), ids.end()), &text);
  return text;
}
}  // namespace sl
