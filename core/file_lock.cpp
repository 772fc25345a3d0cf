#include "core/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/files.h"

namespace sl {
absl::StatusOr<FileLock> FileLock::try_acquire(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return absl::InternalError(
        absl::StrCat("cannot open lock file ", path, ": ", std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err != EWOULDBLOCK) {
      return absl::InternalError(
          absl::StrCat("cannot lock ", path, ": ", std::strerror(err),
                       "; the filesystem may not support flock: use a run directory on a "
                       "local disk"));
    }
    auto holder = read_file(path);
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is locked by another process (",
                     holder.ok() ? absl::StripAsciiWhitespace(*holder) : "unknown", ")"));
  }
  char host[256] = "?";
  ::gethostname(host, sizeof host - 1);
  const std::string me = absl::StrCat(host, " pid ", ::getpid(), "\n");
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, me.data(), me.size(), 0);
  return FileLock(fd);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}
}  // namespace sl
