// The Event protocol buffer of TensorBoard's event files, hand-encoded for the fields scalars need
// (tensorboard/compat/proto/event.proto and summary.proto):
//   Event      { double wall_time = 1; int64 step = 2;
//                oneof what { string file_version = 3; Summary summary = 5;
//                             SessionLog session_log = 7; } }
//   Summary    { repeated Value value = 1; }
//   Value      { string tag = 1; float simple_value = 2; }
//   SessionLog { SessionStatus status = 1; }   (START = 1)
// Encoding writes proto3's canonical bytes (fields in number order, zeros left out); decoding
// skips fields it does not know, so it reads any Event.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sl {
// What every event file opens with.
inline constexpr std::string_view kEventFileVersion = "brain.Event:2";

struct TfEvent {
  double wall_time = 0;  // seconds since the Unix epoch
  int64_t step = 0;
  // The oneof: at most one of these is set (encode_event writes the first one set).
  std::string file_version;
  bool session_start = false;  // SessionLog START: readers drop earlier events at >= step
  std::vector<std::pair<std::string, float>> scalars;  // Summary values: tag, simple_value
};

std::string encode_event(const TfEvent& e);
// Errors on bytes that are not a protocol buffer (a truncated field, a bad wire type).
absl::StatusOr<TfEvent> decode_event(std::string_view bytes);
}  // namespace sl
