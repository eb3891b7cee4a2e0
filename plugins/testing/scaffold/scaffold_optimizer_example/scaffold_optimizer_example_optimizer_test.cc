#include "framework/core/registry.h"
#include "framework/optim/optimizer.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// Created from its parameters (text format), to train `parameters`.
absl::StatusOr<std::unique_ptr<Optimizer>> Make(const std::string& params,
                                                NamedVariables parameters, float learning_rate) {
  OptimizerConfig c;
  const std::string text =
      "name: \"scaffold_optimizer_example\" [siamese.scaffold_optimizer_example] { " + params + " }";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.parameters = std::move(parameters);
  context.learning_rate = learning_rate;
  return Registry<Optimizer>::Create(c, context);
}

Variable Param(const std::vector<float>& values) {
  return Variable(Tensor::FromVector({static_cast<int64_t>(values.size())}, values), true);
}

void SetGrad(const Variable& v, const std::vector<float>& g) {
  Variable w = v;
  w.ZeroGrad();
  w.AccumulateGrad(Tensor::FromVector(v.shape(), g));
}

TEST(ScaffoldOptimizerExampleOptimizerTest, MatchesHandComputation) {
  Variable p = Param({1.0f, -2.0f});
  auto opt = Make("weight_decay: 0.1", {{"p", p}}, 0.1f);
  ASSERT_TRUE(opt.ok()) << opt.status();
  SetGrad(p, {0.5f, 0.0f});
  (*opt)->Step();  // 1 - 0.1 (0.5 + 0.1) = 0.94;  -2 - 0.1 (0 - 0.2) = -1.98
  EXPECT_THAT(p.value().ToVector(),
              ::testing::Pointwise(::testing::FloatNear(1e-6), std::vector<float>{0.94f, -1.98f}));
  (*opt)->Step();  // the same gradient: 0.94 - 0.1 (0.5 + 0.094); -1.98 - 0.1 (-0.198)
  EXPECT_THAT(p.value().ToVector(), ::testing::Pointwise(::testing::FloatNear(1e-6),
                                                         std::vector<float>{0.8806f, -1.9602f}));
}

TEST(ScaffoldOptimizerExampleOptimizerTest, SkipsFrozenParametersAndKeepsStepCounts) {
  Variable p = Param({1.0f}), frozen = Param({1.0f});
  frozen.set_requires_grad(false);
  auto opt = Make("", {{"p", p}, {"frozen", frozen}}, 0.1f);
  ASSERT_TRUE(opt.ok()) << opt.status();
  SetGrad(p, {0.5f});
  (*opt)->Step();
  EXPECT_NEAR(p.value().item(), 0.95f, 1e-6);
  EXPECT_EQ(frozen.value().item(), 1.0f);
  // The state a checkpoint saves: a step count per parameter, no slots.
  const NamedTensors state = (*opt)->State();
  ASSERT_EQ(state.size(), 2u);
  EXPECT_EQ(state[0].first, "p.step");
  EXPECT_EQ(state[0].second.item(), 1.0f);
  EXPECT_EQ(state[1].second.item(), 0.0f);
}

TEST(ScaffoldOptimizerExampleOptimizerTest, BadParameterNamesTheField) {
  auto opt = Make("weight_decay: -1", {}, 0.1f);
  ASSERT_FALSE(opt.ok());
  EXPECT_EQ(ErrorField(opt.status()), "weight_decay");
}

}  // namespace
}  // namespace siamese
