// write_probes_table: an ExportTableWriter for probes.csv.
#include "sweeps/export_probes.h"

#include <filesystem>

#include "probes/probe_table.h"

namespace sl {
absl::Status write_probes_table(const SweepPlan& /*plan*/, const std::string& sweep_dir,
                                const std::string& out_dir, ExportResult* result) {
  auto rows = read_probe_rows(sweep_dir);
  if (absl::IsNotFound(rows.status()))
    return absl::OkStatus();  // a sweep without probes has no probes.csv
  if (!rows.ok()) return rows.status();
  const std::string path = (std::filesystem::path(out_dir) / "probes.csv").string();
  SL_RETURN_IF_ERROR(export_probes_csv(sweep_dir, path));
  result->files.push_back(path);
  return absl::OkStatus();
}
}  // namespace sl
