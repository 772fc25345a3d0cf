// Learning-rate schedules as pure functions of the step, their length matched to the run's own
// budget (a schedule longer than the run biases its final loss: Hoffmann et al. 2022).
//   cosine:   linear warmup, then cosine from lr to lr * min_lr_ratio at the last step
//   wsd:      linear warmup, constant (stable), then a linear cooldown over decay_fraction of the steps
//   constant: linear warmup, then constant
#pragma once
#include <cstdint>

#include "train/train_config.h"

namespace sl {
// lr for optimizer step `step` (0-based) of a run with `total_steps` steps.
double lr_at(const OptimConfig& o, int64_t step, int64_t total_steps);
// First step of the wsd cooldown; steps before it are shared by runs that differ only in length.
int64_t wsd_decay_start(const OptimConfig& o, int64_t total_steps);
}  // namespace sl
