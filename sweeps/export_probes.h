// probes.csv in `scalelab export`: the long table of every run's probes.jsonl
// (probes/probe_table.h), written only when some run of the sweep has probe results.
#pragma once
#include <string>

#include "sweeps/export.h"

namespace sl {
absl::Status write_probes_table(const SweepPlan& plan, const std::string& sweep_dir,
                                const std::string& out_dir, ExportResult* result);
}  // namespace sl
