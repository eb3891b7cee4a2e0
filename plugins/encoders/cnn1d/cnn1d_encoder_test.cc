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
using testing_util::ReferenceForward;
using testing_util::RowsHaveUnitNorm;

// The tiny configs of the gradient checks: input [2, 16], batch 2.
const char kTiny[] = R"(name: "cnn1d" [siamese.cnn1d] {
  conv { channels: 3 } conv { channels: 4 kernel: 3 } fc: 5 })";
const char kTinyBatchNorm[] = R"(name: "cnn1d" [siamese.cnn1d] {
  conv { channels: 3 } conv { channels: 4 kernel: 3 } fc: 5 batch_norm: true })";

std::vector<std::pair<std::string, Shape>> NamesAndShapes(const Encoder& e) {
  std::vector<std::pair<std::string, Shape>> out;
  for (const auto& [name, v] : e.NamedParameters()) out.emplace_back(name, v.shape());
  return out;
}

TEST(Cnn1dEncoderTest, IsRegistered) {
  EXPECT_THAT(Registry<Encoder>::Names(), ::testing::Contains("cnn1d"));
}

TEST(Cnn1dEncoderTest, DefaultConfigGlobalPools) {
  auto e = MakeEncoder(R"(name: "cnn1d")", {3, 50}, 8);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->embedding_dim(), 8);
  using NS = std::vector<std::pair<std::string, Shape>>;
  // global_pool is on by default: fc0 sees 64 features whatever the length.
  EXPECT_EQ(NamesAndShapes(*e), (NS{{"conv0.weight", {32, 3, 5}},
                                    {"conv0.bias", {32}},
                                    {"conv1.weight", {64, 32, 5}},
                                    {"conv1.bias", {64}},
                                    {"fc0.weight", {128, 64}},
                                    {"fc0.bias", {128}},
                                    {"out.weight", {8, 128}},
                                    {"out.bias", {8}}}));
  const Tensor x = RandomTensor({4, 3, 50}, 11);
  Variable y = e->Forward(Variable(x));
  ASSERT_EQ(y.shape(), (Shape{4, 8}));
  EXPECT_TRUE(RowsHaveUnitNorm(y.value()));
  const RefArch arch{1, {{5, 1, 2, 'm', 2}, {5, 1, 2, 'm', 2}}, false, 1, "relu", true, true};
  EXPECT_TRUE(TensorsNear(y.value(), ReferenceForward(*e, arch, x), 1e-5f, 1e-3f));
  Variable y2 = e->Forward(Variable(x));
  EXPECT_TRUE(TensorsNear(y2.value(), y.value(), 0.0f, 0.0f));
  y2.Backward(RandomTensor({4, 8}, 12));
  for (const auto& [name, v] : e->NamedParameters()) {
    ASSERT_TRUE(v.grad().defined()) << name;
    EXPECT_EQ(v.grad().shape(), v.shape()) << name;
  }
}

struct ReferenceCase {
  std::string config;
  Shape input;
  RefArch arch;
};

class Cnn1dReferenceTest : public ::testing::TestWithParam<ReferenceCase> {};

TEST_P(Cnn1dReferenceTest, ForwardMatchesPlainReference) {
  const ReferenceCase& c = GetParam();
  auto e = MakeEncoder(c.config, c.input, 6, 3);
  ASSERT_NE(e, nullptr);
  Shape batch = c.input;
  batch.insert(batch.begin(), 3);
  const Tensor x = RandomTensor(batch, 21);
  if (c.arch.batch_norm) {
    for (int i = 0; i < 3; ++i) e->Forward(Variable(RandomTensor(batch, 30 + i, -1.0f, 2.0f)));
  }
  e->Eval();
  Tensor y = e->Forward(Variable(x)).value();
  ASSERT_EQ(y.shape(), (Shape{3, 6}));
  EXPECT_TRUE(TensorsNear(y, ReferenceForward(*e, c.arch, x), 1e-5f, 1e-3f));
}

