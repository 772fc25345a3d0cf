// TokenFile: a read-only mmap of a uint16 little-endian token file; writing token files.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/files.h"
#include "core/hash.h"
#include "data/token_dataset.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "token files are little-endian uint16 and are mapped as they are");

namespace sl {
absl::StatusOr<std::unique_ptr<TokenFile>> TokenFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, " not found"));
    return absl::PermissionDeniedError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return absl::InternalError(absl::StrCat("cannot stat ", path, ": ", err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a regular file"));
  }
  const size_t bytes = static_cast<size_t>(st.st_size);
  if (bytes % 2 != 0) {
    ::close(fd);
    return absl::DataLossError(absl::StrCat(path, " has an odd number of bytes (", bytes,
                                            "): it is truncated or not a uint16 token file"));
  }
  std::unique_ptr<TokenFile> file(new TokenFile());
  file->path_ = path;
  file->bytes_ = bytes;
  file->size_ = static_cast<int64_t>(bytes / 2);
  if (bytes > 0) {
    void* p = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      std::string err = std::strerror(errno);
      ::close(fd);
      return absl::InternalError(absl::StrCat("cannot mmap ", path, ": ", err));
    }
    file->data_ = static_cast<const uint16_t*>(p);
  }
  ::close(fd);  // the mapping stays valid after close
  return file;
}

TokenFile::~TokenFile() {
  if (data_) munmap(const_cast<uint16_t*>(data_), bytes_);
}

int TokenFile::max_token() const {
  if (size_ == 0) return -1;
  return *std::max_element(data_, data_ + size_);
}

std::string TokenFile::checksum() const {
  Fnv64 h;
  if (data_) h.feed(data_, bytes_);
  return hex64(h.value());
}

std::string token_file_bytes(const std::vector<uint16_t>& ids) {
  std::string bytes(ids.size() * 2, '\0');
  for (size_t i = 0; i < ids.size(); ++i) {
    bytes[2 * i] = static_cast<char>(ids[i] & 0xff);
    bytes[2 * i + 1] = static_cast<char>(ids[i] >> 8);
  }
  return bytes;
}

absl::Status write_token_file(const std::string& path, const std::vector<uint16_t>& ids) {
  return write_file_atomic(path, token_file_bytes(ids));
}
}  // namespace sl
