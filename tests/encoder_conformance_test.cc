// Conformance of every registered encoder: output shape, gradients w.r.t.
// the input and every parameter, seeding, and deterministic eval mode.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "framework/autograd/gradient_check.h"
#include "framework/core/encoder.h"
#include "framework/core/registry.h"
#include "gtest/gtest.h"
#include "tests/conformance.h"

namespace siamese {
namespace {

using conformance::CreateForSuite;
using conformance::Overrides;

// Per-encoder settings. `input` is the shape of one example the encoder is
// created for; `config` replaces the defaults (name only) where they cannot
// work on that input ("" = defaults); `grad_config` is the config of the
// gradient check ("" = as the other tests), small and smooth: gelu and
// average pooling keep finite differences away from kinks.
// An encoder not listed here is probed with kProbeShapes and checked with its
// defaults, which must then be small enough for finite differences.
struct EncoderEntry {
  Shape input;
  std::string config;
  std::string grad_config;
};

const std::map<std::string, EncoderEntry>& EncoderTable() {
  static const auto* table = new std::map<std::string, EncoderEntry>{
      {"cnn", {{1, 8, 8}, "", R"(name: "cnn" [siamese.cnn] {
          conv { channels: 2 pool: "avg" } conv { channels: 3 pool: "avg" }
          fc: 5 activation: "gelu" })"}},
      {"cnn1d", {{2, 16}, "", R"(name: "cnn1d" [siamese.cnn1d] {
          conv { channels: 2 kernel: 3 pool: "avg" } conv { channels: 3 kernel: 3 pool: "avg" }
          fc: 5 activation: "gelu" })"}},
      // GELU: with ReLU, batch norm puts ReLU inputs at the kink for most
      // seeds. Stage 1 has a strided projection shortcut.
      {"resnet", {{1, 8, 8}, "", R"(name: "resnet" [siamese.resnet] {
          stem_channels: 2 stage { channels: 2 } stage { channels: 3 stride: 2 }
          activation: "gelu" })"}},
      // Token ids are not differentiable and random floats are not ids: the
      // suite (which checks input gradients) runs the frames adapter.
      {"transformer",
       {{2, 16},
        R"(name: "transformer" [siamese.transformer] {
          input: "frames" frame_size: 4 d_model: 16 num_heads: 2 num_layers: 1 ffn_dim: 32 })",
        R"(name: "transformer" [siamese.transformer] {
          input: "frames" frame_size: 4 d_model: 8 num_heads: 2 num_layers: 1 ffn_dim: 16 })"}},
  };
  return *table;
}

const char kTable[] = "EncoderTable() in tests/encoder_conformance_test.cc";
// Example shapes tried, in order, for an encoder missing from EncoderTable().
const std::vector<Shape> kProbeShapes = {{1, 8, 8}, {2, 16}, {16}};
constexpr int64_t kDim = 4;
// Most elements (input + parameters) a gradient check may perturb.
constexpr int64_t kMaxGradElements = 3000;

PluginContext Context(const Shape& input, uint64_t seed = 1) {
  PluginContext context;
  context.input_shape = input;
  context.embedding_dim = kDim;
  context.seed = seed;
  return context;
}

Shape Batch(int64_t n, const Shape& example) {
  Shape s = example;
  s.insert(s.begin(), n);
  return s;
}

// The config overrides of the tests other than the gradient check.
Overrides ConfigOverrides() {
  Overrides out;
  for (const auto& [name, entry] : EncoderTable()) {
    if (!entry.config.empty()) out[name] = entry.config;
  }
  return out;
}

// The example shape the suite uses for encoder `name`.
absl::StatusOr<Shape> InputShape(const std::string& name) {
  auto it = EncoderTable().find(name);
  if (it != EncoderTable().end()) return it->second.input;
  std::string tried;
  for (const Shape& s : kProbeShapes) {
    if (CreateForSuite<Encoder>(name, {}, kTable, Context(s)).ok()) return s;
    absl::StrAppend(&tried, tried.empty() ? "" : ", ", ShapeToString(s));
  }
  return absl::NotFoundError(absl::StrCat(
      "encoder \"", name, "\" has no entry in ", kTable, " and its defaults accept none of the ",
      "example shapes ", tried, "; add an entry {\"", name,
      "\", {<example shape>, <config or \"\">, <tiny gradient-check config>}}"));
}

// The encoder with its default parameters (name only) or its table config,
// for its example shape.
std::unique_ptr<Encoder> MakeDefault(const std::string& name, uint64_t seed, Shape* input) {
  absl::StatusOr<Shape> shape = InputShape(name);
  EXPECT_TRUE(shape.ok()) << shape.status().message();
  if (!shape.ok()) return nullptr;
  *input = *shape;
  auto e = CreateForSuite<Encoder>(name, ConfigOverrides(), kTable, Context(*shape, seed));
  EXPECT_TRUE(e.ok()) << e.status().message();
  return e.ok() ? std::move(*e) : nullptr;
}

std::map<std::string, std::vector<float>> Weights(const Encoder& e) {
  std::map<std::string, std::vector<float>> out;
  for (const auto& [name, v] : e.NamedParameters()) out[name] = v.value().ToVector();
  return out;
}

bool AllFinite(const Tensor& t) {
  for (float f : t.ToVector()) {
    if (!std::isfinite(f)) return false;
  }
  return true;
}

class EncoderConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void TearDown() override { ClearTape(); }
};

