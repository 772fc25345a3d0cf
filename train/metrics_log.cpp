#include "train/metrics_log.h"

#include <cstdint>
#include <sstream>

#include "core/files.h"
#include "core/hash.h"
#include "core/run_paths.h"

namespace sl {
absl::Status metrics_append(const std::string& path, const nlohmann::json& row) {
  return append_line(path, row.dump());
}

absl::StatusOr<std::vector<nlohmann::json>> metrics_read(const std::string& path) {
  std::vector<nlohmann::json> rows;
  if (!path_exists(path)) return rows;
  SL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  std::istringstream in(text);
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    if (line.empty()) continue;
    try {
      rows.push_back(nlohmann::json::parse(line));
    } catch (const std::exception&) {
      // Only a crash mid-append leaves a torn line, and only at the end.
      if (in.peek() != EOF) {
        return absl::DataLossError(absl::StrCat(
            path, ":", line_no,
            ": damaged row (not JSON); restore the file from a backup, or delete the run "
            "directory to train the run again"));
      }
    }
  }
  return rows;
}

std::string metrics_digest(const std::vector<nlohmann::json>& rows, int64_t last_step) {
  uint64_t h = 14695981039346656037ull;
  for (const auto& row : rows) {
    if (!row.is_object() || row.value("step", int64_t{0}) > last_step) continue;
    nlohmann::json r = row;
    r.erase("wall_s");
    r.erase("tokens_per_s");
    const std::string text = r.dump() + "\n";
    for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  }
  return hex64(h);
}

absl::StatusOr<std::vector<nlohmann::json>> metrics_read_checked(const std::string& path,
                                                                 const std::string& digest,
                                                                 int64_t last_step,
                                                                 const std::string& covered_by) {
  SL_ASSIGN_OR_RETURN(std::vector<nlohmann::json> rows, metrics_read(path));
  if (!digest.empty() && metrics_digest(rows, last_step) != digest) {
    return absl::DataLossError(absl::StrCat(
        path, " does not hold the rows ", covered_by, " records up to step ", last_step,
        ": rows are missing or altered. Restore the file from a backup, or delete the run "
        "directory to train the run again"));
  }
  return rows;
}

absl::StatusOr<std::vector<nlohmann::json>> metrics_read_run(const std::string& run_dir) {
  const RunPaths paths(run_dir);
  std::string digest;
  if (path_exists(paths.summary())) {
    auto text = read_file(paths.summary());
    const nlohmann::json s = text.ok() ? nlohmann::json::parse(*text, nullptr, false) : nullptr;
    if (s.is_object() && s.contains("metrics_digest") && s["metrics_digest"].is_string())
      digest = s["metrics_digest"].get<std::string>();
  }
  return metrics_read_checked(paths.metrics(), digest, INT64_MAX, paths.summary());
}

absl::Status metrics_truncate_after(const std::string& path, int64_t last_step) {
  SL_ASSIGN_OR_RETURN(auto rows, metrics_read(path));
  std::string kept;
  for (const auto& r : rows) {
    if (r.value("step", int64_t{0}) <= last_step) kept += r.dump() + "\n";
  }
  return write_file_atomic(path, kept);
}
}  // namespace sl
