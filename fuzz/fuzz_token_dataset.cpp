// Fuzzes the dataset reader (data/token_dataset.h): meta.json, train.bin and val.bin as `prepare`
// or a nanoGPT directory leaves them. Input: u16 length L, L bytes of meta.json (absent when L is
// 0xffff), then the token bytes, the first half train.bin and the rest val.bin.
#include <cstring>

#include "data/token_dataset.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sl;
  if (size < 2) return 0;
  uint16_t meta_len;
  std::memcpy(&meta_len, data, 2);
  const bool has_meta = meta_len != 0xffff;
  const size_t m = has_meta ? std::min<size_t>(meta_len, size - 2) : 0;
  const std::string meta(reinterpret_cast<const char*>(data) + 2, m);
  const std::string tokens(reinterpret_cast<const char*>(data) + 2 + m, size - 2 - m);
  const std::string dir = fuzz::scratch_dir() + "/data";
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir + "/meta.json");
  if (has_meta) fuzz::scratch_file("data/meta.json", meta);
  fuzz::scratch_file("data/train.bin", tokens.substr(0, tokens.size() / 2));
  fuzz::scratch_file("data/val.bin", tokens.substr(tokens.size() / 2));
  auto ds = open_token_dataset(dir, /*verify_checksums=*/true);
  if (!ds.ok()) {
    fuzz::require_clear_error(ds.status(), dir);
    return 0;
  }
  // What training relies on: every id is below the vocabulary the model will be checked against.
  for (const TokenFile* f : {ds->train.get(), ds->val.get()}) {
    for (int64_t i = 0; i < f->size(); ++i)
      if (f->data()[i] > ds->max_token || static_cast<int>(f->data()[i]) >= ds->meta.vocab_size)
        std::abort();
  }
  return 0;
}
