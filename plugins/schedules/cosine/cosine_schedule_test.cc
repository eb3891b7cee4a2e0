#include <memory>
#include <string>

#include "framework/core/registry.h"
#include "framework/optim/schedule.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

absl::StatusOr<std::unique_ptr<LrSchedule>> Make(const std::string& text, float base,
                                                 int64_t total_steps) {
  ScheduleConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  PluginContext context;
  context.learning_rate = base;
  context.total_steps = total_steps;
  return Registry<LrSchedule>::Create(config, context);
}

TEST(CosineScheduleTest, WarmupThenCosineToTheFloor) {
  // base 1, T = 10, W = 2, min 0.1.
  auto s = Make(R"(name: "cosine" [siamese.cosine] { warmup_steps: 2 min_learning_rate: 0.1 })",
                1.0f, 10);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FLOAT_EQ((*s)->LearningRate(0), 0.5f);  // 1 * (0 + 1) / 2
  EXPECT_FLOAT_EQ((*s)->LearningRate(1), 1.0f);  // end of warm-up: 1 * 2 / 2
  EXPECT_FLOAT_EQ((*s)->LearningRate(2), 1.0f);  // cosine at progress 0
  // progress (4 - 2) / 8 = 1/4: 0.1 + 0.9 * (1 + cos(pi/4)) / 2 = 0.1 + 0.9 * 0.85355339
  EXPECT_NEAR((*s)->LearningRate(4), 0.86819805f, 1e-6f);
  // progress 1/2: 0.1 + 0.9 * 0.5
  EXPECT_NEAR((*s)->LearningRate(6), 0.55f, 1e-6f);
  // progress 7/8: 0.1 + 0.9 * (1 - 0.92387953) / 2 = 0.1 + 0.9 * 0.03806023
  EXPECT_NEAR((*s)->LearningRate(9), 0.13425421f, 1e-6f);
  EXPECT_FLOAT_EQ((*s)->LearningRate(10), 0.1f);  // end of cosine: min_lr
  EXPECT_FLOAT_EQ((*s)->LearningRate(1000), 0.1f);
}

TEST(CosineScheduleTest, WithoutWarmupStartsAtBase) {
  auto s = Make(R"(name: "cosine")", 0.4f, 4);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FLOAT_EQ((*s)->LearningRate(0), 0.4f);
  EXPECT_NEAR((*s)->LearningRate(2), 0.2f, 1e-7f);  // progress 1/2, min 0
  EXPECT_FLOAT_EQ((*s)->LearningRate(4), 0.0f);
}

TEST(CosineScheduleTest, WarmupLongerThanTheRunNamesTheFieldAndTheLength) {
  EXPECT_EQ(std::string(Make(R"(name: "cosine" [siamese.cosine] { warmup_steps: 6 })", 0.1f, 5)
                            .status()
                            .message()),
            "warmup_steps: must be in [0, 5] (the run's steps), got 6");
}

}  // namespace
}  // namespace siamese
