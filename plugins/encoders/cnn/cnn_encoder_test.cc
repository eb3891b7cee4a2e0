#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "framework/autograd/gradient_check.h"
#include "framework/core/encoder.h"
#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/encoders/common/encoder_testing.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;
using testing_util::CreateEncoder;
using testing_util::MakeEncoder;
using testing_util::ParameterValues;
using testing_util::RefArch;
using testing_util::RefConv;
using testing_util::ReferenceForward;
using testing_util::RowsHaveUnitNorm;

// The tiny configs of the gradient checks: input [1, 8, 8], batch 2.
const char kTiny[] = R"(name: "cnn" [siamese.cnn] {
  conv { channels: 3 } conv { channels: 4 } fc: 5 })";
const char kTinyBatchNorm[] = R"(name: "cnn" [siamese.cnn] {
  conv { channels: 3 } conv { channels: 4 } fc: 5 batch_norm: true })";

std::vector<std::pair<std::string, Shape>> NamesAndShapes(const Encoder& e) {
  std::vector<std::pair<std::string, Shape>> out;
  for (const auto& [name, v] : e.NamedParameters()) out.emplace_back(name, v.shape());
  return out;
}

TEST(CnnEncoderTest, IsRegistered) {
  EXPECT_THAT(Registry<Encoder>::Names(), ::testing::Contains("cnn"));
}

TEST(CnnEncoderTest, DefaultIsTheBenchmarkCnn) {
  auto e = MakeEncoder(R"(name: "cnn")", {1, 28, 28}, 16);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->embedding_dim(), 16);
  using NS = std::vector<std::pair<std::string, Shape>>;
  EXPECT_EQ(NamesAndShapes(*e), (NS{{"conv0.weight", {32, 1, 3, 3}},
                                    {"conv0.bias", {32}},
                                    {"conv1.weight", {64, 32, 3, 3}},
                                    {"conv1.bias", {64}},
                                    {"fc0.weight", {128, 64 * 7 * 7}},
                                    {"fc0.bias", {128}},
                                    {"out.weight", {16, 128}},
                                    {"out.bias", {16}}}));
  EXPECT_TRUE(e->NamedBuffers().empty());
  // 32 and 64 channels: the convolutions hand blocked layouts to each other
  // and to the first Linear, which must flatten them channel-major.
  Tensor x = RandomTensor({3, 1, 28, 28}, 11);
  Variable y = e->Forward(Variable(x));
  ASSERT_EQ(y.shape(), (Shape{3, 16}));
  EXPECT_TRUE(RowsHaveUnitNorm(y.value()));
  const RefArch arch{2, {{3, 1, 1, 'm', 2}, {3, 1, 1, 'm', 2}}, false, 1, "relu", false, true};
  EXPECT_TRUE(TensorsNear(y.value(), ReferenceForward(*e, arch, x), 1e-5f, 1e-3f));
  // A second run gives the same numbers; backward reaches every parameter.
  Variable y2 = e->Forward(Variable(x));
  EXPECT_TRUE(TensorsNear(y2.value(), y.value(), 0.0f, 0.0f));
  y2.Backward(RandomTensor({3, 16}, 12));
  for (const auto& [name, v] : e->NamedParameters()) {
    ASSERT_TRUE(v.grad().defined()) << name;
    EXPECT_EQ(v.grad().shape(), v.shape()) << name;
  }
}

struct ReferenceCase {
  std::string config;
  Shape input;  // one example
  RefArch arch;
};

class CnnReferenceTest : public ::testing::TestWithParam<ReferenceCase> {};

