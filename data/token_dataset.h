// A prepared dataset directory, laid out as nanoGPT does: train.bin and val.bin hold uint16 token
// ids (little-endian, no header), meta.json describes them; or the same ids after llm.c's header
// (256 int32: magic 20240520, version 1, token count), which TokenFile recognises by itself. Token
// files are memory-mapped, never copied. Format details: docs/data.md.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace sl {
// How token ids sit in a file: nanoGPT's bare uint16 array, or llm.c's header then uint16 ids.
enum class TokenLayout { kNanoGpt, kLlmc };
inline constexpr int32_t kLlmcMagic = 20240520;
inline constexpr int32_t kLlmcVersion = 1;  // uint16 tokens (llm.c's version 2 is uint32)
inline constexpr size_t kLlmcHeaderBytes = 256 * sizeof(int32_t);
// meta.json's "format": "uint16-le" (nanoGPT) or "llmc-uint16".
const char* token_layout_name(TokenLayout layout);

struct DatasetMeta {
  TokenLayout layout = TokenLayout::kNanoGpt;
  std::string tokenizer = "byte";  // "byte", "bpe" or "unigram"
  int vocab_size = 256;
  // A trained tokenizer's model file inside the dataset directory ("tokenizer.model") and the hex
  // FNV-1a 64 of its bytes; "" for byte.
  std::string tokenizer_model, tokenizer_checksum;
  // The settings it was made with ("bpe:2000"; "byte"), and the bytes of text it was trained on.
  std::string tokenizer_spec = "byte";
  int64_t tokenizer_train_bytes = 0;
  // Mean UTF-8 bytes of text per token, for bits per byte. 0 = unknown (a nanoGPT directory without
  // meta.json): bits per byte cannot be reported then.
  double bytes_per_token = 1.0;
  std::string source;  // the --source spec, with a synthetic source's resolved parameters
  int64_t train_tokens = 0, val_tokens = 0;
  std::string train_checksum, val_checksum;  // hex FNV-1a 64 of the files' bytes ("" if unknown)
  double entropy_rate_nats = -1;  // exact entropy rate per token of a synthetic source, else -1
  double unigram_entropy_nats =
      -1;                        // entropy of the train split's token frequencies, -1 if unknown
  double val_fraction = 0;       // requested fraction of tokens in val.bin
  int64_t block_tokens = 65536;  // the split's unit (prepare --block-tokens)
  uint64_t split_seed = 0;       // seed of the train/val split (and of a synthetic source)
};

// A read-only mapping of one uint16 token file.
class TokenFile {
 public:
  // The layout is read from the file: llm.c's when it starts with llm.c's magic (then the version
  // must be 1 and the size must match the header's token count), else nanoGPT's. Errors: the file
  // is missing or unreadable, an odd byte count or a size unlike the header's (truncated).
  static absl::StatusOr<std::unique_ptr<TokenFile>> open(const std::string& path);
  ~TokenFile();
  TokenFile(const TokenFile&) = delete;
  TokenFile& operator=(const TokenFile&) = delete;
  const uint16_t* data() const { return data_; }
  int64_t size() const { return size_; }  // in tokens
  const std::string& path() const { return path_; }
  int max_token() const;         // largest id in the file (a full scan); -1 for an empty file
  std::string checksum() const;  // hex FNV-1a 64 of the file's bytes, header included (a full scan)
  TokenLayout layout() const { return layout_; }

 private:
  TokenFile() = default;
  std::string path_;
  const uint16_t* data_ = nullptr;  // the ids, after any header
  const char* mapping_ = nullptr;   // the whole file
  int64_t size_ = 0;
  size_t bytes_ = 0;
  TokenLayout layout_ = TokenLayout::kNanoGpt;
};

struct TokenDataset {
  std::string dir;
  DatasetMeta meta;
  std::unique_ptr<TokenFile> train, val;
  int max_token = 0;  // largest id present in train/val (checked against the model's vocab)
};

// Opens DIR/train.bin, DIR/val.bin and DIR/meta.json (meta.json optional for nanoGPT .bin files:
// then the tokenizer is assumed byte-level if all ids < 256, else GPT-2's 50257, and
// bytes_per_token is 0). Checks: both files exist and are non-empty, even byte counts, token counts
// equal meta.json's, ids below meta.json's vocab_size, and (verify_checksums) the checksums. Errors
// name the file and the fix (e.g. "run `scalelab prepare --source brown`").
absl::StatusOr<TokenDataset> open_token_dataset(const std::string& dir,
                                                bool verify_checksums = false);

absl::StatusOr<DatasetMeta> read_dataset_meta(const std::string& path);
std::string dataset_meta_to_json(const DatasetMeta& m);

// Token ids as the bytes of a token file (uint16 little-endian, after llm.c's header for kLlmc).
std::string token_file_bytes(const std::vector<uint16_t>& ids,
                             TokenLayout layout = TokenLayout::kNanoGpt);
// Writes a token file atomically.
absl::Status write_token_file(const std::string& path, const std::vector<uint16_t>& ids,
                              TokenLayout layout = TokenLayout::kNanoGpt);
}  // namespace sl
