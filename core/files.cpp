#include "core/files.h"

#include "core/crash_points.h"
#include "core/temp_files.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sl {
namespace fs = std::filesystem;

static absl::Status errno_error(const std::string& what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

static absl::Status write_all(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno_error("cannot write", path);
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

void remove_dead_temporaries_of(const std::string& path) {
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const std::string prefix = ".tmp." + p.filename().string() + ".";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0 || atomic_write_target(name).empty()) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      fs::remove(e.path(), ec);
  }
}

absl::Status write_file_atomic(const std::string& path, const std::string& bytes) {
  fs::path p(path);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  remove_dead_temporaries_of(path);
  std::string tmp =
      (dir / (".tmp." + p.filename().string() + "." + std::to_string(::getpid()))).string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error("cannot create", tmp);
  absl::Status st = write_all(fd, bytes.data(), bytes.size(), tmp);
  if (st.ok() && ::fsync(fd) != 0) st = errno_error("cannot fsync", tmp);
  ::close(fd);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  crash_point(path, "tmp");
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return errno_error("cannot rename into", path);
  }
  crash_point(path, "renamed");
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // make the rename itself durable
    ::close(dfd);
  }
  return absl::OkStatus();
}

std::string atomic_write_target(const std::string& filename) {
  const std::string prefix = ".tmp.";
  const size_t dot = filename.rfind('.');
  if (filename.compare(0, prefix.size(), prefix) != 0 || dot == std::string::npos ||
      dot < prefix.size() + 1 || dot + 1 == filename.size() ||
      filename.find_first_not_of("0123456789", dot + 1) != std::string::npos) {
    return "";
  }
  return filename.substr(prefix.size(), dot - prefix.size());
}

RemovedFiles remove_temporaries(const std::string& dir,
                                const std::function<bool(const std::string& target)>& ours) {
  RemovedFiles removed;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string target = atomic_write_target(e.path().filename().string());
    if (target.empty() || !ours(target)) continue;
    std::error_code size_ec;
    const uintmax_t size = fs::file_size(e.path(), size_ec);
    if (fs::remove(e.path(), ec)) {
      ++removed.files;
      removed.bytes += size_ec ? 0 : size;
    }
  }
  return removed;
}

absl::StatusOr<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::Status ensure_writable_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(absl::StrCat("cannot create directory ", dir, ": ",
                                                    ec.message(),
                                                    "; choose a directory you can write to"));
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    return absl::PermissionDeniedError(absl::StrCat("directory ", dir,
                                                    " is not writable: ", std::strerror(errno),
                                                    "; choose a directory you can write to"));
  }
  return absl::OkStatus();
}

bool path_exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

absl::Status append_line(const std::string& path, const std::string& line) {
  return append_bytes(path, line + "\n");
}

absl::Status append_bytes(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error("cannot open", path);
  if (crash_point_hit(path, "torn")) {  // a power cut mid-append: half a line on disk
    (void)write_all(fd, bytes.data(), bytes.size() / 2, path);
    crash_now();
  }
  absl::Status st = write_all(fd, bytes.data(), bytes.size(), path);
  ::close(fd);
  if (st.ok()) crash_point(path, "appended");
  return st;
}
}  // namespace sl

namespace sl {
absl::Status fsync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("cannot open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? absl::OkStatus() : errno_error("cannot fsync", path);
}
}  // namespace sl
