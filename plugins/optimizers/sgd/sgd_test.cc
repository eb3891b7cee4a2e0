#include "plugins/optimizers/sgd/sgd.h"

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "framework/autograd/variable.h"
#include "framework/core/registry.h"
#include "framework/tensor/rng.h"
#include "framework/tensor/tensor.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "plugins/optimizers/sgd/sgd_kernel.h"

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
SgdOptions SgdWith(float lr, float momentum = 0.0f, bool nesterov = false, float wd = 0.0f) {
  SgdOptions o;
  o.learning_rate = lr;
  o.momentum = momentum;
  o.nesterov = nesterov;
  o.weight_decay = wd;
  return o;
}

// ---- SGD: p = 1, g = 0.5 every step, lr = 0.1 ----

TEST(SgdTest, PlainGradientDescent) {
  Variable p = Param({1.0f});
  Sgd opt({{"p", p}}, SgdWith(0.1f));
  SetGrad(p, {0.5f});
  opt.Step();
  EXPECT_NEAR(Value(p), 0.95f, kTol);  // 1 - 0.1 * 0.5
  opt.Step();
  EXPECT_NEAR(Value(p), 0.90f, kTol);
}

TEST(SgdTest, MomentumHandComputed) {
  Variable p = Param({1.0f});
  Sgd opt({{"p", p}}, SgdWith(0.1f, 0.9f));
  SetGrad(p, {0.5f});
  opt.Step();  // buf = 0.5;                 p = 1 - 0.05
  EXPECT_NEAR(Value(p), 0.95f, kTol);
  opt.Step();  // buf = 0.9*0.5 + 0.5 = 0.95;  p = 0.95 - 0.095
  EXPECT_NEAR(Value(p), 0.855f, kTol);
  opt.Step();  // buf = 0.9*0.95 + 0.5 = 1.355; p = 0.855 - 0.1355
  EXPECT_NEAR(Value(p), 0.7195f, kTol);
}

TEST(SgdTest, NesterovDiffersFromPlainMomentumAsExpected) {
  Variable p = Param({1.0f});
  Sgd opt({{"p", p}}, SgdWith(0.1f, 0.9f, /*nesterov=*/true));
  SetGrad(p, {0.5f});
  opt.Step();  // buf = 0.5;   g = 0.5 + 0.9*0.5 = 0.95;     p = 1 - 0.095
  EXPECT_NEAR(Value(p), 0.905f, kTol);
  opt.Step();  // buf = 0.95;  g = 0.5 + 0.9*0.95 = 1.355;   p = 0.905 - 0.1355
  EXPECT_NEAR(Value(p), 0.7695f, kTol);
  opt.Step();  // buf = 1.355; g = 0.5 + 0.9*1.355 = 1.7195; p = 0.7695 - 0.17195
  EXPECT_NEAR(Value(p), 0.59755f, kTol);
}

TEST(SgdTest, WeightDecayIsAddedToTheGradient) {
  Variable p = Param({1.0f, -2.0f});
  Sgd opt({{"p", p}}, SgdWith(0.1f, 0.0f, false, /*wd=*/0.1f));
  SetGrad(p, {0.5f, 0.0f});
  opt.Step();  // g = 0.5 + 0.1*1 = 0.6 -> 0.94;      g = 0 + 0.1*(-2) = -0.2 -> -1.98
  EXPECT_NEAR(Value(p, 0), 0.94f, kTol);
  EXPECT_NEAR(Value(p, 1), -1.98f, kTol);
  opt.Step();  // g = 0.5 + 0.094 = 0.594 -> 0.8806; g = -0.198 -> -1.9602
  EXPECT_NEAR(Value(p, 0), 0.8806f, kTol);
  EXPECT_NEAR(Value(p, 1), -1.9602f, kTol);
}

TEST(SgdTest, LearningRateChangeAppliesToTheNextStep) {
  Variable p = Param({1.0f});
  Sgd opt({{"p", p}}, SgdWith(0.1f));
  EXPECT_FLOAT_EQ(opt.learning_rate(), 0.1f);
  opt.set_learning_rate(0.2f);
  SetGrad(p, {0.5f});
  opt.Step();
  EXPECT_NEAR(Value(p), 0.9f, kTol);
  opt.ZeroGrad();
  EXPECT_FALSE(p.grad().defined());
  opt.Step();  // no gradient: nothing happens
  EXPECT_NEAR(Value(p), 0.9f, kTol);
}

