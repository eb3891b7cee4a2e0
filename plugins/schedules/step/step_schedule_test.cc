#include <memory>
#include <string>

#include "framework/core/registry.h"
#include "framework/optim/schedule.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

absl::StatusOr<std::unique_ptr<LrSchedule>> Make(const std::string& text, float base) {
  ScheduleConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  PluginContext context;
  context.learning_rate = base;
  context.total_steps = 100;
  return Registry<LrSchedule>::Create(config, context);
}

TEST(StepScheduleTest, DecaysByGammaEveryStepSize) {
  auto s = Make(R"(name: "step" [siamese.step] { step_size: 3 gamma: 0.5 })", 0.1f);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FLOAT_EQ((*s)->LearningRate(0), 0.1f);
  EXPECT_FLOAT_EQ((*s)->LearningRate(2), 0.1f);
  EXPECT_FLOAT_EQ((*s)->LearningRate(3), 0.05f);  // 0.1 * 0.5^1
  EXPECT_FLOAT_EQ((*s)->LearningRate(5), 0.05f);
  EXPECT_FLOAT_EQ((*s)->LearningRate(6), 0.025f);        // 0.1 * 0.5^2
  EXPECT_FLOAT_EQ((*s)->LearningRate(30), 0.1f / 1024);  // 0.1 * 0.5^10
}

TEST(StepScheduleTest, BadParametersNameTheField) {
  EXPECT_EQ(
      std::string(Make(R"(name: "step" [siamese.step] { step_size: 0 })", 0.1f).status().message()),
      "step_size: must be >= 1, got 0");
  EXPECT_EQ(
      std::string(Make(R"(name: "step" [siamese.step] { gamma: inf })", 0.1f).status().message()),
      "gamma: must be finite and >= 0, got inf");
}

}  // namespace
}  // namespace siamese