TEST_P(CnnReferenceTest, ForwardMatchesPlainReference) {
  const ReferenceCase& c = GetParam();
  auto e = MakeEncoder(c.config, c.input, 6, 3);
  ASSERT_NE(e, nullptr);
  Shape batch = c.input;
  batch.insert(batch.begin(), 3);
  const Tensor x = RandomTensor(batch, 21);
  if (c.arch.batch_norm) {
    // Move the running statistics away from (0, 1) before comparing in eval mode.
    for (int i = 0; i < 3; ++i) e->Forward(Variable(RandomTensor(batch, 30 + i, -1.0f, 2.0f)));
  }
  e->Eval();
  Tensor y = e->Forward(Variable(x)).value();
  ASSERT_EQ(y.shape(), (Shape{3, 6}));
  EXPECT_TRUE(TensorsNear(y, ReferenceForward(*e, c.arch, x), 1e-5f, 1e-3f));
  if (c.arch.l2_normalize) {
    EXPECT_TRUE(RowsHaveUnitNorm(y));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, CnnReferenceTest,
    ::testing::Values(
        // Strides, explicit padding, average pooling, two fc layers, no L2.
        ReferenceCase{
            R"(name: "cnn" [siamese.cnn] {
            conv { channels: 5 kernel: 3 stride: 2 padding: 0 pool: "avg" }
            conv { channels: 4 kernel: 2 pool: "none" }
            fc: 7 fc: 5 activation: "leaky_relu" l2_normalize: false })",
            {3, 11, 9},
            {2, {{3, 2, 0, 'a', 2}, {2, 1, 1, 'n', 2}}, false, 2, "leaky_relu", false, false}},
        // Blocked layouts (16 and 17 channels), global pooling, gelu.
        ReferenceCase{R"(name: "cnn" [siamese.cnn] {
            conv { channels: 16 kernel: 5 } conv { channels: 17 pool_size: 3 }
            global_pool: true activation: "gelu" })",
                      {2, 12, 12},
                      {2, {{5, 1, 2, 'm', 2}, {3, 1, 1, 'm', 3}}, false, 1, "gelu", true, true}},
        // Batch norm in eval mode: the running statistics.
        ReferenceCase{R"(name: "cnn" [siamese.cnn] {
            conv { channels: 16 } conv { channels: 3 pool: "avg" } fc: 8 batch_norm: true })",
                      {1, 8, 8},
                      {2, {{3, 1, 1, 'm', 2}, {3, 1, 1, 'a', 2}}, true, 1, "relu", false, true}}));

// Inference (NoGradScope, see CompareInferenceWithTraining) gives the
// numbers of the training-mode primitives in eval mode (dropout off, batch
// norm on its running statistics) within float rounding. Any element that
// differs in its bits is reported (not failed): oneDNN may pick another
// kernel (e.g. brgconv on nhwc instead of the direct nChw16c kernel), which
// may sum in another order.
struct InferenceCase {
  std::string config;
  Shape input;  // one example
  int64_t batch;
};

class CnnInferenceTest : public ::testing::TestWithParam<InferenceCase> {};

TEST_P(CnnInferenceTest, MatchesTrainingPrimitivesInEvalMode) {
  const InferenceCase& c = GetParam();
  auto e = MakeEncoder(c.config, c.input, 16, 4);
  ASSERT_NE(e, nullptr);
  Shape shape = c.input;
  shape.insert(shape.begin(), c.batch);
  const Tensor x = RandomTensor(shape, 21);
  // Training-mode forwards first: they move batch norm's running statistics
  // off (0, 1), so that eval mode uses real ones.
  for (int i = 0; i < 2; ++i) e->Forward(Variable(RandomTensor(shape, 30 + i)));
  ClearTape();
  e->Eval();
  const testing_util::InferenceComparison r =
      testing_util::CompareInferenceWithTraining(e.get(), x);
  EXPECT_GT(r.tape_nodes, 0);  // the reference did run training-mode ops
  EXPECT_GT(r.frozen_weights, 0);
  EXPECT_TRUE(TensorsNear(r.inference, r.training, 1e-6f, 1e-5f));
  EXPECT_EQ(r.inference_again.ToVector(), r.inference.ToVector());
  std::cout << "[ inference ] " << r.bit_differences << " of " << r.training.numel()
            << " elements differ in their bits from the training-mode forward (max |diff| "
            << r.max_abs_difference << ")\n";
}

