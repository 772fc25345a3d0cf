#include "core/hash.h"

#include <cstdio>

namespace sl {
uint64_t hash_bytes(const void* data, size_t n) {
  Fnv64 f;
  f.feed(data, n);
  return f.value();
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string short_hash(std::string_view text, int digits) {
  return hex64(hash_bytes(text.data(), text.size())).substr(0, digits);
}
}  // namespace sl