TEST(SgdPluginTest, CreatedFromTheExperimentWithValidatedParameters) {
  Variable p = Param({1.0f});
  PluginContext context;
  context.parameters = {{"p", p}};
  context.learning_rate = 0.1f;
  OptimizerConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(name: "sgd" [siamese.sgd] { momentum: 0 })", &config));
  auto opt = Registry<Optimizer>::Create(config, context);
  ASSERT_TRUE(opt.ok()) << opt.status();
  SetGrad(p, {0.5f});
  (*opt)->Step();
  EXPECT_NEAR(Value(p), 0.95f, kTol);
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(name: "sgd" [siamese.sgd] { momentum: 0 nesterov: true })", &config));
  EXPECT_EQ(std::string(Registry<Optimizer>::Create(config, context).status().message()),
            "nesterov: requires momentum > 0");
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(name: "sgd" [siamese.sgd] { weight_decay: -1 })", &config));
  EXPECT_EQ(std::string(Registry<Optimizer>::Create(config, context).status().message()),
            "weight_decay: must be >= 0, got -1");
}

// ---- The vectorized kernels against the scalar reference ----

// The update as it was written before it was vectorized (one scalar loop
// with the options tested per element): what every kernel must reproduce
// bit for bit.
void ReferenceUpdate(const SgdKernelArgs& a) {
  const float lr = a.learning_rate, wd = a.weight_decay, mu = a.momentum;
  float* buf = a.momentum_buffer;
  for (int64_t i = 0; i < a.size; ++i) {
    float g = a.grad[i];
    if (wd != 0.0f) g += wd * a.value[i];
    if (buf != nullptr) {
      buf[i] = mu * buf[i] + g;
      g = a.nesterov ? g + mu * buf[i] : buf[i];
    }
    a.value[i] -= lr * g;
  }
}

std::vector<float> RandomVector(int64_t n, Rng& rng) {
  std::vector<float> x(n);
  for (float& v : x) v = rng.Uniform() < 0.05f ? 0.0f : rng.Normal();
  return x;
}

bool SameBits(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

TEST(SgdKernelTest, EveryKernelComputesTheScalarReferenceBits) {
  const auto kernels = SgdKernels();
  ASSERT_EQ(kernels.front().first, "portable");
  struct Options {
    float momentum, weight_decay;
    bool nesterov;
  };
  const Options options[] = {{0.0f, 0.0f, false},  {0.0f, 0.01f, false}, {0.9f, 0.0f, false},
                             {0.9f, 0.01f, false}, {0.9f, 0.0f, true},   {0.9f, 0.01f, true}};
  for (const auto& [name, kernel] : kernels) {
    for (int64_t n : {0, 1, 15, 16, 33, 1000, 4099}) {
      for (int64_t offset : {0, 1, 3}) {
        for (const Options& o : options) {
          Rng rng(7 + n);
          std::vector<float> ref_value = RandomVector(n + offset, rng),
                             ref_buf = RandomVector(n + offset, rng);
          std::vector<float> value = ref_value, buf = ref_buf;
          for (int step = 0; step < 3; ++step) {
            const std::vector<float> grad = RandomVector(n + offset, rng);
            SgdKernelArgs a;
            a.grad = grad.data() + offset;
            a.size = n;
            a.learning_rate = 0.01f * (step + 1);
            a.momentum = o.momentum;
            a.weight_decay = o.weight_decay;
            a.nesterov = o.nesterov;
            SgdKernelArgs r = a;
            r.value = ref_value.data() + offset;
            r.momentum_buffer = o.momentum != 0.0f ? ref_buf.data() + offset : nullptr;
            ReferenceUpdate(r);
            a.value = value.data() + offset;
            a.momentum_buffer = o.momentum != 0.0f ? buf.data() + offset : nullptr;
            kernel(a);
          }
          const std::string where =
              name + " n=" + std::to_string(n) + " offset=" + std::to_string(offset) +
              " momentum=" + std::to_string(o.momentum) + " wd=" + std::to_string(o.weight_decay) +
              (o.nesterov ? " nesterov" : "");
          ASSERT_TRUE(SameBits(value, ref_value)) << where;
          ASSERT_TRUE(SameBits(buf, ref_buf)) << where;
        }
      }
    }
  }
}

}  // namespace
}  // namespace siamese