INSTANTIATE_TEST_SUITE_P(Configs, CnnInferenceTest,
                         ::testing::Values(
                             // The benchmark CNN at the peer's inference batch.
                             InferenceCase{R"(name: "cnn")", {1, 28, 28}, 256},
                             // Batch norm (running statistics) and dropout (off in eval mode).
                             InferenceCase{R"(name: "cnn" [siamese.cnn] {
            conv { channels: 16 } conv { channels: 32 pool: "avg" } fc: 64 fc: 32
            batch_norm: true dropout: 0.3 })",
                                           {3, 16, 16},
                                           32},
                             // Fused gelu and leaky relu; global pooling, strides, no pooling.
                             InferenceCase{R"(name: "cnn" [siamese.cnn] {
            conv { channels: 16 kernel: 5 } conv { channels: 17 pool_size: 3 }
            global_pool: true activation: "gelu" })",
                                           {2, 12, 12},
                                           8},
                             InferenceCase{R"(name: "cnn" [siamese.cnn] {
            conv { channels: 24 stride: 2 pool: "none" } conv { channels: 32 }
            fc: 40 activation: "leaky_relu" l2_normalize: false })",
                                           {1, 20, 20},
                                           16}));

// Finite differences through the whole encoder, w.r.t. the input and every
// parameter (batch statistics in training mode when batch_norm is on). With
// relu and max pooling, seed 3 keeps every element away from the kinks.
void CheckEncoderGradients(const std::string& config, uint64_t seed = 3, float min_grad = 0.05f) {
  auto e = MakeEncoder(config, {1, 8, 8}, 3, seed);
  ASSERT_NE(e, nullptr);
  std::vector<Variable> inputs = {Variable(RandomTensor({2, 1, 8, 8}, 8), true)};
  for (const Variable& p : e->Parameters()) inputs.push_back(p);
  // Guard against a vacuous check (e.g. all ReLUs dead): every input gets a
  // gradient well above the tolerance.
  e->Forward(inputs[0]).Backward(RandomTensor({2, 3}, 7, 0.5f, 1.5f));
  for (size_t k = 0; k < inputs.size(); ++k) {
    float max_abs = 0;
    for (float g : inputs[k].grad().ToVector()) max_abs = std::max(max_abs, std::fabs(g));
    EXPECT_GT(max_abs, min_grad) << "input " << k;
  }
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients([&e](const std::vector<Variable>& in) { return e->Forward(in[0]); },
                             inputs, options));
}

TEST(CnnEncoderTest, GradientsOfInputAndParameters) { CheckEncoderGradients(kTiny); }

// A smooth network (gelu, average pooling) has no kinks at all, so its check
// does not depend on the seed.
TEST(CnnEncoderTest, GradientsOfSmoothNetwork) {
  CheckEncoderGradients(R"(name: "cnn" [siamese.cnn] {
      conv { channels: 3 pool: "avg" } conv { channels: 4 stride: 2 pool: "none" }
      fc: 5 activation: "gelu" batch_norm: true global_pool: true })",
                        1, 0.005f);
}

TEST(CnnEncoderTest, GradientsWithBatchNormInTraining) {
  auto e = MakeEncoder(kTinyBatchNorm, {1, 8, 8}, 3);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->is_training());
  using NS = std::vector<std::pair<std::string, Shape>>;
  EXPECT_EQ(NamesAndShapes(*e), (NS{{"conv0.weight", {3, 1, 3, 3}},
                                    {"bn0.gamma", {3}},
                                    {"bn0.beta", {3}},
                                    {"conv1.weight", {4, 3, 3, 3}},
                                    {"bn1.gamma", {4}},
                                    {"bn1.beta", {4}},
                                    {"fc0.weight", {5, 16}},
                                    {"fc0.bias", {5}},
                                    {"out.weight", {3, 5}},
                                    {"out.bias", {3}}}));
  std::vector<std::string> buffers;
  for (const auto& [name, t] : e->NamedBuffers()) buffers.push_back(name);
  EXPECT_EQ(buffers, (std::vector<std::string>{"bn0.running_mean", "bn0.running_var",
                                               "bn1.running_mean", "bn1.running_var"}));
  CheckEncoderGradients(kTinyBatchNorm);
}

