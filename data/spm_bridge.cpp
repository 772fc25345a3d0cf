// The SentencePiece calls behind data/spm_bridge.h. No Abseil header may be included here (see
// spm_bridge.h).
#include "data/spm_bridge.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <unordered_map>

namespace sl::spm {
namespace {
class LineIterator final : public sentencepiece::SentenceIterator {
 public:
  explicit LineIterator(const std::vector<std::string_view>& lines) : lines_(lines) { load(); }
  bool done() const override { return next_ > lines_.size(); }
  void Next() override { load(); }
  const std::string& value() const override { return value_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void load() {
    if (next_ < lines_.size()) value_.assign(lines_[next_].data(), lines_[next_].size());
    ++next_;
  }
  const std::vector<std::string_view>& lines_;
  size_t next_ = 0;
  std::string value_;
};
}  // namespace

std::string train(const std::vector<std::string_view>& lines, const TrainSettings& settings,
                  std::string* model) {
  const std::unordered_map<std::string, std::string> args{
      {"model_type", settings.model_type},
      {"vocab_size", std::to_string(settings.vocab_size)},
      {"byte_fallback", "true"},
      {"normalization_rule_name", "identity"},
      {"remove_extra_whitespaces", "false"},
      {"add_dummy_prefix", "false"},
      {"split_digits", "false"},
      {"max_sentence_length", "1048576"},  // a paragraph per line: none is left out
      {"input_sentence_size", "0"},        // every line, no sampling
      {"shuffle_input_sentence", "false"},
      {"unk_id", "0"},
      {"bos_id", "-1"},
      {"eos_id", "-1"},
      {"pad_id", "-1"},
      {"num_threads", "1"},
      {"hard_vocab_limit", "true"},
      {"minloglevel", "1"},  // warnings and errors only
  };
  sentencepiece::SetRandomGeneratorSeed(settings.seed);
  LineIterator it(lines);
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &it, model);
  return status.ok() ? "" : status.ToString();
}

struct Processor::Impl {
  sentencepiece::SentencePieceProcessor sp;
};

Processor::Processor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Processor::~Processor() = default;

std::unique_ptr<Processor> Processor::load(const std::string& serialized, std::string* error) {
  auto impl = std::make_unique<Impl>();
  const auto status = impl->sp.LoadFromSerializedProto(serialized);
  if (!status.ok()) {
    *error = status.ToString();
    return nullptr;
  }
  return std::unique_ptr<Processor>(new Processor(std::move(impl)));
}

int Processor::vocab_size() const { return impl_->sp.GetPieceSize(); }

std::string Processor::encode(std::string_view text, std::vector<int>* ids) const {
  const auto status = impl_->sp.Encode(text, ids);
  return status.ok() ? "" : status.ToString();
}

std::string Processor::decode(const std::vector<int>& ids, std::string* text) const {
  const auto status = impl_->sp.Decode(ids, text);
  return status.ok() ? "" : status.ToString();
}

std::string Processor::piece(int id) const { return impl_->sp.IdToPiece(id); }
int Processor::piece_to_id(const std::string& piece) const { return impl_->sp.PieceToId(piece); }
bool Processor::is_byte(int id) const { return impl_->sp.IsByte(id); }
bool Processor::is_control(int id) const { return impl_->sp.IsControl(id); }
bool Processor::is_unknown(int id) const { return impl_->sp.IsUnknown(id); }
}  // namespace sl::spm
