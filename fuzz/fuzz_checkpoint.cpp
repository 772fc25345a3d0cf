// Fuzzes the checkpoint reader's framing (train/checkpoint_frame.h). Input: a flag byte, then the
// file. With the flag's low bit set the file's checksum trailer is recomputed and appended, so the
// fuzzer reaches the header checks behind the checksum; else the bytes are taken as they are.
#include "fuzz_util.h"
#include "train/checkpoint_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sl;
  if (size < 1) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    const uint64_t h = checkpoint_hash(bytes.data(), bytes.size());
    bytes.append(reinterpret_cast<const char*>(&h), 8);
  }
  auto frame = parse_checkpoint_frame(bytes, "fuzz/checkpoint.bin");
  if (!frame.ok()) {
    fuzz::require_clear_error(frame.status(), "fuzz/checkpoint.bin");
    return 0;
  }
  // What load_checkpoint then does: copy each tensor from the payload. It must stay inside it.
  size_t offset = frame->payload_offset;
  for (const auto& [name, n] : frame->table) offset += static_cast<size_t>(n) * sizeof(float);
  if (offset > bytes.size()) std::abort();
  return 0;
}
