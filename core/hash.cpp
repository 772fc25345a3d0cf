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

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
}  // namespace sl
