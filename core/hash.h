// Hashes: FNV-1a 64 for checksums of files and short ids of configs. Not cryptographic.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sl {
// Streaming FNV-1a over bytes; feed() may be called repeatedly.
struct Fnv64 {
  uint64_t h = 14695981039346656037ull;  // FNV offset basis
  void feed(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 1099511628211ull;
    }
  }
  uint64_t value() const { return h; }
};

uint64_t hash_bytes(const void* data, size_t n);
// The splitmix64 finaliser (Steele et al.): a bijective 64-bit mix, the source of all sampling
// (windows, splits, probe instances).
uint64_t splitmix64(uint64_t x);
// 16 lowercase hex digits.
std::string hex64(uint64_t v);
// First `digits` hex digits of the hash of `text`: the short id used in run directories.
std::string short_hash(std::string_view text, int digits = 8);
}  // namespace sl
