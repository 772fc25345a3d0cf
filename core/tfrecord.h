// TFRecord framing, the container of TensorFlow's record files and TensorBoard's event files. Each
// record is
//   uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes | data |
//   uint32 masked CRC-32C of the data
// (core/crc32c.h has the mask). A file is records back to back, nothing before or between them.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sl {
// The framed record: 8 + 4 + data.size() + 4 bytes.
std::string tfrecord_frame(std::string_view data);

struct TfRecordScan {
  std::vector<std::string> records;  // the intact records, in file order
  size_t intact_bytes = 0;           // where the last intact record ends
  // What follows intact_bytes, when anything does: a record cut short (a crash mid-write) or one
  // whose CRC fails. Readers stop there, as TensorBoard's does.
  std::string damage;
};
// Reads records from the start of `file` up to its end or its first damaged record.
TfRecordScan tfrecord_scan(std::string_view file);
}  // namespace sl
