#include "train/checkpoint.h"

#include <cstring>

#include "core/files.h"
#include "train/checkpoint_frame.h"

namespace sl {
absl::Status save_checkpoint(const std::string& path, const Checkpoint& ckpt) {
  CheckpointFrame frame{ckpt.run_id, ckpt.step, ckpt.scalars};
  std::string payload;
  for (const auto& [name, t] : ckpt.tensors) {
    auto cpu = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
    frame.table.emplace_back(name, cpu.numel());
    payload.append(static_cast<const char*>(cpu.data_ptr()), cpu.numel() * sizeof(float));
  }
  return write_file_atomic(path, encode_checkpoint_frame(frame, payload));
}

absl::StatusOr<Checkpoint> load_checkpoint(const std::string& path) {
  SL_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  SL_ASSIGN_OR_RETURN(CheckpointFrame frame, parse_checkpoint_frame(bytes, path));
  Checkpoint ckpt{frame.run_id, frame.step, frame.scalars};
  size_t offset = frame.payload_offset;
  for (const auto& [name, n] : frame.table) {
    auto tensor = torch::empty({n}, torch::kFloat);  // (n,)
    std::memcpy(tensor.data_ptr(), bytes.data() + offset, n * sizeof(float));
    offset += n * sizeof(float);
    ckpt.tensors.emplace(name, tensor);
  }
  return ckpt;
}
}  // namespace sl
