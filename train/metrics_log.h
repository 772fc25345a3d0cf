// metrics.jsonl: one JSON object per line, one line per logged step. On resume, rows after the
// checkpoint's step are dropped so every step appears once.
//
// A digest of the rows (timing fields aside, so an interrupted run's equals an uninterrupted one's)
// goes into each checkpoint and into summary.json: a resume, `export` and `status` check the rows
// they read against it, so a damaged or cut metrics.jsonl is reported, never plotted or fitted.
#pragma once
#include <string>
#include <vector>

#include "core/status.h"
#include "nlohmann/json.hpp"

namespace sl {
absl::Status metrics_append(const std::string& path, const nlohmann::json& row);
// Keeps rows with step <= last_step (and drops a torn last line); rewrites atomically.
absl::Status metrics_truncate_after(const std::string& path, int64_t last_step);
// All rows (a torn last line, from a crash mid-write, is skipped). A damaged line elsewhere is an
// error naming the file, the line and the fix.
absl::StatusOr<std::vector<nlohmann::json>> metrics_read(const std::string& path);
// Hex FNV-1a 64 of the rows with step <= last_step, without their timing fields (wall_s,
// tokens_per_s).
std::string metrics_digest(const std::vector<nlohmann::json>& rows, int64_t last_step = INT64_MAX);
// metrics_read, then the rows up to `last_step` checked against `digest` (skipped when empty: a
// run made before digests). `covered_by` names what holds the digest, for the error.
absl::StatusOr<std::vector<nlohmann::json>> metrics_read_checked(const std::string& path,
                                                                 const std::string& digest,
                                                                 int64_t last_step,
                                                                 const std::string& covered_by);
// A run directory's rows: checked against its summary.json's digest once it has finished (a
// summary that cannot be read is reported by whoever reads it; here the rows are read unchecked).
absl::StatusOr<std::vector<nlohmann::json>> metrics_read_run(const std::string& run_dir);
}  // namespace sl
