#include "framework/optim/optimizer.h"

#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "framework/autograd/variable.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/tensor/parallel.h"
#include "framework/tensor/rng.h"
#include "framework/tensor/tensor.h"
#include "gtest/gtest.h"
#include "plugins/optimizers/adam/adam.h"
#include "plugins/optimizers/sgd/sgd.h"

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

AdamOptions AdamWith(float lr, float wd = 0.0f) {
  AdamOptions o;
  o.learning_rate = lr;
  o.weight_decay = wd;
  return o;
}

// ---- Skipping ----

TEST(OptimizerTest, FrozenAndGradlessParametersAreUntouched) {
  Variable trained = Param({1.0f}), frozen = Param({1.0f}), unused = Param({1.0f});
  Adam opt({{"trained", trained}, {"frozen", frozen}, {"unused", unused}}, AdamWith(0.1f));
  SetGrad(trained, {0.5f});
  SetGrad(frozen, {0.5f});
  frozen.set_requires_grad(false);  // frozen after it got a gradient
  opt.Step();
  opt.Step();
  EXPECT_LT(Value(trained), 0.85f);
  EXPECT_EQ(Value(frozen), 1.0f);
  EXPECT_EQ(Value(unused), 1.0f);
  NamedTensors state = opt.State();
  ASSERT_EQ(state.size(), 5u);  // trained: step, exp_avg, exp_avg_sq; others: step only
  EXPECT_EQ(state[0].first, "trained.step");
  EXPECT_EQ(state[0].second.item(), 2.0f);
  EXPECT_EQ(state[1].first, "trained.exp_avg");
  EXPECT_EQ(state[2].first, "trained.exp_avg_sq");
  EXPECT_EQ(state[3].first, "frozen.step");
  EXPECT_EQ(state[3].second.item(), 0.0f);
  EXPECT_EQ(state[4].first, "unused.step");
  // A parameter's bias correction counts its own updates: the first update of
  // `unused` is a first Adam step (a move of lr), not a third.
  SetGrad(unused, {0.5f});
  opt.Step();
  EXPECT_NEAR(Value(unused), 0.9f, kTol);
}

// ---- Checkpoint state ----

struct Problem {
  Variable w = Variable(Tensor::FromVector({2, 3}, {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f}), true);
  Variable b = Param({0.5f, -0.5f});
  NamedVariables Named() { return {{"fc.weight", w}, {"fc.bias", b}}; }
  // Gradients that change with the step.
  void SetGrads(int step) {
    std::vector<float> gw(6);
    for (int i = 0; i < 6; ++i) gw[i] = 0.1f * (i + 1) * (step % 2 ? -1.0f : 1.0f) + 0.01f * step;
    SetGrad(w, gw);
    SetGrad(b, {0.3f - 0.1f * step, 0.2f});
  }
  Problem Copy() const {
    Problem c;
    c.w.mutable_value() = w.value().Clone();
    c.b.mutable_value() = b.value().Clone();
    return c;
  }
};

using OptimizerFactory = std::function<std::unique_ptr<Optimizer>(NamedVariables)>;

void ExpectRoundTripContinuesIdentically(const OptimizerFactory& make) {
  Problem original;
  std::unique_ptr<Optimizer> opt = make(original.Named());
  for (int step = 0; step < 2; ++step) {
    original.SetGrads(step);
    opt->Step();
  }
  NamedTensors saved = opt->State();
  Problem resumed = original.Copy();
  std::unique_ptr<Optimizer> opt2 = make(resumed.Named());
  ASSERT_TRUE(opt2->LoadState(saved).ok());
  for (int step = 2; step < 4; ++step) {
    original.SetGrads(step);
    resumed.SetGrads(step);
    opt->Step();
    opt2->Step();
  }
  EXPECT_EQ(original.w.value().ToVector(), resumed.w.value().ToVector());
  EXPECT_EQ(original.b.value().ToVector(), resumed.b.value().ToVector());
  // State() is a deep copy: the saved steps did not move on with `opt`.
  EXPECT_EQ(saved[0].first, "fc.weight.step");
  EXPECT_EQ(saved[0].second.item(), 2.0f);
  NamedTensors now = opt->State(), now2 = opt2->State();
  ASSERT_EQ(now.size(), now2.size());
  for (size_t i = 0; i < now.size(); ++i) {
    EXPECT_EQ(now[i].first, now2[i].first);
    EXPECT_EQ(now[i].second.ToVector(), now2[i].second.ToVector()) << now[i].first;
  }
}

TEST(OptimizerStateTest, SgdRoundTrip) {
  ExpectRoundTripContinuesIdentically([](NamedVariables p) {
    return std::make_unique<Sgd>(std::move(p), SgdWith(0.1f, 0.9f, true, 0.01f));
  });
}