TEST_P(EncoderConformanceTest, OutputIsNByEmbeddingDim) {
  Shape input;
  auto e = MakeDefault(GetParam(), 1, &input);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->embedding_dim(), kDim);
  EXPECT_TRUE(e->is_training());
  for (int64_t n : {1, 3}) {
    Variable y = e->Forward(Variable(RandomTensor(Batch(n, input), 5)));
    ASSERT_EQ(y.shape(), (Shape{n, kDim})) << "input " << ShapeToString(Batch(n, input));
    EXPECT_TRUE(AllFinite(y.value())) << "batch " << n;
  }
}

TEST_P(EncoderConformanceTest, GradientsOfInputAndEveryParameter) {
  const std::string& name = GetParam();
  absl::StatusOr<Shape> input = InputShape(name);
  ASSERT_TRUE(input.ok()) << input.status().message();
  Overrides grad_config = ConfigOverrides();
  auto it = EncoderTable().find(name);
  if (it != EncoderTable().end() && !it->second.grad_config.empty()) {
    grad_config[name] = it->second.grad_config;
  }
  auto e = CreateForSuite<Encoder>(name, grad_config, kTable, Context(*input));
  ASSERT_TRUE(e.ok()) << e.status().message();
  Encoder& encoder = **e;

  std::vector<Variable> inputs = {Variable(RandomTensor(Batch(2, *input), 8), true)};
  for (const auto& [pname, p] : encoder.NamedParameters()) {
    ASSERT_TRUE(p.value().is_plain())
        << "parameter " << pname << " is stored in a blocked layout; the gradient checker and "
        << "checkpoints need plain parameters";
    inputs.push_back(p);
  }
  ASSERT_GT(inputs.size(), 1u) << "encoder \"" << name << "\" has no parameters";
  int64_t elements = 0;
  for (const Variable& v : inputs) elements += v.numel();
  ASSERT_LE(elements, kMaxGradElements)
      << "encoder \"" << name << "\": " << elements << " input and parameter elements are too "
      << "many for finite differences; give it a tiny, smooth grad_config in " << kTable;

  // Not vacuous: every input and parameter gets a gradient above the noise.
  encoder.Forward(inputs[0]).Backward(RandomTensor({2, kDim}, 7, 0.5f, 1.5f));
  std::vector<std::pair<std::string, Variable>> named = encoder.NamedParameters();
  named.insert(named.begin(), {"input", inputs[0]});
  for (const auto& [pname, v] : named) {
    ASSERT_TRUE(v.grad().defined()) << pname << " received no gradient";
    float max_abs = 0;
    for (float g : v.grad().ToVector()) max_abs = std::max(max_abs, std::fabs(g));
    EXPECT_GT(max_abs, 1e-3f) << pname << ": the gradient check would be vacuous";
  }
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(
      CheckGradients([&encoder](const std::vector<Variable>& in) { return encoder.Forward(in[0]); },
                     inputs, options))
      << "encoder \"" << name << "\" with " << grad_config[name];
}

TEST_P(EncoderConformanceTest, SeedDeterminesWeightsAndOutputs) {
  Shape input;
  auto a = MakeDefault(GetParam(), 1, &input);
  auto b = MakeDefault(GetParam(), 1, &input);
  auto c = MakeDefault(GetParam(), 2, &input);
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(Weights(*a) == Weights(*b)) << "same seed, different weights";
  const auto wa = Weights(*a), wc = Weights(*c);
  ASSERT_EQ(wa.size(), wc.size());
  int differ = 0;
  for (const auto& [pname, w] : wa) differ += w != wc.at(pname);
  EXPECT_GT(differ, 0) << "seeds 1 and 2 give identical weights";

  const Variable x(RandomTensor(Batch(3, input), 9));
  const std::vector<float> ya = a->Forward(x).value().ToVector();
  EXPECT_EQ(ya, b->Forward(x).value().ToVector()) << "same seed, different outputs";
  EXPECT_NE(ya, c->Forward(x).value().ToVector()) << "seeds 1 and 2 give identical outputs";
}

TEST_P(EncoderConformanceTest, EvalModeIsDeterministic) {
  Shape input;
  auto e = MakeDefault(GetParam(), 1, &input);
  ASSERT_NE(e, nullptr);
  const Variable x(RandomTensor(Batch(3, input), 10));
  e->Forward(x);  // a training step first (e.g. moves batch-norm statistics)
  ClearTape();
  e->Eval();
  EXPECT_FALSE(e->is_training());
  std::vector<float> first;
  {
    NoGradScope no_grad;
    first = e->Forward(x).value().ToVector();
    EXPECT_EQ(e->Forward(x).value().ToVector(), first) << "eval mode changes between calls";
  }
  // Recording a tape does not change eval-mode values either.
  EXPECT_EQ(e->Forward(x).value().ToVector(), first) << "eval mode differs with gradients on";
  NoGradScope no_grad;
  EXPECT_EQ(e->Forward(x).value().ToVector(), first) << "eval mode changes between calls";
}

TEST(EncoderConformanceSuiteTest, EncodersAreRegisteredAndTableIsCurrent) {
  EXPECT_FALSE(Registry<Encoder>::Names().empty()) << "no encoder linked";
  for (const auto& [name, entry] : EncoderTable()) {
    EXPECT_NE(conformance::FindInfo<Encoder>(name), nullptr)
        << kTable << " lists \"" << name << "\", which is not registered";
  }
}

INSTANTIATE_TEST_SUITE_P(AllEncoders, EncoderConformanceTest,
                         ::testing::ValuesIn(Registry<Encoder>::Names()),
                         [](const auto& info) { return conformance::TestName(info.param); });

}  // namespace
}  // namespace siamese
