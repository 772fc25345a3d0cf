// Step 3 of a sweep spec's expansion (sweeps/spec.h), with share_stable_phase: true under the WSD
// schedule: runs equal but for their token budget D share one stable phase. The longest of each
// group trains from step 0 and keeps a checkpoint copy where each shorter run's cooldown (or
// warmup's end) begins; the shorter runs branch from those copies. Their warmups are made the same
// absolute length (the shortest run's fraction) unless the config sets optim.warmup_tokens.
#pragma once
#include "sweeps/plan.h"
#include "sweeps/spec_parse.h"

namespace sl {
absl::Status share_stable_phases(const SweepSpec& spec, SweepPlan* plan);
}  // namespace sl
