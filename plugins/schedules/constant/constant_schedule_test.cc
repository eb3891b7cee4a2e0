#include <memory>
#include <string>

#include "framework/core/registry.h"
#include "framework/optim/schedule.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(ConstantScheduleTest, BaseAtEveryStep) {
  ScheduleConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"(name: "constant")", &config));
  PluginContext context;
  context.learning_rate = 0.3f;
  context.total_steps = 10;
  auto s = Registry<LrSchedule>::Create(config, context);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FLOAT_EQ((*s)->LearningRate(0), 0.3f);
  EXPECT_FLOAT_EQ((*s)->LearningRate(123456), 0.3f);
  EXPECT_DEATH((*s)->LearningRate(-1), "constant schedule: negative step -1");
}

}  // namespace
}  // namespace siamese
