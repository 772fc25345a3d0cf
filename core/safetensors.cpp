#include "core/safetensors.h"

#include <set>

#include "core/files.h"
#include "nlohmann/json.hpp"

namespace sl {
using json = nlohmann::json;

size_t safetensors_dtype_size(const std::string& dtype) {
  static const std::map<std::string, size_t> sizes{{"F64", 8},  {"F32", 4}, {"F16", 2}, {"I64", 8},
                                                   {"I32", 4},  {"I16", 2}, {"I8", 1},  {"U8", 1},
                                                   {"BOOL", 1}, {"BF16", 2}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

static absl::Status check_tensor(const SafetensorsTensor& t, std::set<std::string>& seen) {
  if (t.name.empty()) return absl::InvalidArgumentError("safetensors: a tensor has no name");
  if (t.name == "__metadata__" || !seen.insert(t.name).second) {
    return absl::InvalidArgumentError(
        absl::StrCat("safetensors: tensor name '", t.name, "' is reserved or used twice"));
  }
  const size_t elem = safetensors_dtype_size(t.dtype);
  if (elem == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("safetensors: tensor '", t.name, "' has unknown dtype '", t.dtype, "'"));
  }
  uint64_t count = 1;
  for (int64_t d : t.shape) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("safetensors: tensor '", t.name, "' has a negative dimension"));
    }
    count *= static_cast<uint64_t>(d);
  }
  if (count * elem != t.bytes || (t.bytes > 0 && t.data == nullptr)) {
    return absl::InvalidArgumentError(absl::StrCat("safetensors: tensor '", t.name, "' has ",
                                                   t.bytes, " bytes, its shape needs ",
                                                   count * elem));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> encode_safetensors(const std::vector<SafetensorsTensor>& tensors,
                                               const std::map<std::string, std::string>& metadata) {
  std::set<std::string> seen;
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    SL_RETURN_IF_ERROR(check_tensor(t, seen));
    header[t.name] = {
        {"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes}}};
    offset += t.bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("safetensors: header: ", e.what()));
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::string out;
  out.reserve(8 + text.size() + offset);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
  out += text;
  for (const auto& t : tensors) {
    if (t.bytes > 0) out.append(static_cast<const char*>(t.data), t.bytes);
  }
  return out;
}

absl::Status write_safetensors(const std::string& path,
                               const std::vector<SafetensorsTensor>& tensors,
                               const std::map<std::string, std::string>& metadata) {
  SL_ASSIGN_OR_RETURN(std::string bytes, encode_safetensors(tensors, metadata));
  return write_file_atomic(path, bytes);
}
}  // namespace sl
