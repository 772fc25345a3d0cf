// Tables printed by the CLI: the dry run's plan and `scalelab status`.
#pragma once
#include <string>

#include "core/status.h"
#include "sweeps/estimate.h"
#include "sweeps/spec.h"

namespace sl {
// One row per run: shape, N (non-embedding and total), D, C (the spec's convention), tokens per
// parameter, epochs, estimated time (when `est` is given), branching; then totals.
std::string plan_table(const SweepPlan& plan, const TimeEstimate* est);
// `scalelab status SWEEP_DIR`: state, progress, losses and ETA of every run.
absl::StatusOr<std::string> status_table(const std::string& sweep_dir);
}  // namespace sl