INSTANTIATE_TEST_SUITE_P(
    Configs, Cnn1dReferenceTest,
    ::testing::Values(
        // Flattened (no global pool), stride 2, avg pooling, odd length.
        ReferenceCase{
            R"(name: "cnn1d" [siamese.cnn1d] {
            conv { channels: 5 stride: 2 padding: 0 pool: "avg" pool_size: 3 }
            conv { channels: 4 kernel: 4 pool: "none" }
            fc: 7 fc: 5 global_pool: false activation: "leaky_relu" l2_normalize: false })",
            {2, 37},
            {1, {{5, 2, 0, 'a', 3}, {4, 1, 2, 'n', 2}}, false, 2, "leaky_relu", false, false}},
        // Blocked layouts (16 and 33 channels), flattened, gelu.
        ReferenceCase{R"(name: "cnn1d" [siamese.cnn1d] {
            conv { channels: 16 } conv { channels: 33 kernel: 3 }
            global_pool: false activation: "gelu" })",
                      {1, 20},
                      {1, {{5, 1, 2, 'm', 2}, {3, 1, 1, 'm', 2}}, false, 1, "gelu", false, true}},
        // Batch norm in eval mode (running statistics), global pool.
        ReferenceCase{R"(name: "cnn1d" [siamese.cnn1d] {
            conv { channels: 16 } conv { channels: 3 pool: "avg" } fc: 8 batch_norm: true })",
                      {2, 24},
                      {1, {{5, 1, 2, 'm', 2}, {5, 1, 2, 'a', 2}}, true, 1, "relu", true, true}}));

// Inference (NoGradScope, see CompareInferenceWithTraining) gives the
// numbers of the training-mode primitives in eval mode within float
// rounding; elements that differ in their bits are reported, not failed.
TEST(Cnn1dEncoderTest, InferenceMatchesTrainingPrimitivesInEvalMode) {
  for (const char* config : {// The shipped cbf_cnn1d encoder (CBF series of length 128).
                             R"(name: "cnn1d" [siamese.cnn1d] {
               conv { channels: 32 kernel: 5 } conv { channels: 64 kernel: 5 } fc: 128
               global_pool: true })",
                             // Batch norm on running statistics, dropout off, flattened, gelu.
                             R"(name: "cnn1d" [siamese.cnn1d] {
               conv { channels: 16 } conv { channels: 24 kernel: 3 } fc: 32 fc: 16
               batch_norm: true dropout: 0.5 global_pool: false activation: "gelu" })"}) {
    auto e = MakeEncoder(config, {1, 128}, 32, 5);
    ASSERT_NE(e, nullptr);
    for (int i = 0; i < 2; ++i) e->Forward(Variable(RandomTensor({16, 1, 128}, 40 + i)));
    ClearTape();
    e->Eval();
    const testing_util::InferenceComparison r =
        testing_util::CompareInferenceWithTraining(e.get(), RandomTensor({64, 1, 128}, 22));
    EXPECT_GT(r.tape_nodes, 0) << config;
    EXPECT_GT(r.frozen_weights, 0) << config;
    EXPECT_TRUE(TensorsNear(r.inference, r.training, 1e-6f, 1e-5f)) << config;
    EXPECT_EQ(r.inference_again.ToVector(), r.inference.ToVector()) << config;
    std::cout << "[ inference ] " << r.bit_differences << " of " << r.training.numel()
              << " elements differ in their bits from the training-mode forward (max |diff| "
              << r.max_abs_difference << ")\n";
  }
}

// Finite differences through the whole encoder, w.r.t. the input and every
// parameter (batch statistics in training mode when batch_norm is on). With
// relu and max pooling, seed 7 keeps every element away from the kinks.
void CheckEncoderGradients(const std::string& config, uint64_t seed = 7, float min_grad = 0.05f) {
  auto e = MakeEncoder(config, {2, 16}, 3, seed);
  ASSERT_NE(e, nullptr);
  std::vector<Variable> inputs = {Variable(RandomTensor({2, 2, 16}, 8), true)};
  for (const Variable& p : e->Parameters()) inputs.push_back(p);
  // Guard against a vacuous check: every input gets a sizeable gradient.
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

TEST(Cnn1dEncoderTest, GradientsOfInputAndParameters) { CheckEncoderGradients(kTiny); }

// A smooth network (gelu, average pooling) has no kinks at all, so its check
// does not depend on the seed.
TEST(Cnn1dEncoderTest, GradientsOfSmoothNetwork) {
  CheckEncoderGradients(R"(name: "cnn1d" [siamese.cnn1d] {
      conv { channels: 3 pool: "avg" } conv { channels: 4 kernel: 3 stride: 2 pool: "avg" }
      fc: 5 activation: "gelu" batch_norm: true })",
                        1, 0.005f);
}

TEST(Cnn1dEncoderTest, GradientsWithBatchNormInTraining) {
  auto e = MakeEncoder(kTinyBatchNorm, {2, 16}, 3);
  ASSERT_NE(e, nullptr);
  using NS = std::vector<std::pair<std::string, Shape>>;
  EXPECT_EQ(NamesAndShapes(*e), (NS{{"conv0.weight", {3, 2, 5}},
                                    {"bn0.gamma", {3}},
                                    {"bn0.beta", {3}},
                                    {"conv1.weight", {4, 3, 3}},
                                    {"bn1.gamma", {4}},
                                    {"bn1.beta", {4}},
                                    {"fc0.weight", {5, 4}},
                                    {"fc0.bias", {5}},
                                    {"out.weight", {3, 5}},
                                    {"out.bias", {3}}}));
  EXPECT_EQ(e->NamedBuffers().size(), 4u);
  CheckEncoderGradients(kTinyBatchNorm);
}

