// Checkpoints: everything a run needs to continue exactly where it stopped. One file, written
// atomically (temp, fsync, rename), with a checksum over all of it (header included: an edited step
// or tensor table is as corrupt as a flipped weight), so a torn or corrupted file is detected and
// reported, never silently used.
//
// The layout and its checks are train/checkpoint_frame.h (torch-free, fuzzed): a magic, the header
// JSON (run id, step, scalars, each tensor's name and length), the float32 payload, a hash of it all.
// Files of the older layout "SLCKPT01" still load, so runs checkpointed by an earlier build resume.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>

#include "core/status.h"
#include "nlohmann/json.hpp"

namespace sl {
struct Checkpoint {
  std::string run_id;      // must match the run resuming from it
  int64_t step = 0;        // optimizer steps completed (the data position follows from it)
  nlohmann::json scalars;  // loss accumulator, wall time, best val loss, ...
  std::map<std::string, torch::Tensor> tensors;  // float32, 1-D (params, exp_avg, exp_avg_sq)
};

absl::Status save_checkpoint(const std::string& path, const Checkpoint& ckpt);
// Errors: missing file, bad magic, truncated, checksum mismatch (names the file and says to delete
// it to restart the run from scratch, or to restore a backup).
absl::StatusOr<Checkpoint> load_checkpoint(const std::string& path);
}  // namespace sl
