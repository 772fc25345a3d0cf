// The checkpoint file's framing, without torch: the bytes of a checkpoint from its header fields and
// payload, and the checks that turn a file's bytes back into them. train/checkpoint.h puts tensors
// on top; the fuzz target fuzz/fuzz_checkpoint.cpp attacks this part alone.
//
// Layout: "SLCKPT02" | u64 header length | header JSON | payload (raw float32 tensors, in header
// order) | u64 hash of every byte before it. Files of the older layout "SLCKPT01" (no trailer; the
// hash in the header covers the payload only) still parse.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "nlohmann/json.hpp"

namespace sl {
struct CheckpointFrame {
  std::string run_id;
  int64_t step = 0;
  nlohmann::json scalars = nlohmann::json::object();
  std::vector<std::pair<std::string, int64_t>>
      table;                  // tensor name, float32 count, in payload order
  size_t payload_offset = 0;  // where the payload starts in the bytes
};

// The file's bytes: header from `frame` (payload_offset ignored), then `payload`, then the hash.
std::string encode_checkpoint_frame(const CheckpointFrame& frame, const std::string& payload);
// Every check short of building tensors: magic, lengths, checksum, header fields and types, a
// tensor table that adds up to the payload, names unique, step not negative. Errors are DataLoss,
// name `path` and say what to do.
absl::StatusOr<CheckpointFrame> parse_checkpoint_frame(const std::string& bytes,
                                                       const std::string& path);
// The checksum the file carries (exposed for tests that build files of the older layout).
uint64_t checkpoint_hash(const char* data, size_t n);
}  // namespace sl
