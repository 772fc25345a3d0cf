// The report's probe table: probes.csv is long (one row per run, step, cell, template and metric:
// thousands of rows for a small sweep); a reader wants each run's last eval point, one row per
// task, difficulty and shot count, the metrics side by side (averaged over templates).
#pragma once
#include <string>
#include <vector>

#include "core/status.h"
#include "fit/csv_table.h"

namespace sl {
struct ProbeSummary {
  std::vector<std::string> header;  // run_id, params, tokens, task, difficulty, shots, metrics...
  std::vector<std::vector<std::string>> rows;  // sorted by params, run_id, task, difficulty, shots
};

// An error names the file and the column it lacks.
absl::StatusOr<ProbeSummary> summarize_probes(const CsvTable& probes);
}  // namespace sl
