// metrics.jsonl: one JSON object per line, one line per logged step. On resume, rows after the
// checkpoint's step are dropped so every step appears once.
#pragma once
#include <string>

#include "core/status.h"
#include "nlohmann/json.hpp"

namespace sl {
absl::Status metrics_append(const std::string& path, const nlohmann::json& row);
// Keeps rows with step <= last_step (and drops a torn last line); rewrites atomically.
absl::Status metrics_truncate_after(const std::string& path, int64_t last_step);
// All rows (a torn last line, from a crash mid-write, is skipped).
absl::StatusOr<std::vector<nlohmann::json>> metrics_read(const std::string& path);
}  // namespace sl
