#include "train/metrics_log.h"

#include <sstream>

#include "core/files.h"

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
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      rows.push_back(nlohmann::json::parse(line));
    } catch (const std::exception&) {
      // Only a crash mid-append leaves a torn line, and only at the end.
      if (in.peek() != EOF)
        return absl::DataLossError(absl::StrCat(path, ": unreadable line: ", line));
    }
  }
  return rows;
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
