#include "core/tfrecord.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "core/crc32c.h"

namespace sl {
namespace {
void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint64_t get_le(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<uint8_t>(in[at + i])} << (8 * i);
  return v;
}
}  // namespace

std::string tfrecord_frame(std::string_view data) {
  std::string out;
  out.reserve(16 + data.size());
  put_le(out, data.size(), 8);
  put_le(out, masked_crc32c(out), 4);
  out.append(data);
  put_le(out, masked_crc32c(data), 4);
  return out;
}

TfRecordScan tfrecord_scan(std::string_view file) {
  TfRecordScan scan;
  size_t at = 0;
  while (at < file.size()) {
    const size_t left = file.size() - at;
    if (left < 12) {
      scan.damage = absl::StrFormat("a record header cut short at byte %d", at);
      break;
    }
    if (get_le(file, at + 8, 4) != masked_crc32c(file.substr(at, 8))) {
      scan.damage = absl::StrFormat("a record length failing its CRC at byte %d", at);
      break;
    }
    const uint64_t n = get_le(file, at, 8);
    if (left < 16 || n > left - 16) {
      scan.damage = absl::StrFormat("a record of %d bytes cut short at byte %d", n, at);
      break;
    }
    const std::string_view data = file.substr(at + 12, n);
    if (get_le(file, at + 12 + n, 4) != masked_crc32c(data)) {
      scan.damage = absl::StrFormat("a record failing its data CRC at byte %d", at);
      break;
    }
    scan.records.emplace_back(data);
    at += 16 + n;
    scan.intact_bytes = at;
  }
  return scan;
}
}  // namespace sl
