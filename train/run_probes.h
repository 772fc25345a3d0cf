// `scalelab probe` on one run: load its latest checkpoint, evaluate the probe cells, and write the
// rows into RUN_DIR/probes.jsonl (rows of the same cells at the same step are replaced, others
// kept), with the same base fields the trainer writes at eval points (step, tokens, FLOPs,
// parameter counts).
#pragma once
#include <string>
#include <vector>

#include "core/status.h"
#include "probes/probe_eval.h"

namespace sl {
struct RunProbeResult {
  std::string run_dir;
  int64_t step = 0;
  std::vector<ProbeCellResult> cells;
};
absl::StatusOr<RunProbeResult> probe_run_dir(const std::string& run_dir, const ProbeConfig& config);
}  // namespace sl
