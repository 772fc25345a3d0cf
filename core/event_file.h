// Event files in a directory, as TensorBoard reads them (and W&B's TensorBoard sync, which reads
// them the same way): DIR/events.out.tfevents.<unix seconds, 10 digits>.<hostname>, each a file of
// TFRecords (core/tfrecord.h) holding Event protocol buffers (core/tfevents.h), the first of them
// the file version "brain.Event:2". TensorBoard reads every such file in a directory in name
// order and merges them into one run, so each session of a training run writes a file of its own.
//
// A crash cannot leave a record that breaks a reader: every record goes to the file in one
// write(2) on an O_APPEND descriptor, and a file is only ever appended to by the session that made
// it, so the worst a crash (or a power cut) leaves is a torn last record, which TensorBoard's
// reader stops at before it moves on to the next file. trim_event_files removes torn records.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tfevents.h"

namespace sl {
class EventFileWriter {
 public:
  // A new event file in `dir` (created if missing), its file-version event written. Its name's
  // second is now or, when `dir` already has a file of that second or later, the second after the
  // last one there: names stay unique and sort in the order the files were written.
  static absl::StatusOr<EventFileWriter> create(const std::string& dir);
  // Appends one event as one record (one write(2)).
  absl::Status write(const TfEvent& e) const;
  // fsync: the events written so far survive a power cut.
  absl::Status sync() const;
  const std::string& path() const { return path_; }

 private:
  explicit EventFileWriter(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// The event files in `dir` (none when it is missing), full paths, in TensorBoard's read order.
std::vector<std::string> event_files(const std::string& dir);

// Makes the event files in `dir` agree with a run resumed at `last_step`: events with a step past
// it (logged after the checkpoint by a session that died) and any damaged tail are dropped, each
// changed file rewritten atomically, a file left with no summary events removed, and temporary
// files of an interrupted rewrite deleted. Returns the largest step of a summary event kept, -1
// when there is none.
absl::StatusOr<int64_t> trim_event_files(const std::string& dir, int64_t last_step);

// Unix time now, in seconds: an event's wall_time.
double unix_seconds_now();
}  // namespace sl