TEST(CnnEncoderTest, BatchNormUpdatesRunningStatsOnlyInTraining) {
  auto e = MakeEncoder(kTinyBatchNorm, {1, 8, 8}, 3);
  ASSERT_NE(e, nullptr);
  const Tensor x = RandomTensor({4, 1, 8, 8}, 9, 0.0f, 3.0f);
  e->Forward(Variable(x));
  const Tensor mean = e->NamedBuffers()[0].second->Clone();
  EXPECT_NE(mean.ToVector(), std::vector<float>(3, 0.0f));
  e->Eval();
  Tensor y1 = e->Forward(Variable(x)).value();
  EXPECT_EQ(e->NamedBuffers()[0].second->ToVector(), mean.ToVector());
  // Eval mode normalizes each example on its own: a batch of one agrees.
  Tensor first = e->Forward(Variable(RandomTensor({1, 1, 8, 8}, 9, 0.0f, 3.0f))).value();
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(first.data()[j], y1.data()[j], 1e-5f);
}

TEST(CnnEncoderTest, DropoutOnlyInTraining) {
  const std::string with = R"(name: "cnn" [siamese.cnn] {
      conv { channels: 4 } fc: 32 fc: 16 dropout: 0.5 })";
  const std::string without = R"(name: "cnn" [siamese.cnn] { conv { channels: 4 } fc: 32 fc: 16 })";
  auto a = MakeEncoder(with, {1, 8, 8}, 4, 2);
  auto b = MakeEncoder(without, {1, 8, 8}, 4, 2);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const Variable x(RandomTensor({3, 1, 8, 8}, 4));
  // Training: masks differ from step to step, and from no dropout.
  Tensor t1 = a->Forward(x).value(), t2 = a->Forward(x).value();
  Tensor plain = b->Forward(x).value();
  EXPECT_NE(t1.ToVector(), t2.ToVector());
  EXPECT_NE(t1.ToVector(), plain.ToVector());
  // The same seed gives the same masks.
  auto a2 = MakeEncoder(with, {1, 8, 8}, 4, 2);
  EXPECT_EQ(a2->Forward(x).value().ToVector(), t1.ToVector());
  // Eval: dropout is the identity, so the output equals the dropout-free net.
  a->Eval();
  EXPECT_EQ(a->Forward(x).value().ToVector(), plain.ToVector());
  EXPECT_EQ(a->Forward(x).value().ToVector(), plain.ToVector());
}

TEST(CnnEncoderTest, SeedDeterminesWeights) {
  auto a = MakeEncoder(kTiny, {1, 8, 8}, 3, 7);
  auto b = MakeEncoder(kTiny, {1, 8, 8}, 3, 7);
  auto c = MakeEncoder(kTiny, {1, 8, 8}, 3, 8);
  auto pa = ParameterValues(*a), pb = ParameterValues(*b), pc = ParameterValues(*c);
  ASSERT_EQ(pa.size(), 8u);
  for (const auto& [name, t] : pa) {
    EXPECT_EQ(t.ToVector(), pb.at(name).ToVector()) << name;
    EXPECT_NE(t.ToVector(), pc.at(name).ToVector()) << name;
  }
}

TEST(CnnEncoderTest, PyTorchDefaultInitBounds) {
  auto e =
      MakeEncoder(R"(name: "cnn" [siamese.cnn] { conv { channels: 8 } fc: 64 })", {2, 8, 8}, 32);
  for (const auto& [name, v] : e->NamedParameters()) {
    // fan_in of conv0 is 2 * 3 * 3; of fc0 8 * 4 * 4; of out 64.
    const double fan_in = name[0] == 'c' ? 18 : name[0] == 'f' ? 128 : 64;
    const double bound = 1.0 / std::sqrt(fan_in);
    double max_abs = 0;
    for (float f : v.value().ToVector()) max_abs = std::max(max_abs, std::fabs(double{f}));
    EXPECT_LE(max_abs, bound) << name;
    if (v.numel() >= 64) {
      EXPECT_GT(max_abs, 0.8 * bound) << name;
    }
  }
}

