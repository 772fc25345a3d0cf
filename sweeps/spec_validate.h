// Step 4 of a sweep spec's expansion (sweeps/spec.h): the expanded runs checked as a whole before
// any starts: run ids (no two runs the same config), sizes and FLOPs, and with `check_data` each
// run's dataset (opened once per path): vocabulary within model.vocab, windows that fit the splits,
// and the epochs each run will make over its train tokens.
#pragma once
#include "sweeps/plan.h"
#include "sweeps/spec_parse.h"

namespace sl {
absl::Status validate_runs(const SweepSpec& spec, bool check_data, SweepPlan* plan);
}  // namespace sl
