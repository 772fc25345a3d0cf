// Shared by the fuzz targets: a scratch directory of this process, inputs split into parts, and the
// check every target makes of an error: it is one a user can act on (non-empty, names its origin).
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/status.h"

namespace sl::fuzz {
// A directory for this process's files (libFuzzer's -fork/-jobs workers each get their own).
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string d =
        std::string(base && *base ? base : "/tmp") + "/scalelab_fuzz." + std::to_string(::getpid());
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

// A plain write: write_file_atomic's fsyncs would make the fuzzer disk-bound.
inline std::string scratch_file(const std::string& name, const std::string& bytes) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) std::abort();
  return path;
}

// "TEXT\n%%\nLINE\nLINE": the text, and the lines after the marker (dotted overrides).
struct TextAndLines {
  std::string text;
  std::vector<std::string> lines;
};
inline TextAndLines split_text_and_lines(const uint8_t* data, size_t size) {
  std::string all(reinterpret_cast<const char*>(data), size);
  TextAndLines out;
  const size_t mark = all.find("\n%%\n");
  out.text = all.substr(0, mark);
  if (mark == std::string::npos) return out;
  std::string rest = all.substr(mark + 4);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t nl = rest.find('\n', start);
    if (nl == std::string::npos) nl = rest.size();
    if (nl > start) out.lines.push_back(rest.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// An error must tell the user where: it names `origin` (the file) or an override.
inline void require_clear_error(const absl::Status& s, const std::string& origin) {
  const std::string m(s.message());
  if (m.empty() ||
      (m.find(origin) == std::string::npos && m.find("override") == std::string::npos)) {
    std::fprintf(stderr, "error without its origin (%s): '%s'\n", origin.c_str(), m.c_str());
    std::abort();
  }
}
}  // namespace sl::fuzz
