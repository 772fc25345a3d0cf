// File helpers. Anything a crash must not corrupt (checkpoints, summaries, configs) is written with
// write_file_atomic: temp file in the same directory, fsync, rename, fsync of the directory.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"

namespace sl {
absl::Status write_file_atomic(const std::string& path, const std::string& bytes);
// The file that a temporary file of write_file_atomic (".tmp.<name>.<pid>") was to become, "" if
// `filename` is not one: a killed write leaves it behind.
std::string atomic_write_target(const std::string& filename);
// Removes the temporary files that killed writes left in `dir`: those of write_file_atomic whose
// target name `ours` accepts. Only for a directory the caller holds a lock on (a live writer's
// temporary would go too). Returns how many files and bytes went.
struct RemovedFiles {
  int files = 0;
  uintmax_t bytes = 0;
};
RemovedFiles remove_temporaries(const std::string& dir,
                                const std::function<bool(const std::string& target)>& ours);
absl::StatusOr<std::string> read_file(const std::string& path);
// Creates the directory and its parents; checks that we can write into it.
absl::Status ensure_writable_dir(const std::string& dir);
bool path_exists(const std::string& path);
// Appends one line (a '\n' is added) and flushes it to disk.
absl::Status append_line(const std::string& path, const std::string& line);
// Appends `bytes` in one write(2) on an O_APPEND descriptor (more only if the kernel writes less):
// a process killed mid-append can leave only that last append cut short, at the file's end.
absl::Status append_bytes(const std::string& path, const std::string& bytes);
}  // namespace sl

namespace sl {
// fsync an existing file (e.g. metrics.jsonl before the checkpoint that covers its rows).
absl::Status fsync_path(const std::string& path);
}  // namespace sl
