// Checkpoints: everything a run needs to continue exactly where it stopped. One file, written
// atomically (temp, fsync, rename), with a checksum over all of it (header included: an edited step
// or tensor table is as corrupt as a flipped weight), so a torn or corrupted file is detected and
// reported, never silently used.
//
// Layout: "SLCKPT02" | u64 header length | header JSON | payload (raw float32 tensors, in header
// order)
//         | u64 hash of every byte before it
// The header holds the run id it belongs to, the step, scalars and each tensor's name and length.
// Files of the older layout "SLCKPT01" (no trailer; the hash in the header covers the payload only)
// still load, so runs checkpointed by an earlier build resume.
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

// The checksum the file carries (exposed for tests that build files of the older layout).
uint64_t checkpoint_hash(const char* data, size_t n);
}  // namespace sl
