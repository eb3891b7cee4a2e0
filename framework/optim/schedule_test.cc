#include "framework/optim/schedule.h"

#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(ScheduleTest, Constant) {
  ConstantSchedule s(0.3f);
  EXPECT_FLOAT_EQ(s.LearningRate(0), 0.3f);
  EXPECT_FLOAT_EQ(s.LearningRate(123456), 0.3f);
}

TEST(ScheduleTest, StepDecay) {
  StepSchedule s(0.1f, /*step_size=*/3, /*gamma=*/0.5f);
  EXPECT_FLOAT_EQ(s.LearningRate(0), 0.1f);
  EXPECT_FLOAT_EQ(s.LearningRate(2), 0.1f);
  EXPECT_FLOAT_EQ(s.LearningRate(3), 0.05f);  // 0.1 * 0.5^1
  EXPECT_FLOAT_EQ(s.LearningRate(5), 0.05f);
  EXPECT_FLOAT_EQ(s.LearningRate(6), 0.025f);        // 0.1 * 0.5^2
  EXPECT_FLOAT_EQ(s.LearningRate(30), 0.1f / 1024);  // 0.1 * 0.5^10
}

TEST(ScheduleTest, CosineWithWarmup) {
  // base 1, T = 10, W = 2, min 0.1.
  CosineSchedule s(1.0f, /*total_steps=*/10, /*warmup_steps=*/2, /*min_lr=*/0.1f);
  EXPECT_FLOAT_EQ(s.LearningRate(0), 0.5f);  // 1 * (0 + 1) / 2
  EXPECT_FLOAT_EQ(s.LearningRate(1), 1.0f);  // end of warm-up: 1 * 2 / 2
  EXPECT_FLOAT_EQ(s.LearningRate(2), 1.0f);  // cosine at progress 0
  // progress (4 - 2) / 8 = 1/4: 0.1 + 0.9 * (1 + cos(pi/4)) / 2 = 0.1 + 0.9 * 0.85355339
  EXPECT_NEAR(s.LearningRate(4), 0.86819805f, 1e-6f);
  // progress 1/2: 0.1 + 0.9 * 0.5
  EXPECT_NEAR(s.LearningRate(6), 0.55f, 1e-6f);
  // progress 7/8: 0.1 + 0.9 * (1 - 0.92387953) / 2 = 0.1 + 0.9 * 0.03806023
  EXPECT_NEAR(s.LearningRate(9), 0.13425421f, 1e-6f);
  EXPECT_FLOAT_EQ(s.LearningRate(10), 0.1f);  // end of cosine: min_lr
  EXPECT_FLOAT_EQ(s.LearningRate(1000), 0.1f);
}

TEST(ScheduleTest, CosineWithoutWarmupStartsAtBase) {
  CosineSchedule s(0.4f, /*total_steps=*/4, /*warmup_steps=*/0);
  EXPECT_FLOAT_EQ(s.LearningRate(0), 0.4f);
  EXPECT_NEAR(s.LearningRate(2), 0.2f, 1e-7f);  // progress 1/2, min 0
  EXPECT_FLOAT_EQ(s.LearningRate(4), 0.0f);
}

TEST(ScheduleTest, UsableThroughTheInterface) {
  StepSchedule step(1.0f, 1, 0.1f);
  const LrSchedule& s = step;
  EXPECT_FLOAT_EQ(s.LearningRate(2), 0.01f);
}

TEST(ScheduleDeathTest, RejectsBadArguments) {
  EXPECT_DEATH(ConstantSchedule(0.1f).LearningRate(-1), "constant schedule: negative step -1");
  EXPECT_DEATH(StepSchedule(0.1f, 0, 0.5f), "step schedule: step_size 0 must be positive");
  EXPECT_DEATH(CosineSchedule(0.1f, 5, 6),
               "cosine schedule: need 0 <= warmup_steps \\(6\\) <= total_steps \\(5\\)");
}

}  // namespace
}  // namespace siamese
