// Learning-rate schedules: warmup, peak, floor at the last step, WSD's stable phase and cooldown.
#include "train/schedule.h"

#include <gtest/gtest.h>

namespace sl {
namespace {
TEST(Schedule, CosineWarmsUpThenReachesTheFloorAtTheLastStep) {
  OptimConfig o;
  o.lr = 1.0;
  o.min_lr_ratio = 0.1;
  o.warmup_fraction = 0.1;
  o.schedule = "cosine";
  const int64_t total = 100;
  EXPECT_DOUBLE_EQ(lr_at(o, 0, total), 0.1);   // 1/10 of the warmup
  EXPECT_DOUBLE_EQ(lr_at(o, 9, total), 1.0);   // end of warmup
  EXPECT_DOUBLE_EQ(lr_at(o, 10, total), 1.0);  // cosine starts at the peak
  EXPECT_NEAR(lr_at(o, 99, total), 0.1, 1e-12);
  EXPECT_NEAR(lr_at(o, 10 + 89 / 2.0, total), 0.55,
              0.01);  // halfway: the midpoint of peak and floor
  for (int64_t s = 10; s < 99; ++s) EXPECT_GE(lr_at(o, s, total), lr_at(o, s + 1, total));
}

TEST(Schedule, WsdIsFlatThenDecaysLinearly) {
  OptimConfig o;
  o.lr = 2.0;
  o.min_lr_ratio = 0.0;
  o.warmup_fraction = 0.0;
  o.decay_fraction = 0.2;
  o.schedule = "wsd";
  const int64_t total = 50;
  EXPECT_EQ(wsd_decay_start(o, total), 40);
  for (int64_t s = 0; s < 40; ++s) EXPECT_DOUBLE_EQ(lr_at(o, s, total), 2.0);
  EXPECT_DOUBLE_EQ(lr_at(o, 40, total), 2.0 - 2.0 / 10);
  EXPECT_DOUBLE_EQ(lr_at(o, 49, total), 0.0);
}

TEST(Schedule, ConstantAfterWarmup) {
  OptimConfig o;
  o.lr = 3.0;
  o.warmup_fraction = 0.5;
  o.schedule = "constant";
  EXPECT_DOUBLE_EQ(lr_at(o, 0, 4), 1.5);
  EXPECT_DOUBLE_EQ(lr_at(o, 3, 4), 3.0);
}
}  // namespace
}  // namespace sl
