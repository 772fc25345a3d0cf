// Learning-rate schedules as pure functions of the step, their length matched to the run's own
// budget (a schedule longer than the run biases its final loss: Hoffmann et al. 2022).
//   cosine:   linear warmup, then cosine from lr to lr * min_lr_ratio at the last step
//   wsd:      linear warmup, constant (stable), then a linear cooldown over decay_fraction of
//             the steps
//   constant: linear warmup, then constant
// Warmup: warmup_fraction of the run's steps, or optim.warmup_tokens (whole steps, rounded up) when
// set.
#pragma once
#include <cstdint>

#include "train/train_config.h"

namespace sl {
// lr for optimizer step `step` (0-based) of a run with `total_steps` steps, warmup from
// warmup_fraction.
double lr_at(const OptimConfig& o, int64_t step, int64_t total_steps);
// The same with an explicit warmup length in steps.
double lr_at_with_warmup(const OptimConfig& o, int64_t step, int64_t total_steps,
                         int64_t warmup_steps);
// Warmup steps of a run: ceil(warmup_tokens / tokens_per_step) when warmup_tokens > 0, else
// round(warmup_fraction * total_steps).
int64_t warmup_steps(const OptimConfig& o, int64_t total_steps, int64_t tokens_per_step);
// lr for step `step` of the run `c` (its total steps, tokens per step and warmup): what the trainer
// uses.
double lr_at(const TrainConfig& c, int64_t step);
// First step of the wsd cooldown; steps before it are shared by runs that differ only in length.
int64_t wsd_decay_start(const OptimConfig& o, int64_t total_steps);
}  // namespace sl
