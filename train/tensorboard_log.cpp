#include "train/tensorboard_log.h"

#include "train/metrics_log.h"

namespace sl {
std::vector<std::pair<std::string, float>> tensorboard_scalars(const nlohmann::json& row) {
  std::vector<std::pair<std::string, float>> out;
  for (const char* key :
       {"train_loss", "val_loss", "val_bpb", "lr", "grad_norm", "tokens_per_s", "tokens"}) {
    const auto it = row.find(key);
    if (it != row.end() && it->is_number()) out.emplace_back(key, it->get<float>());
  }
  return out;
}

absl::StatusOr<TensorboardLog> TensorboardLog::open(const std::string& dir,
                                                    const std::string& metrics_path, int64_t step) {
  SL_ASSIGN_OR_RETURN(const int64_t logged, trim_event_files(dir, step));
  SL_ASSIGN_OR_RETURN(EventFileWriter file, EventFileWriter::create(dir));
  TensorboardLog log(std::move(file));
  TfEvent start;
  start.wall_time = unix_seconds_now();
  start.step = step + 1;
  start.session_start = true;
  SL_RETURN_IF_ERROR(log.file_.write(start));
  SL_ASSIGN_OR_RETURN(const auto rows, metrics_read(metrics_path));
  for (const auto& row : rows) {
    if (row.value("step", int64_t{0}) > logged) SL_RETURN_IF_ERROR(log.write_row(row));
  }
  return log;
}

absl::Status TensorboardLog::write_row(const nlohmann::json& row) const {
  TfEvent e;
  e.wall_time = unix_seconds_now();
  e.step = row.value("step", int64_t{0});
  e.scalars = tensorboard_scalars(row);
  return file_.write(e);
}
}  // namespace sl
