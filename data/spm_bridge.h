// The one place that includes SentencePiece's headers (Debian's libsentencepiece-dev). They
// declare `absl::string_view` as std::string_view, which clashes with Debian's Abseil (its own
// string_view class), so this interface uses the standard library only and reports errors as
// strings; data/sentencepiece_tokenizer.h wraps it for the rest of scalelab.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sl::spm {
struct TrainSettings {
  std::string model_type;  // "bpe" or "unigram"
  int vocab_size = 0;
  unsigned seed = 0;  // SentencePiece's random generator (unigram's seed pieces, sampling)
};

// Trains a model on `lines` (one sentence each, no '\n'), always with: byte fallback (any byte
// string encodes), identity normalisation, no dummy prefix and no whitespace folding (so decode
// undoes encode exactly), no BOS/EOS, <unk> at id 0, one thread (the same lines give the same
// model). Returns "" and the serialized model in *model, or SentencePiece's error.
std::string train(const std::vector<std::string_view>& lines, const TrainSettings& settings,
                  std::string* model);

// A loaded model.
class Processor {
 public:
  // nullptr and *error set when `serialized` is not a SentencePiece model.
  static std::unique_ptr<Processor> load(const std::string& serialized, std::string* error);
  ~Processor();
  int vocab_size() const;
  // Returns "" or the error.
  std::string encode(std::string_view text, std::vector<int>* ids) const;
  std::string decode(const std::vector<int>& ids, std::string* text) const;
  std::string piece(int id) const;
  int piece_to_id(const std::string& piece) const;  // the unknown id when there is no such piece
  bool is_byte(int id) const;                       // <0xAB>: one raw byte
  bool is_control(int id) const;                    // decodes to nothing
  bool is_unknown(int id) const;

 private:
  struct Impl;
  explicit Processor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};
}  // namespace sl::spm
