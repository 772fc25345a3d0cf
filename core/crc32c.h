// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF),
// by a 256-entry table, and the masked form TFRecord files store (TensorFlow's crc32c::Mask):
// ((crc >> 15) | (crc << 17)) + 0xa282ead8, so a CRC of data that holds CRCs is not degenerate.
// crc32c("123456789") == 0xE3069283.
#pragma once
#include <cstdint>
#include <string_view>

namespace sl {
// `crc` continues an earlier call: crc32c(a + b) == crc32c(b, crc32c(a)).
uint32_t crc32c(std::string_view data, uint32_t crc = 0);
uint32_t crc32c_mask(uint32_t crc);
uint32_t crc32c_unmask(uint32_t masked);
inline uint32_t masked_crc32c(std::string_view data) { return crc32c_mask(crc32c(data)); }
}  // namespace sl