struct ErrorCase {
  std::string params;  // inside [siamese.cnn] { ... }
  Shape input;
  std::string field;  // "" for errors without a field
  std::string message;
};

class CnnErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CnnErrorTest, NamesTheField) {
  const ErrorCase& c = GetParam();
  auto e =
      CreateEncoder(absl::StrCat(R"(name: "cnn" [siamese.cnn] { )", c.params, " }"), c.input, 4);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(e.status()), c.field);
  EXPECT_THAT(e.status().message(), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    BadParams, CnnErrorTest,
    ::testing::Values(
        ErrorCase{"conv { channels: 0 }",
                  {1, 8, 8},
                  "conv[0].channels",
                  "conv[0].channels: must be >= 1, got 0"},
        ErrorCase{"conv { channels: 2 } conv { channels: 2 stride: 0 }",
                  {1, 8, 8},
                  "conv[1].stride",
                  "conv[1].stride: must be >= 1, got 0"},
        ErrorCase{"conv { channels: 2 kernel: 0 }", {1, 8, 8}, "conv[0].kernel", "must be >= 1"},
        ErrorCase{"conv { channels: 2 padding: -2 }", {1, 8, 8}, "conv[0].padding", "got -2"},
        ErrorCase{R"(conv { channels: 2 pool: "min" })",
                  {1, 8, 8},
                  "conv[0].pool",
                  R"(must be "max", "avg" or "none", got "min")"},
        ErrorCase{"conv { channels: 2 pool_size: 0 }",
                  {1, 8, 8},
                  "conv[0].pool_size",
                  "must be >= 1, got 0"},
        ErrorCase{"conv { channels: 2 } conv { channels: 2 } conv { channels: 2 }",
                  {1, 4, 4},
                  "conv[2].pool_size",
                  "pool_size 2 is larger than the 1x1 output of this layer, leaving less than 1 "
                  "pixel (input shape [1, 4, 4])"},
        ErrorCase{"conv { channels: 2 kernel: 5 padding: 0 }",
                  {1, 3, 8},
                  "conv[0].kernel",
                  "kernel 5 does not fit the 3x8 map this layer receives (padding 0; input shape "
                  "[1, 3, 8])"},
        ErrorCase{
            "conv { channels: 2 } dropout: 1", {1, 8, 8}, "dropout", "must be in [0, 1), got 1"},
        ErrorCase{"conv { channels: 2 } fc: 3 fc: 0", {1, 8, 8}, "fc[1]", "fc[1]: must be >= 1"},
        ErrorCase{R"(activation: "tanh")", {1, 8, 8}, "activation", R"(got "tanh")"},
        ErrorCase{"", {28, 28}, "", "cnn encoder: the input shape must be [C, H, W]"},
        ErrorCase{"", {1, 0, 28}, "", "got [1, 0, 28]"}));

TEST(CnnEncoderTest, RejectsZeroEmbeddingDim) {
  auto e = CreateEncoder(R"(name: "cnn")", {1, 8, 8}, 0);
  EXPECT_THAT(e.status().message(), HasSubstr("embedding_dim must be >= 1, got 0"));
}

TEST(CnnEncoderDeathTest, WrongInputShape) {
  auto e = MakeEncoder(kTiny, {1, 8, 8}, 3);
  EXPECT_DEATH(e->Forward(Variable(Tensor::Zeros({2, 3, 8, 8}))),
               "cnn encoder: input \\[2, 3, 8, 8\\] is not a batch of examples of shape \\[1, "
               "8, 8\\]");
}

}  // namespace
}  // namespace siamese
