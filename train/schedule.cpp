#include "train/schedule.h"

#include <algorithm>
#include <cmath>

namespace sl {
int64_t wsd_decay_start(const OptimConfig& o, int64_t total_steps) {
  int64_t decay = std::max<int64_t>(1, std::llround(o.decay_fraction * total_steps));
  return std::max<int64_t>(0, total_steps - decay);
}

int64_t warmup_steps(const OptimConfig& o, int64_t total_steps, int64_t tokens_per_step) {
  if (o.warmup_tokens > 0 && tokens_per_step > 0)
    return (o.warmup_tokens + tokens_per_step - 1) / tokens_per_step;
  return std::llround(o.warmup_fraction * total_steps);
}

double lr_at(const OptimConfig& o, int64_t step, int64_t total_steps) {
  return lr_at_with_warmup(o, step, total_steps, std::llround(o.warmup_fraction * total_steps));
}

double lr_at(const TrainConfig& c, int64_t step) {
  const int64_t total = c.total_steps();
  return lr_at_with_warmup(c.optim, step, total, warmup_steps(c.optim, total, c.tokens_per_step()));
}

double lr_at_with_warmup(const OptimConfig& o, int64_t step, int64_t total_steps, int64_t warmup) {
  const double min_lr = o.lr * o.min_lr_ratio;
  if (step < warmup) return o.lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
  if (o.schedule == "constant") return o.lr;
  if (o.schedule == "wsd") {
    const int64_t start = std::max(warmup, wsd_decay_start(o, total_steps));
    if (step < start) return o.lr;
    // Linear from lr at `start` to min_lr at the last step.
    double t = static_cast<double>(step - start + 1) / static_cast<double>(total_steps - start);
    return o.lr + (min_lr - o.lr) * std::min(1.0, t);
  }
  // cosine over the steps after warmup, reaching min_lr at the last step.
  const int64_t span = std::max<int64_t>(1, total_steps - 1 - warmup);
  double t = std::min(1.0, static_cast<double>(step - warmup) / static_cast<double>(span));
  return min_lr + 0.5 * (o.lr - min_lr) * (1.0 + std::cos(M_PI * t));
}
}  // namespace sl
