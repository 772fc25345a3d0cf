// `scalelab export SWEEP_DIR [--out DIR]`: the tables scaling laws are fitted from (docs/sweeps.md
// lists the columns; docs/fit.md says which ones `scalelab fit` reads).
//   summary.csv  one row per planned run (finished or not: status and reason say which)
//   curves.csv   one row per logged point of every run
// Plain RFC 4180 CSV with a header row (pandas.read_csv reads it as it is).
#pragma once
#include <string>
#include <vector>

#include "core/csv.h"
#include "core/status.h"
#include "sweeps/spec.h"

namespace sl {
struct ExportResult {
  std::string out_dir;
  std::vector<std::string> files;
  int runs = 0, done = 0, curve_rows = 0;
};

// Writes every table into out_dir (default SWEEP_DIR/export).
absl::StatusOr<ExportResult> export_sweep(const std::string& sweep_dir,
                                          const std::string& out_dir = "");

// Each table is one writer; a new table (e.g. probes.csv) is one more function with this signature,
// added to export_table_writers() in export.cpp.
using ExportTableWriter = absl::Status (*)(const SweepPlan& plan, const std::string& sweep_dir,
                                           const std::string& out_dir, ExportResult* result);
}  // namespace sl