TEST(Cnn1dEncoderTest, DropoutOnlyInTraining) {
  const std::string with = R"(name: "cnn1d" [siamese.cnn1d] {
      conv { channels: 4 } fc: 32 fc: 16 dropout: 0.5 })";
  const std::string without =
      R"(name: "cnn1d" [siamese.cnn1d] { conv { channels: 4 } fc: 32 fc: 16 })";
  auto a = MakeEncoder(with, {1, 12}, 4, 2);
  auto b = MakeEncoder(without, {1, 12}, 4, 2);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const Variable x(RandomTensor({3, 1, 12}, 4));
  Tensor t1 = a->Forward(x).value(), t2 = a->Forward(x).value();
  Tensor plain = b->Forward(x).value();
  EXPECT_NE(t1.ToVector(), t2.ToVector());
  EXPECT_NE(t1.ToVector(), plain.ToVector());
  auto a2 = MakeEncoder(with, {1, 12}, 4, 2);
  EXPECT_EQ(a2->Forward(x).value().ToVector(), t1.ToVector());
  a->Eval();
  EXPECT_EQ(a->Forward(x).value().ToVector(), plain.ToVector());
}

TEST(Cnn1dEncoderTest, SeedDeterminesWeights) {
  auto a = MakeEncoder(kTiny, {2, 16}, 3, 7);
  auto b = MakeEncoder(kTiny, {2, 16}, 3, 7);
  auto c = MakeEncoder(kTiny, {2, 16}, 3, 8);
  auto pa = ParameterValues(*a), pb = ParameterValues(*b), pc = ParameterValues(*c);
  ASSERT_EQ(pa.size(), 8u);
  for (const auto& [name, t] : pa) {
    EXPECT_EQ(t.ToVector(), pb.at(name).ToVector()) << name;
    EXPECT_NE(t.ToVector(), pc.at(name).ToVector()) << name;
  }
}

struct ErrorCase {
  std::string params;
  Shape input;
  std::string field;
  std::string message;
};

class Cnn1dErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(Cnn1dErrorTest, NamesTheField) {
  const ErrorCase& c = GetParam();
  auto e = CreateEncoder(absl::StrCat(R"(name: "cnn1d" [siamese.cnn1d] { )", c.params, " }"),
                         c.input, 4);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(e.status()), c.field);
  EXPECT_THAT(e.status().message(), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    BadParams, Cnn1dErrorTest,
    ::testing::Values(
        ErrorCase{"conv { channels: -1 }",
                  {1, 16},
                  "conv[0].channels",
                  "conv[0].channels: must be >= 1, got -1"},
        ErrorCase{"conv { channels: 2 } conv { channels: 2 stride: 0 }",
                  {1, 16},
                  "conv[1].stride",
                  "must be >= 1, got 0"},
        ErrorCase{R"(conv { channels: 2 pool: "sum" })", {1, 16}, "conv[0].pool", R"(got "sum")"},
        ErrorCase{
            "conv { channels: 2 } conv { channels: 2 pool_size: 9 }",
            {1, 16},
            "conv[1].pool_size",
            "pool_size 9 is larger than the 8 output of this layer, leaving less than 1 pixel "
            "(input shape [1, 16])"},
        ErrorCase{"conv { channels: 2 kernel: 9 padding: 0 }",
                  {1, 8},
                  "conv[0].kernel",
                  "kernel 9 does not fit the 8 map this layer receives (padding 0"},
        ErrorCase{"dropout: -0.5", {1, 16}, "dropout", "must be in [0, 1)"},
        ErrorCase{"fc: 0", {1, 16}, "fc[0]", "must be >= 1"},
        ErrorCase{R"(activation: "swish")", {1, 16}, "activation", R"(got "swish")"},
        ErrorCase{"", {1, 28, 28}, "", "cnn1d encoder: the input shape must be [C, L]"}));

TEST(Cnn1dEncoderDeathTest, WrongInputShape) {
  auto e = MakeEncoder(kTiny, {2, 16}, 3);
  EXPECT_DEATH(e->Forward(Variable(Tensor::Zeros({2, 2, 15}))),
               "cnn1d encoder: input \\[2, 2, 15\\] is not a batch of examples of shape \\[2, "
               "16\\]");
}

}  // namespace
}  // namespace siamese
