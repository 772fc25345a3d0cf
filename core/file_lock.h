// An exclusive advisory lock on a file (flock(2)), held while the object lives. The kernel drops it
// when the process dies, however it dies, so a lock is never stale. The file keeps "host pid N" of
// the last holder, to name it when another process is refused.
#pragma once
#include <string>

#include "core/status.h"

namespace sl {
class FileLock {
 public:
  // The lock, or FailedPrecondition naming the holder ("host pid N") when another process has it.
  static absl::StatusOr<FileLock> try_acquire(const std::string& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};
}  // namespace sl
