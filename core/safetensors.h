// Writing Hugging Face's safetensors format, the weights file that PyTorch, JAX and most loaders
// read without unpickling anything. A file is:
//   u64 little-endian N | N bytes of JSON header | the tensors' raw bytes, back to back
// The header maps each tensor's name to {"dtype", "shape", "data_offsets": [begin, end)} (offsets
// into the data section, which starts right after the header) and "__metadata__" to an object of
// strings. The header is padded with spaces so that the data starts at a multiple of 8 bytes.
// Tensors are laid out in the order given, without gaps, as safetensors' own reader requires.
// No torch here: the caller hands over row-major little-endian bytes (model/nanogpt_layout.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace sl {
struct SafetensorsTensor {
  std::string name;
  std::string dtype;  // F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL
  std::vector<int64_t> shape;
  const void* data = nullptr;  // row-major, little-endian; not owned, read during the call
  size_t bytes = 0;            // must be the product of the shape times the element size
};

// The whole file's bytes. Errors (InvalidArgument, naming the tensor): an empty or duplicate name,
// the name "__metadata__", an unknown dtype, a negative dimension, a byte count that does not match
// the shape, text that is not UTF-8.
absl::StatusOr<std::string> encode_safetensors(const std::vector<SafetensorsTensor>& tensors,
                                               const std::map<std::string, std::string>& metadata);

// encode_safetensors, then write_file_atomic (core/files.h): a reader never sees half a file.
absl::Status write_safetensors(const std::string& path,
                               const std::vector<SafetensorsTensor>& tensors,
                               const std::map<std::string, std::string>& metadata);

// Bytes per element of a dtype name, 0 for an unknown one.
size_t safetensors_dtype_size(const std::string& dtype);
}  // namespace sl