TEST(OptimizerStateTest, AdamRoundTrip) {
  ExpectRoundTripContinuesIdentically([](NamedVariables p) {
    return std::make_unique<Adam>(std::move(p), AdamWith(0.05f, 0.01f));
  });
}

TEST(OptimizerStateTest, AdamWRoundTrip) {
  ExpectRoundTripContinuesIdentically([](NamedVariables p) {
    return std::make_unique<AdamW>(std::move(p), AdamWith(0.05f, 0.1f));
  });
}

TEST(OptimizerStateTest, LoadStateErrorsNameTheEntryAndChangeNothing) {
  Problem problem;
  Adam opt(problem.Named(), AdamWith(0.1f));
  problem.SetGrads(0);
  opt.Step();
  const NamedTensors good = opt.State();
  // fc.weight.{step, exp_avg, exp_avg_sq}, fc.bias.{step, exp_avg, exp_avg_sq}
  ASSERT_EQ(good.size(), 6u);

  NamedTensors missing = good;
  missing.erase(missing.begin() + 5);
  absl::Status s = opt.LoadState(missing);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "optimizer state: missing entry 'fc.bias.exp_avg_sq'");

  NamedTensors no_step = good;
  no_step.erase(no_step.begin());
  EXPECT_EQ(opt.LoadState(no_step).message(), "optimizer state: missing entry 'fc.weight.step'");

  NamedTensors wrong_shape = good;
  wrong_shape[1].second = Tensor::Zeros({3, 2});
  EXPECT_EQ(opt.LoadState(wrong_shape).message(),
            "optimizer state: entry 'fc.weight.exp_avg' has shape [3, 2] but parameter "
            "'fc.weight' has shape [2, 3]");

  NamedTensors extra = good;
  extra.emplace_back("fc.weight.momentum_buffer", Tensor::Zeros({2, 3}));
  EXPECT_EQ(opt.LoadState(extra).message(),
            "optimizer state: unexpected entry 'fc.weight.momentum_buffer'");

  NamedTensors bad_step = good;
  bad_step[3].second = Tensor::Scalar(1.5f);
  EXPECT_EQ(opt.LoadState(bad_step).message(),
            "optimizer state: entry 'fc.bias.step' must hold one non-negative integer, got "
            "shape [] value 1.5");

  NamedTensors duplicate = good;
  duplicate.push_back(good[2]);
  EXPECT_EQ(opt.LoadState(duplicate).message(),
            "optimizer state: duplicate entry 'fc.weight.exp_avg_sq'");

  // Slots of a parameter whose step is 0 are unexpected.
  NamedTensors zero_step = good;
  zero_step[3].second = Tensor::Scalar(0.0f);
  EXPECT_EQ(opt.LoadState(zero_step).message(),
            "optimizer state: unexpected entry 'fc.bias.exp_avg'");

  // None of the failed loads changed anything.
  NamedTensors after = opt.State();
  ASSERT_EQ(after.size(), good.size());
  for (size_t i = 0; i < good.size(); ++i) {
    EXPECT_EQ(after[i].second.ToVector(), good[i].second.ToVector()) << good[i].first;
  }
}

// ---- Blocked layouts ----

dnnl::memory::desc Blocked(const Shape& shape) {
  return dnnl::memory::desc(dnnl::memory::dims(shape.begin(), shape.end()),
                            dnnl::memory::data_type::f32, dnnl::memory::format_tag::nChw16c);
}

TEST(OptimizerLayoutTest, BlockedParameterUpdatesLikePlain) {
  const Shape shape = {2, 3, 2, 2};  // 3 channels padded to 16
  std::vector<float> init(24), grad(24);
  for (int i = 0; i < 24; ++i) {
    init[i] = 0.1f * i - 1.0f;
    grad[i] = 0.05f * ((i * 7) % 11) - 0.2f;
  }
  Variable plain(Tensor::FromVector(shape, init), true);
  Variable blocked(Tensor::FromVector(shape, init).ToLayout(Blocked(shape)), true);
  ASSERT_FALSE(blocked.value().is_plain());
  AdamOptions o = AdamWith(0.1f, 0.1f);
  AdamW opt_plain({{"w", plain}}, o), opt_blocked({{"w", blocked}}, o);
  for (int step = 0; step < 3; ++step) {
    SetGrad(plain, grad);
    SetGrad(blocked, grad);  // accumulated into the value's blocked layout
    ASSERT_TRUE(blocked.grad().desc() == blocked.value().desc());
    opt_plain.Step();
    opt_blocked.Step();
  }
  EXPECT_FALSE(blocked.value().is_plain());
  EXPECT_EQ(blocked.value().ToVector(), plain.value().ToVector());
  // State comes out plain and equal.
  NamedTensors sp = opt_plain.State(), sb = opt_blocked.State();
  for (size_t i = 0; i < sp.size(); ++i) {
    EXPECT_TRUE(sb[i].second.is_plain());
    EXPECT_EQ(sb[i].second.ToVector(), sp[i].second.ToVector()) << sp[i].first;
  }
  // Padding stays zero: the raw sum equals the sum over the logical elements.
  const Tensor& v = blocked.value();
  double raw_sum = 0, sum = 0;
  for (int64_t i = 0; i < v.raw_size(); ++i) raw_sum += v.raw()[i];
  for (float x : v.ToVector()) sum += x;
  EXPECT_NEAR(raw_sum, sum, 1e-4);
  // Plain state loads into the blocked optimizer.
  EXPECT_TRUE(opt_blocked.LoadState(sp).ok());
}

