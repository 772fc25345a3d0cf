// `train.log: tensorboard`: every metrics row also goes to RUN_DIR/tensorboard/ as TensorBoard
// scalars (core/event_file.h), step = the optimizer step. The scalars are the row's train_loss,
// val_loss and val_bpb (at eval points), lr, grad_norm, tokens_per_s and tokens (tokens seen), as
// float32. Each session writes a new event file; TensorBoard merges a run's files.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/event_file.h"
#include "core/status.h"
#include "nlohmann/json.hpp"

namespace sl {
// The scalars of one metrics row, in the order above; a field the row lacks, or holds as null
// (a non-finite value read back from metrics.jsonl), is left out.
std::vector<std::pair<std::string, float>> tensorboard_scalars(const nlohmann::json& row);

class TensorboardLog {
 public:
  // For a session resuming at `step`, after metrics.jsonl (at `metrics_path`) has been cut back
  // to it: trims the event files in `dir` to `step` (trim_event_files), opens this session's
  // file, marks the restart (SessionLog START at step + 1, so a TensorBoard that had read rows a
  // killed session logged past the checkpoint drops them), and writes every metrics row past the
  // event files' last step (a branch's rows copied from its source, or a run that turned the log
  // on when resumed), so the event files always hold exactly metrics.jsonl's rows.
  static absl::StatusOr<TensorboardLog> open(const std::string& dir,
                                             const std::string& metrics_path, int64_t step);
  absl::Status write_row(const nlohmann::json& row) const;
  absl::Status sync() const { return file_.sync(); }

 private:
  explicit TensorboardLog(EventFileWriter file) : file_(std::move(file)) {}
  EventFileWriter file_;
};
}  // namespace sl
