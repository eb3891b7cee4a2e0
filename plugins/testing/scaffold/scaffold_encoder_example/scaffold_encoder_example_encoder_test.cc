#include <cmath>
#include <map>

#include "framework/autograd/gradient_check.h"
#include "framework/core/encoder.h"
#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// Created from its parameters (text format) for examples of shape `input`.
absl::StatusOr<std::unique_ptr<Encoder>> Make(const std::string& params, const Shape& input,
                                              int64_t embedding_dim, uint64_t seed = 1) {
  EncoderConfig c;
  const std::string text =
      "name: \"scaffold_encoder_example\" [siamese.scaffold_encoder_example] { " + params + " }";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.input_shape = input;
  context.embedding_dim = embedding_dim;
  context.seed = seed;
  return Registry<Encoder>::Create(c, context);
}

std::map<std::string, Variable> Parameters(const Encoder& e) {
  std::map<std::string, Variable> out;
  for (const auto& [name, v] : e.NamedParameters()) out[name] = v;
  return out;
}

TEST(ScaffoldEncoderExampleEncoderTest, MatchesHandComputation) {
  auto e = Make("hidden_units: 1 l2_normalize: false", {2}, 1);
  ASSERT_TRUE(e.ok()) << e.status();
  std::map<std::string, Variable> p = Parameters(**e);
  p.at("hidden.weight").mutable_value() = Tensor::FromVector({1, 2}, {0.5f, -1.0f});
  p.at("hidden.bias").mutable_value() = Tensor::FromVector({1}, {0.25f});
  p.at("out.weight").mutable_value() = Tensor::FromVector({1, 1}, {2.0f});
  p.at("out.bias").mutable_value() = Tensor::FromVector({1}, {-1.0f});
  // x = (1, 0.5): h = tanh(0.5 - 0.5 + 0.25); e = 2 h - 1.
  const Variable y = (*e)->Forward(Variable(Tensor::FromVector({1, 2}, {1.0f, 0.5f})));
  ASSERT_EQ(y.shape(), (Shape{1, 1}));
  EXPECT_NEAR(y.value().ToVector()[0], 2 * std::tanh(0.25) - 1, 1e-5);
}

TEST(ScaffoldEncoderExampleEncoderTest, GradientsMatchFiniteDifferences) {
  auto e = Make("hidden_units: 5", {2, 3}, 4);
  ASSERT_TRUE(e.ok()) << e.status();
  // The input and every parameter (the module's own Variables).
  std::vector<Variable> inputs = {Variable(RandomTensor({3, 2, 3}, 1), true)};
  for (const auto& [name, v] : (*e)->NamedParameters()) inputs.push_back(v);
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients([&](const std::vector<Variable>& in) { return (*e)->Forward(in[0]); },
                             inputs, options));
}

TEST(ScaffoldEncoderExampleEncoderTest, SeedFixesTheWeights) {
  auto a = Make("", {1, 4, 4}, 3, 1), b = Make("", {1, 4, 4}, 3, 1), c = Make("", {1, 4, 4}, 3, 2);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  const Variable x(RandomTensor({2, 1, 4, 4}, 3));
  const std::vector<float> ya = (*a)->Forward(x).value().ToVector();
  EXPECT_EQ(ya, (*b)->Forward(x).value().ToVector());
  EXPECT_NE(ya, (*c)->Forward(x).value().ToVector());
  EXPECT_EQ((*a)->NamedParameters().size(), 4u);  // hidden.{weight,bias}, out.{weight,bias}
}

TEST(ScaffoldEncoderExampleEncoderTest, BadParameterNamesTheField) {
  auto e = Make("hidden_units: -1", {2}, 1);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(ErrorField(e.status()), "hidden_units");
}

}  // namespace
}  // namespace siamese
