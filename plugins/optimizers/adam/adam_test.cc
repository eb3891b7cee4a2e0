#include "plugins/optimizers/adam/adam.h"

#include <cmath>
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
#include "plugins/optimizers/adam/adam_kernel.h"

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

// ---- The vectorized kernels against the scalar reference ----

// The update as it was written before it was vectorized (one scalar loop,
// std::sqrt with errno): what every kernel must reproduce bit for bit.
void ReferenceUpdate(const AdamKernelArgs& a) {
  const float beta1 = a.beta1, beta2 = a.beta2, eps = a.eps, wd = a.weight_decay;
  for (int64_t i = 0; i < a.size; ++i) {
    float g = a.grad[i];
    if (wd != 0.0f) {
      if (a.decoupled) {
        a.value[i] *= a.decay;
      } else {
        g += wd * a.value[i];
      }
    }
    a.exp_avg[i] += (1.0f - beta1) * (g - a.exp_avg[i]);
    a.exp_avg_sq[i] = beta2 * a.exp_avg_sq[i] + (1.0f - beta2) * g * g;
    const float denom = std::sqrt(a.exp_avg_sq[i]) / a.bias_correction2_sqrt + eps;
    a.value[i] -= a.step_size * (a.exp_avg[i] / denom);
  }
}

struct Arrays {
  std::vector<float> value, grad, m, v;
};

// Values over many magnitudes: normal, tiny (subnormal squares), huge
// (gradients whose square overflows), exact zeros.
Arrays RandomArrays(int64_t n, uint64_t seed) {
  Rng rng(seed);
  auto draw = [&] {
    const float u = rng.Uniform();
    if (u < 0.05f) return 0.0f;
    if (u < 0.10f) return 1e-30f * rng.Normal();
    if (u < 0.12f) return 1e25f * rng.Normal();
    return rng.Normal();
  };
  Arrays a;
  for (int64_t i = 0; i < n; ++i) {
    a.value.push_back(draw());
    a.grad.push_back(draw());
    a.m.push_back(0.1f * draw());
    a.v.push_back(std::fabs(0.01f * draw()));
  }
  return a;
}

bool SameBits(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

TEST(AdamKernelTest, EveryKernelComputesTheScalarReferenceBits) {
  const auto kernels = AdamKernels();
  ASSERT_EQ(kernels.front().first, "portable");
  struct Decay {
    float wd;
    bool decoupled;
  };
  for (const auto& [name, kernel] : kernels) {
    for (int64_t n : {0, 1, 7, 16, 17, 63, 1000, 4099}) {
      // Starting 0..3 floats into the arrays: unaligned starts as well.
      for (int64_t offset : {0, 1, 3}) {
        for (Decay decay : {Decay{0.0f, false}, Decay{0.01f, false}, Decay{0.01f, true}}) {
          Arrays ref = RandomArrays(n + offset, 17 + n), got = ref;
          for (int64_t t : {1, 2, 10, 5000}) {
            AdamKernelArgs a;
            a.size = n;
            a.beta1 = 0.9f;
            a.beta2 = 0.999f;
            a.eps = 1e-8f;
            a.weight_decay = decay.wd;
            a.decoupled = decay.decoupled;
            a.decay = static_cast<float>(1.0 - 0.001 * decay.wd);
            a.step_size = static_cast<float>(0.001 / (1.0 - std::pow(0.9, t)));
            a.bias_correction2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(0.999, t)));
            AdamKernelArgs r = a;
            r.value = ref.value.data() + offset;
            r.grad = ref.grad.data() + offset;
            r.exp_avg = ref.m.data() + offset;
            r.exp_avg_sq = ref.v.data() + offset;
            ReferenceUpdate(r);
            a.value = got.value.data() + offset;
            a.grad = got.grad.data() + offset;
            a.exp_avg = got.m.data() + offset;
            a.exp_avg_sq = got.v.data() + offset;
            kernel(a);
          }
          const std::string where =
              name + " n=" + std::to_string(n) + " offset=" + std::to_string(offset) +
              " wd=" + std::to_string(decay.wd) + (decay.decoupled ? " decoupled" : "");
          ASSERT_TRUE(SameBits(got.value, ref.value)) << where;
          ASSERT_TRUE(SameBits(got.m, ref.m)) << where;
          ASSERT_TRUE(SameBits(got.v, ref.v)) << where;
        }
      }
    }
  }
}

}  // namespace
}  // namespace siamese
