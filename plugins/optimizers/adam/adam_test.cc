#include "plugins/optimizers/adam/adam.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "framework/autograd/variable.h"
#include "framework/core/registry.h"
#include "framework/tensor/tensor.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

constexpr float kTol = 1e-6f;

Variable Param(std::vector<float> values) {
  const int64_t n = static_cast<int64_t>(values.size());
  return Variable(Tensor::FromVector({n}, values), /*requires_grad=*/true);
}

void SetGrad(Variable& v, std::vector<float> g) {
  v.ZeroGrad();
  v.AccumulateGrad(Tensor::FromVector(v.shape(), g));
}

float Value(const Variable& v, int i = 0) { return v.value().ToVector()[i]; }

// (C++17 has no designated initializers.)
AdamOptions AdamWith(float lr, float wd = 0.0f) {
  AdamOptions o;
  o.learning_rate = lr;
  o.weight_decay = wd;
  return o;
}

// ---- Adam: p = 1, lr = 0.1, beta1 0.9, beta2 0.999, eps 1e-8 ----

TEST(AdamTest, HandComputedThreeSteps) {
  Variable p = Param({1.0f});
  Adam opt({{"p", p}}, AdamWith(0.1f));
  // t=1, g=0.5: m = 0.05, v = 0.00025, m^ = 0.5, sqrt(v^) = 0.5; p = 1 - 0.1
  SetGrad(p, {0.5f});
  opt.Step();
  EXPECT_NEAR(Value(p), 0.9f, kTol);
  // t=2, g=0.1: m = 0.045 + 0.01 = 0.055, v = 0.00024975 + 0.00001 = 0.00025975
  // m^ = 0.055 / 0.19 = 0.28947368, v^ = 0.00025975 / 0.001999 = 0.12993997,
  // sqrt(v^) = 0.36047187; p = 0.9 - 0.1 * 0.28947368 / 0.36047187 = 0.9 - 0.08030409
  SetGrad(p, {0.1f});
  opt.Step();
  EXPECT_NEAR(Value(p), 0.81969591f, kTol);
  // t=3, g=-0.2: m = 0.0495 - 0.02 = 0.0295, v = 0.00025949 + 0.00004 = 0.00029949
  // m^ = 0.0295 / 0.271 = 0.10885609, v^ = 0.00029949 / 0.002997001 = 0.09992998,
  // sqrt(v^) = 0.31611704; p = 0.81969591 - 0.1 * 0.34435338 = 0.78526053
  SetGrad(p, {-0.2f});
  opt.Step();
  EXPECT_NEAR(Value(p), 0.78526053f, kTol);
}

TEST(AdamTest, L2WeightDecayVersusDecoupledAdamW) {
  Variable a = Param({1.0f}), w = Param({1.0f});
  AdamOptions o = AdamWith(0.1f, 0.1f);
  Adam adam({{"p", a}}, o);
  AdamW adamw({{"p", w}}, o);
  EXPECT_FALSE(adam.decoupled_weight_decay());
  EXPECT_TRUE(adamw.decoupled_weight_decay());
  SetGrad(a, {0.5f});
  SetGrad(w, {0.5f});
  adam.Step();   // g = 0.5 + 0.1 = 0.6; first Adam step moves by lr: 0.9
  adamw.Step();  // p = 1 * (1 - 0.1*0.1) = 0.99, then - 0.1: 0.89
  EXPECT_NEAR(Value(a), 0.9f, kTol);
  EXPECT_NEAR(Value(w), 0.89f, kTol);
  SetGrad(a, {0.1f});
  SetGrad(w, {0.1f});
  // Adam t=2: g = 0.1 + 0.1*0.9 = 0.19; m = 0.054 + 0.019 = 0.073,
  // v = 0.00035964 + 0.0000361 = 0.00039574; m^ = 0.073 / 0.19 = 0.38421053,
  // sqrt(v^) = sqrt(0.00039574 / 0.001999) = 0.44493706; p = 0.9 - 0.08635165
  adam.Step();
  EXPECT_NEAR(Value(a), 0.81364835f, kTol);
  // AdamW t=2: p = 0.89 * 0.99 = 0.8811, then minus the plain Adam update of
  // HandComputedThreeSteps (0.08030409): 0.80079591
  adamw.Step();
  EXPECT_NEAR(Value(w), 0.80079591f, kTol);
}

TEST(AdamTest, ElementsAreIndependent) {
  Variable p = Param({1.0f, 3.0f});
  Adam opt({{"p", p}}, AdamWith(0.1f));
  SetGrad(p, {0.5f, -4.0f});
  opt.Step();  // first step: each element moves by lr against its gradient's sign
  EXPECT_NEAR(Value(p, 0), 0.9f, kTol);
  EXPECT_NEAR(Value(p, 1), 3.1f, kTol);
}

TEST(AdamPluginTest, AdamAndAdamWAreRegisteredWithValidatedParameters) {
  for (const char* text :
       {R"(name: "adam")", R"(name: "adamw" [siamese.adamw] { weight_decay: 0.1 })"}) {
    Variable p = Param({1.0f});
    PluginContext context;
    context.parameters = {{"p", p}};
    context.learning_rate = 0.1f;
    OptimizerConfig config;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config));
    auto opt = Registry<Optimizer>::Create(config, context);
    ASSERT_TRUE(opt.ok()) << opt.status();
    EXPECT_EQ(dynamic_cast<Adam*>(opt->get())->decoupled_weight_decay(),
              std::string(text).find("adamw") != std::string::npos);
  }
  PluginContext context;
  OptimizerConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(name: "adam" [siamese.adam] { beta2: 1 })", &config));
  EXPECT_EQ(std::string(Registry<Optimizer>::Create(config, context).status().message()),
            "beta2: must be in [0, 1), got 1");
}

}  // namespace
}  // namespace siamese
