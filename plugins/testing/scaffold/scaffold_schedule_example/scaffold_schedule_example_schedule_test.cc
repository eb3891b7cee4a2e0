#include "framework/core/registry.h"
#include "framework/optim/schedule.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// Created from its parameters (text format) for a run of 10 steps at base rate 0.1.
absl::StatusOr<std::unique_ptr<LrSchedule>> Make(const std::string& params) {
  ScheduleConfig c;
  const std::string text =
      "name: \"scaffold_schedule_example\" [siamese.scaffold_schedule_example] { " + params + " }";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.learning_rate = 0.1f;
  context.total_steps = 10;
  return Registry<LrSchedule>::Create(c, context);
}

TEST(ScaffoldScheduleExampleScheduleTest, MatchesHandComputation) {
  auto s = Make("");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FLOAT_EQ((*s)->LearningRate(0), 0.1f);
  EXPECT_FLOAT_EQ((*s)->LearningRate(5), 0.05f);  // 0.1 (1 - 5 / 10)
  EXPECT_FLOAT_EQ((*s)->LearningRate(9), 0.01f);  // the last step
  EXPECT_FLOAT_EQ((*s)->LearningRate(10), 0.0f);
  EXPECT_FLOAT_EQ((*s)->LearningRate(20), 0.0f);
  auto half = Make("end_factor: 0.5");
  ASSERT_TRUE(half.ok()) << half.status();
  EXPECT_FLOAT_EQ((*half)->LearningRate(5), 0.075f);  // 0.1 (1 - 0.5 * 5 / 10)
  EXPECT_FLOAT_EQ((*half)->LearningRate(10), 0.05f);
}

TEST(ScaffoldScheduleExampleScheduleTest, BadParameterNamesTheField) {
  auto s = Make("end_factor: 2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(ErrorField(s.status()), "end_factor");
}

}  // namespace
}  // namespace siamese
