// TokenFile: a read-only mmap of a uint16 little-endian token file (nanoGPT's bare array or after
// llm.c's header); writing token files in either layout.
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
  int32_t header[3] = {0, 0, 0};
  const bool llmc =
      bytes >= kLlmcHeaderBytes &&
      ::pread(fd, header, sizeof(header), 0) == static_cast<ssize_t>(sizeof(header)) &&
      header[0] == kLlmcMagic;
  if (llmc && header[1] != kLlmcVersion) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(
        path, " has llm.c's header with version ", header[1], ": only version ", kLlmcVersion,
        " (uint16 token ids) is read; llm.c's version 2 holds uint32 ids, beyond uint16"));
  }
  if (llmc && kLlmcHeaderBytes + 2 * static_cast<size_t>(header[2]) != bytes) {
    ::close(fd);
    return absl::DataLossError(absl::StrCat(path, " has llm.c's header for ", header[2],
                                            " tokens (", kLlmcHeaderBytes + 2 * size_t(header[2]),
                                            " bytes) but is ", bytes,
                                            " bytes: it is truncated or was written incompletely"));
  }
  if (bytes % 2 != 0) {
    ::close(fd);
    return absl::DataLossError(absl::StrCat(path, " has an odd number of bytes (", bytes,
                                            "): it is truncated or not a uint16 token file"));
  }
  std::unique_ptr<TokenFile> file(new TokenFile());
  file->path_ = path;
  file->bytes_ = bytes;
  file->layout_ = llmc ? TokenLayout::kLlmc : TokenLayout::kNanoGpt;
  const size_t offset = llmc ? kLlmcHeaderBytes : 0;
  file->size_ = static_cast<int64_t>((bytes - offset) / 2);
  if (bytes > 0) {
    void* p = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      std::string err = std::strerror(errno);
      ::close(fd);
      return absl::InternalError(absl::StrCat("cannot mmap ", path, ": ", err));
    }
    file->mapping_ = static_cast<const char*>(p);
    file->data_ = reinterpret_cast<const uint16_t*>(file->mapping_ + offset);
  }
  ::close(fd);  // the mapping stays valid after close
  return file;
}

TokenFile::~TokenFile() {
  if (mapping_) munmap(const_cast<char*>(mapping_), bytes_);
}

int TokenFile::max_token() const {
  if (size_ == 0) return -1;
  return *std::max_element(data_, data_ + size_);
}

std::string TokenFile::checksum() const {
  Fnv64 h;
  if (mapping_) h.feed(mapping_, bytes_);
  return hex64(h.value());
}

const char* token_layout_name(TokenLayout layout) {
  return layout == TokenLayout::kLlmc ? "llmc-uint16" : "uint16-le";
}

std::string token_file_bytes(const std::vector<uint16_t>& ids, TokenLayout layout) {
  const size_t offset = layout == TokenLayout::kLlmc ? kLlmcHeaderBytes : 0;
  std::string bytes(offset + ids.size() * 2, '\0');
  if (layout == TokenLayout::kLlmc) {
    int32_t header[256] = {kLlmcMagic, kLlmcVersion, static_cast<int32_t>(ids.size())};
    std::memcpy(bytes.data(), header, sizeof(header));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    bytes[offset + 2 * i] = static_cast<char>(ids[i] & 0xff);
    bytes[offset + 2 * i + 1] = static_cast<char>(ids[i] >> 8);
  }
  return bytes;
}

absl::Status write_token_file(const std::string& path, const std::vector<uint16_t>& ids,
                              TokenLayout layout) {
  return write_file_atomic(path, token_file_bytes(ids, layout));
}
}  // namespace sl