// ---- Contract violations ----

TEST(OptimizerDeathTest, GradientLayoutMustMatchValue) {
  const Shape shape = {1, 3, 2, 2};
  Variable w(Tensor::Zeros(shape), true);
  Sgd opt({{"w", w}}, SgdWith(0.1f));
  w.AccumulateGrad(Tensor::Full(shape, 1.0f));
  w.mutable_value() = w.value().ToLayout(Blocked(shape));
  EXPECT_DEATH(opt.Step(),
               "optimizer: gradient of 'w' \\[1, 3, 2, 2\\] has a different layout from its value "
               "\\[1, 3, 2, 2\\]");
}

TEST(OptimizerDeathTest, RejectsDuplicateParameters) {
  Variable a = Param({1.0f}), b = Param({1.0f});
  EXPECT_DEATH(Sgd({{"a", a}, {"a", b}}, SgdOptions()),
               "optimizer: parameter name 'a' appears twice");
  EXPECT_DEATH(Sgd({{"a", a}, {"b", a}}, SgdOptions()),
               "optimizer: parameters 'a' and 'b' are the same Variable");
}

TEST(OptimizerDeathTest, RejectsBadOptions) {
  Variable a = Param({1.0f});
  EXPECT_DEATH(Sgd({{"a", a}}, SgdWith(0.1f, 0.0f, /*nesterov=*/true)),
               "sgd: nesterov requires momentum > 0");
  AdamOptions beta1_one;
  beta1_one.beta1 = 1.0f;
  EXPECT_DEATH(Adam({{"a", a}}, beta1_one), "adam: beta1 1 outside \\[0, 1\\)");
  AdamOptions eps_zero;
  eps_zero.eps = 0.0f;
  EXPECT_DEATH(AdamW({{"a", a}}, eps_zero), "adamw: eps must be positive");
  EXPECT_DEATH(Sgd({{"a", a}}, SgdWith(-1.0f)), "optimizer: negative learning rate -1");
}

// ---- Learning-rate multipliers (a loss's own parameters) ----

TEST(OptimizerTest, LearningRateMultiplierScalesMatchingParametersOnly) {
  Variable encoder = Param({1.0f}), proxies = Param({1.0f, 1.0f});
  Sgd opt({{"fc.weight", encoder}, {"loss.proxies", proxies}}, SgdWith(0.1f));
  EXPECT_EQ(opt.SetLearningRateMultiplier("loss", 10.0f), 1);
  EXPECT_EQ(opt.SetLearningRateMultiplier("los", 3.0f), 0);  // whole name components only
  SetGrad(encoder, {0.5f});
  SetGrad(proxies, {0.5f, -0.5f});
  opt.Step();
  EXPECT_NEAR(Value(encoder), 0.95f, kTol);    // 1 - 0.1 * 0.5
  EXPECT_NEAR(Value(proxies, 0), 0.5f, kTol);  // 1 - 1.0 * 0.5
  EXPECT_NEAR(Value(proxies, 1), 1.5f, kTol);
  // The schedule's rate applies to both, the multiplier on top.
  opt.set_learning_rate(0.01f);
  opt.Step();
  EXPECT_NEAR(Value(encoder), 0.945f, 1e-5f);
  EXPECT_NEAR(Value(proxies, 0), 0.45f, 1e-5f);
}

// ---- Element-wise updates in slices, on several threads ----

// Forces every element-wise update through slices on the threads
// (SetMinParallelWork(1)); restores the defaults after the test.
class OptimizerThreadsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    SetMinParallelWork(kMinParallelWork);
    SetNumThreads(threads_);
  }
  const int threads_ = NumThreads();
};

// Parameters of several slices each (16384 floats a slice), one smaller
// than a slice, and a blocked one with padding; random values and
// gradients, three steps with a changing learning rate, a multiplier on
// one parameter. The values and the state after the steps, as raw bits.
std::vector<std::vector<float>> RunSteps(
    const std::function<std::unique_ptr<Optimizer>(NamedVariables)>& make) {
  Rng rng(5);
  const std::vector<Shape> shapes = {{70001}, {5}, {16384}, {40, 17, 3, 3}};
  NamedVariables params;
  for (size_t i = 0; i < shapes.size(); ++i) {
    std::vector<float> init(NumElements(shapes[i]));
    for (float& x : init) x = rng.Normal();
    Tensor value = Tensor::FromVector(shapes[i], init);
    if (shapes[i].size() == 4) value = value.ToLayout(Blocked(shapes[i]));
    params.emplace_back("p" + std::to_string(i), Variable(value, /*requires_grad=*/true));
  }
  std::unique_ptr<Optimizer> opt = make(params);
  opt->SetLearningRateMultiplier("p2", 3.0f);
  for (int step = 0; step < 3; ++step) {
    opt->set_learning_rate(0.01f / (step + 1));
    for (auto& [name, v] : params) {
      std::vector<float> g(v.numel());
      for (float& x : g) x = rng.Normal();
      SetGrad(v, g);
    }
    opt->Step();
  }
  std::vector<std::vector<float>> out;
  for (const auto& [name, v] : params) {
    out.emplace_back(v.value().raw(), v.value().raw() + v.value().raw_size());
  }
  for (const auto& [name, t] : opt->State()) out.push_back(t.ToVector());
  return out;
}

bool SameBits(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size() ||
        std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0) {
      return false;
    }
  }
  return true;
}

TEST_F(OptimizerThreadsTest, SlicedUpdatesEqualTheSerialOnesAtAnyThreadCount) {
  const std::vector<
      std::pair<std::string, std::function<std::unique_ptr<Optimizer>(NamedVariables)>>>
      optimizers = {
          {"adam", [](NamedVariables p) { return std::make_unique<Adam>(p, AdamWith(0.01f)); }},
          {"adam_l2",
           [](NamedVariables p) { return std::make_unique<Adam>(p, AdamWith(0.01f, 0.1f)); }},
          {"adamw",
           [](NamedVariables p) { return std::make_unique<AdamW>(p, AdamWith(0.01f, 0.1f)); }},
          {"sgd", [](NamedVariables p) { return std::make_unique<Sgd>(p, SgdWith(0.01f)); }},
          {"sgd_nesterov", [](NamedVariables p) {
             return std::make_unique<Sgd>(p, SgdWith(0.01f, 0.9f, true, 0.1f));
           }}};
  for (const auto& [name, make] : optimizers) {
    SetNumThreads(1);
    SetMinParallelWork(kMinParallelWork);
    const auto serial = RunSteps(make);  // one Update() per parameter
    SetMinParallelWork(1);
    for (int threads : {1, 2, 3, 4, 8}) {
      SetNumThreads(threads);
      EXPECT_TRUE(SameBits(RunSteps(make), serial)) << name << " at " << threads << " threads";
    }
  }
}

// Counts its Update() calls, and records the thread of each when it is not
// element-wise.
class CountingSgd : public Sgd {
 public:
  CountingSgd(NamedVariables p, bool elementwise)
      : Sgd(std::move(p), SgdWith(0.1f)), elementwise_(elementwise) {}
  std::atomic<int> calls{0};
  std::vector<int64_t> sizes;  // non-element-wise only: in call order
  bool on_caller = true;

 protected:
  void Update(const FlatParam& p) override {
    ++calls;
    if (!elementwise_) {
      sizes.push_back(p.size);
      on_caller = on_caller && std::this_thread::get_id() == caller_;
    }
    Sgd::Update(p);
  }
  bool ElementwiseUpdate() const override { return elementwise_; }

 private:
  bool elementwise_;
  std::thread::id caller_ = std::this_thread::get_id();
};

TEST_F(OptimizerThreadsTest, OnlyElementwiseUpdatesAreSliced) {
  SetNumThreads(4);
  SetMinParallelWork(1);
  for (bool elementwise : {true, false}) {
    Variable big(Tensor::Zeros({40000}), true), small(Tensor::Zeros({3}), true);
    CountingSgd opt({{"big", big}, {"small", small}}, elementwise);
    SetGrad(big, std::vector<float>(40000, 1.0f));
    SetGrad(small, {1.0f, 1.0f, 1.0f});
    opt.Step();
    if (elementwise) {
      EXPECT_EQ(opt.calls.load(), 3 + 1);  // 16384 + 16384 + 7232, then 3
    } else {
      EXPECT_EQ(opt.calls.load(), 2);
      EXPECT_EQ(opt.sizes, (std::vector<int64_t>{40000, 3}));
      EXPECT_TRUE(opt.on_caller);
    }
    EXPECT_EQ(big.value().ToVector(), std::vector<float>(40000, -0.1f));
  }
}

}  // namespace
}  // namespace siamese
