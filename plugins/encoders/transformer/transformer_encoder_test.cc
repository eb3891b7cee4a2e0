#include "plugins/encoders/transformer/transformer_encoder.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/autograd/gradient_check.h"
#include "framework/core/encoder.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "framework/tensor/dnnl_context.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/encoders/common/encoder_testing.h"
#include "plugins/optimizers/adam/adam.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;
using testing_util::CreateEncoder;
using testing_util::MakeEncoder;
using testing_util::ParameterValues;
using testing_util::RowsHaveUnitNorm;
using NamesAndShapes = std::vector<std::pair<std::string, Shape>>;

std::string Config(const std::string& params) {
  return absl::StrCat(R"(name: "transformer" [siamese.transformer] { )", params, " }");
}

NamesAndShapes ParameterShapes(const Encoder& e) {
  NamesAndShapes out;
  for (const auto& [name, v] : e.NamedParameters()) out.emplace_back(name, v.shape());
  return out;
}

// A [rows.size(), L] batch of token ids.
Tensor Tokens(const std::vector<std::vector<float>>& rows) {
  std::vector<float> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return Tensor::FromVector(
      {static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())}, flat);
}

// Row i of y [N, D] as a [1, D] tensor.
Tensor Row(const Tensor& y, int64_t i) {
  const Tensor p = y.ToPlain();
  const int64_t d = p.dim(1);
  return Tensor::FromVector({1, d}, std::vector<float>(p.data() + i * d, p.data() + (i + 1) * d));
}

// ---------------------------------------------------------------------------
// A plain reference forward pass (double, loops, eval semantics) reading the
// encoder's parameters by name. Padded keys are skipped, not masked.

struct RefArch {
  std::string input;  // tokens, patches, frames
  int64_t window;     // patch_size or frame_size
  int64_t heads;
  bool learned;
  bool cls;
  bool l2;
};

using Vec = std::vector<double>;

Vec RefLinear(const std::map<std::string, Tensor>& p, const std::string& name, const Vec& x) {
  const Tensor& w = p.at(name + ".weight");
  const auto bias = p.find(name + ".bias");  // absent: no bias
  Vec y(w.dim(0));
  for (int64_t o = 0; o < w.dim(0); ++o) {
    double acc = bias == p.end() ? 0.0 : bias->second.data()[o];
    for (int64_t k = 0; k < w.dim(1); ++k) acc += w.data()[o * w.dim(1) + k] * x[k];
    y[o] = acc;
  }
  return y;
}

Vec RefLayerNorm(const std::map<std::string, Tensor>& p, const std::string& name, const Vec& x) {
  double mean = 0, var = 0;
  for (double v : x) mean += v / x.size();
  for (double v : x) var += (v - mean) * (v - mean) / x.size();
  Vec y(x.size());
  for (size_t j = 0; j < x.size(); ++j) {
    y[j] = (x[j] - mean) / std::sqrt(var + 1e-5) * p.at(name + ".gamma").data()[j] +
           p.at(name + ".beta").data()[j];
  }
  return y;
}

Tensor ReferenceForward(const Encoder& e, const RefArch& a, const Tensor& x_in) {
  const Tensor x = x_in.ToPlain();
  const std::map<std::string, Tensor> p = ParameterValues(e);
  const int64_t n = x.dim(0);
  const int64_t d = p.at("ln_f.gamma").dim(0);
  int layers = 0;
  while (p.count(absl::StrCat("block", layers, ".ln1.gamma"))) ++layers;
  std::vector<Vec> out_rows;
  for (int64_t s = 0; s < n; ++s) {
    std::vector<Vec> h;
    std::vector<bool> valid;
    if (a.input == "tokens") {
      const Tensor& embed = p.at("embed.weight");
      for (int64_t t = 0; t < x.dim(1); ++t) {
        const int64_t id = static_cast<int64_t>(x.data()[s * x.dim(1) + t]);
        h.emplace_back(embed.data() + id * d, embed.data() + (id + 1) * d);
        valid.push_back(id != 0);
      }
    } else if (a.input == "frames") {
      const int64_t c = x.dim(1), l = x.dim(2), f = a.window;
      for (int64_t t = 0; t < l / f; ++t) {
        Vec w;
        for (int64_t ci = 0; ci < c; ++ci)
          for (int64_t i = 0; i < f; ++i) w.push_back(x.data()[(s * c + ci) * l + t * f + i]);
        h.push_back(RefLinear(p, "proj", w));
        valid.push_back(true);
      }
    } else {
      const int64_t c = x.dim(1), hh = x.dim(2), ww = x.dim(3), q = a.window;
      for (int64_t r = 0; r < hh / q; ++r)
        for (int64_t col = 0; col < ww / q; ++col) {
          Vec w;
          for (int64_t ci = 0; ci < c; ++ci)
            for (int64_t i = 0; i < q; ++i)
              for (int64_t j = 0; j < q; ++j)
                w.push_back(x.data()[((s * c + ci) * hh + r * q + i) * ww + col * q + j]);
          h.push_back(RefLinear(p, "proj", w));
          valid.push_back(true);
        }
    }
    for (size_t t = 0; t < h.size(); ++t) {
      for (int64_t j = 0; j < d; ++j) {
        const double angle = t / std::pow(10000.0, 2.0 * (j / 2) / d);
        h[t][j] += a.learned ? p.at("pos").data()[t * d + j]
                             : (j % 2 == 0 ? std::sin(angle) : std::cos(angle));
      }
    }
    if (a.cls) {
      h.insert(h.begin(), Vec(p.at("cls").data(), p.at("cls").data() + d));
      valid.insert(valid.begin(), true);
    }
    const size_t len = h.size();
    const int64_t dh = d / a.heads;
    for (int b = 0; b < layers; ++b) {
      const std::string blk = absl::StrCat("block", b, ".");
      std::vector<Vec> q(len), k(len), v(len);
      for (size_t t = 0; t < len; ++t) {
        const Vec z = RefLayerNorm(p, blk + "ln1", h[t]);
        q[t] = RefLinear(p, blk + "attn.q", z);
        k[t] = RefLinear(p, blk + "attn.k", z);
        v[t] = RefLinear(p, blk + "attn.v", z);
      }
      std::vector<Vec> merged(len, Vec(d, 0.0));
      for (int64_t hd = 0; hd < a.heads; ++hd) {
        for (size_t i = 0; i < len; ++i) {
          Vec score(len, -1e300);
          double mx = -1e300;
          for (size_t j = 0; j < len; ++j) {
            if (!valid[j]) continue;
            double dot = 0;
            for (int64_t c = hd * dh; c < (hd + 1) * dh; ++c) dot += q[i][c] * k[j][c];
            score[j] = dot / std::sqrt(static_cast<double>(dh));
            mx = std::max(mx, score[j]);
          }
          double z = 0;
          for (size_t j = 0; j < len; ++j) z += valid[j] ? std::exp(score[j] - mx) : 0.0;
          for (size_t j = 0; j < len; ++j) {
            if (!valid[j]) continue;
            const double w = std::exp(score[j] - mx) / z;
            for (int64_t c = hd * dh; c < (hd + 1) * dh; ++c) merged[i][c] += w * v[j][c];
          }
        }
      }
      for (size_t t = 0; t < len; ++t) {
        const Vec o = RefLinear(p, blk + "attn.out", merged[t]);
        for (int64_t j = 0; j < d; ++j) h[t][j] += o[j];
        Vec f = RefLinear(p, blk + "ffn.fc1", RefLayerNorm(p, blk + "ln2", h[t]));
        for (double& u : f) u = 0.5 * u * (1.0 + std::erf(u / std::sqrt(2.0)));
        const Vec g = RefLinear(p, blk + "ffn.fc2", f);
        for (int64_t j = 0; j < d; ++j) h[t][j] += g[j];
      }
    }
    Vec pooled(d, 0.0);
    if (a.cls) {
      pooled = RefLayerNorm(p, "ln_f", h[0]);
    } else {
      int count = 0;
      for (size_t t = 0; t < len; ++t) {
        if (!valid[t]) continue;
        const Vec z = RefLayerNorm(p, "ln_f", h[t]);
        for (int64_t j = 0; j < d; ++j) pooled[j] += z[j];
        ++count;
      }
      for (double& u : pooled) u /= count;
    }
    Vec y = RefLinear(p, "out", pooled);
    if (a.l2) {
      double sq = 0;
      for (double u : y) sq += u * u;
      for (double& u : y) u /= std::sqrt(sq);
    }
    out_rows.push_back(y);
  }
  Tensor r = Tensor::Empty({n, static_cast<int64_t>(out_rows[0].size())});
  for (int64_t i = 0; i < n; ++i)
    for (size_t j = 0; j < out_rows[i].size(); ++j)
      r.data()[i * out_rows[i].size() + j] = static_cast<float>(out_rows[i][j]);
  return r;
}

// ---------------------------------------------------------------------------

TEST(TransformerEncoderTest, IsRegistered) {
  EXPECT_THAT(Registry<Encoder>::Names(), ::testing::Contains("transformer"));
}

TEST(TransformerEncoderTest, DefaultsAreTheBenchmarkTransformer) {
  auto e = MakeEncoder(R"(name: "transformer")", {16}, 64);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->embedding_dim(), 64);
  NamesAndShapes expected = {{"pos", {16, 128}}, {"embed.weight", {256, 128}}};
  for (int b = 0; b < 2; ++b) {
    const std::string p = absl::StrCat("block", b, ".");
    for (const auto& [name, shape] : NamesAndShapes{{"ln1.gamma", {128}},
                                                    {"ln1.beta", {128}},
                                                    {"attn.q.weight", {128, 128}},
                                                    {"attn.q.bias", {128}},
                                                    {"attn.k.weight", {128, 128}},
                                                    {"attn.v.weight", {128, 128}},
                                                    {"attn.v.bias", {128}},
                                                    {"attn.out.weight", {128, 128}},
                                                    {"attn.out.bias", {128}},
                                                    {"ln2.gamma", {128}},
                                                    {"ln2.beta", {128}},
                                                    {"ffn.fc1.weight", {512, 128}},
                                                    {"ffn.fc1.bias", {512}},
                                                    {"ffn.fc2.weight", {128, 512}},
                                                    {"ffn.fc2.bias", {128}}}) {
      expected.emplace_back(p + name, shape);
    }
  }
  expected.insert(
      expected.end(),
      {{"ln_f.gamma", {128}}, {"ln_f.beta", {128}}, {"out.weight", {64, 128}}, {"out.bias", {64}}});
  EXPECT_EQ(ParameterShapes(*e), expected);
  EXPECT_TRUE(e->NamedBuffers().empty());

  std::vector<std::vector<float>> rows(3, std::vector<float>(16));
  for (int i = 0; i < 3; ++i)
    for (int t = 0; t < 16; ++t) rows[i][t] = static_cast<float>((37 * i + 11 * t) % 255 + 1);
  rows[2][12] = rows[2][13] = rows[2][14] = rows[2][15] = 0;
  const Tensor x = Tokens(rows);
  Variable y = e->Forward(Variable(x));
  ASSERT_EQ(y.shape(), (Shape{3, 64}));
  EXPECT_TRUE(RowsHaveUnitNorm(y.value()));
  EXPECT_TRUE(TensorsNear(y.value(), ReferenceForward(*e, {"tokens", 0, 4, true, false, true}, x),
                          1e-5f, 1e-3f));
  y.Backward(RandomTensor({3, 64}, 12));
  for (const auto& [name, v] : e->NamedParameters()) {
    ASSERT_TRUE(v.grad().defined()) << name;
    EXPECT_EQ(v.grad().shape(), v.shape()) << name;
  }
}

TEST(TransformerEncoderTest, InitializationFollowsTheDocumentedScheme) {
  auto e = MakeEncoder(Config("d_model: 64 ffn_dim: 256 num_layers: 1"), {32}, 16);
  ASSERT_NE(e, nullptr);
  for (const auto& [name, v] : e->NamedParameters()) {
    const std::vector<float> w = v.value().ToVector();
    double max_abs = 0, sq = 0, sum = 0;
    for (float f : w) {
      max_abs = std::max(max_abs, std::fabs(double{f}));
      sq += double{f} * f;
      sum += f;
    }
    if (name.find("gamma") != std::string::npos) {
      EXPECT_EQ(sum, static_cast<double>(w.size())) << name;
    } else if (name.find("beta") != std::string::npos) {
      EXPECT_EQ(max_abs, 0.0) << name;
    } else if (name == "embed.weight" || name == "pos") {
      EXPECT_NEAR(std::sqrt(sq / w.size()), 0.02, 0.002) << name;
    } else {
      // Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
      const std::string layer = name.substr(0, name.rfind('.'));
      const double bound = 1.0 / std::sqrt(layer == "block0.ffn.fc2" ? 256.0 : 64.0);
      EXPECT_LE(max_abs, bound) << name;
      EXPECT_GT(max_abs, 0.8 * bound) << name;
    }
  }
}

class TransformerReferenceTest
    : public ::testing::TestWithParam<std::tuple<std::string, Shape, RefArch>> {};

TEST_P(TransformerReferenceTest, ForwardMatchesPlainReference) {
  const auto& [params, input, arch] = GetParam();
  auto e = MakeEncoder(Config(params), input, 5, 3);
  ASSERT_NE(e, nullptr);
  e->Eval();
  Shape batch = input;
  batch.insert(batch.begin(), 3);
  Tensor x = RandomTensor(batch, 21);
  if (arch.input == "tokens") {
    // Ids 1..9, with padding of different lengths.
    for (int64_t k = 0; k < x.numel(); ++k) {
      x.data()[k] = static_cast<float>(static_cast<int>((x.data()[k] + 1) * 4.5f) + 1);
    }
    x.data()[input[0] - 1] = 0;
    for (int64_t t = 2; t < input[0]; ++t) x.data()[2 * input[0] + t] = 0;
  }
  Tensor y = e->Forward(Variable(x)).value();
  ASSERT_EQ(y.shape(), (Shape{3, 5}));
  EXPECT_TRUE(TensorsNear(y, ReferenceForward(*e, arch, x), 2e-5f, 1e-3f));
}

INSTANTIATE_TEST_SUITE_P(
    Configs, TransformerReferenceTest,
    ::testing::Values(
        std::make_tuple("vocab_size: 10 d_model: 12 num_heads: 3 num_layers: 2 ffn_dim: 20",
                        Shape{7}, RefArch{"tokens", 0, 3, true, false, true}),
        std::make_tuple("vocab_size: 10 d_model: 8 num_heads: 2 num_layers: 1 ffn_dim: 16 "
                        "pooling: \"cls\" positional: \"sinusoidal\" l2_normalize: false",
                        Shape{6}, RefArch{"tokens", 0, 2, false, true, false}),
        std::make_tuple("input: \"patches\" patch_size: 2 d_model: 8 num_heads: 2 num_layers: 2 "
                        "ffn_dim: 16 pooling: \"cls\" positional: \"sinusoidal\"",
                        Shape{2, 4, 6}, RefArch{"patches", 2, 2, false, true, true}),
        std::make_tuple("input: \"frames\" frame_size: 3 d_model: 16 num_heads: 4 num_layers: 1 "
                        "ffn_dim: 8 max_length: 9 l2_normalize: false",
                        Shape{3, 15}, RefArch{"frames", 3, 4, true, false, false})));

// Fashion-MNIST shape: 7 x 7 = 49 patches of 4 x 4.
TEST(TransformerEncoderTest, PatchesOfFashionMnist) {
  auto e = MakeEncoder(Config(R"(input: "patches" d_model: 16 num_heads: 2 num_layers: 1
                                 ffn_dim: 32)"),
                       {1, 28, 28}, 8);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(ParameterShapes(*e)[0], (std::pair<std::string, Shape>{"pos", {49, 16}}));
  EXPECT_EQ(ParameterShapes(*e)[1], (std::pair<std::string, Shape>{"proj.weight", {16, 16}}));
  e->Eval();
  const Tensor x = RandomTensor({2, 1, 28, 28}, 4);
  Tensor y = e->Forward(Variable(x)).value();
  EXPECT_TRUE(RowsHaveUnitNorm(y));
  EXPECT_TRUE(
      TensorsNear(y, ReferenceForward(*e, {"patches", 4, 2, true, false, true}, x), 2e-5f, 1e-3f));
}

// ---------------------------------------------------------------------------
// Padding.

const char kPadParams[] = "vocab_size: 20 d_model: 16 num_heads: 4 num_layers: 2 ffn_dim: 32";

class TransformerPaddingTest : public ::testing::TestWithParam<std::string> {};

// Three sequences of lengths 8, 5 and 2 in one batch (padded with 0) give the
// embeddings each gives alone in a batch of one.
TEST_P(TransformerPaddingTest, BatchMatesDoNotMatter) {
  auto e = MakeEncoder(Config(absl::StrCat(kPadParams, " ", GetParam())), {8}, 6);
  ASSERT_NE(e, nullptr);
  const std::vector<std::vector<float>> rows = {
      {3, 1, 4, 1, 5, 9, 2, 6}, {5, 3, 5, 8, 9, 0, 0, 0}, {7, 9, 0, 0, 0, 0, 0, 0}};
  const Tensor y = e->Forward(Variable(Tokens(rows))).value();
  for (int i = 0; i < 3; ++i) {
    const Tensor alone = e->Forward(Variable(Tokens({rows[i]}))).value();
    EXPECT_TRUE(TensorsNear(alone, Row(y, i), 1e-5f, 0.0f)) << "sequence " << i;
  }
}

// The same 5 tokens padded to 8 and to 12, through two encoders with the
// same weights, give the same embedding.
TEST_P(TransformerPaddingTest, AmountOfPaddingDoesNotMatter) {
  const std::string params = absl::StrCat(kPadParams, " ", GetParam());
  auto e8 = MakeEncoder(Config(params), {8}, 6, 5);
  auto e12 = MakeEncoder(Config(params), {12}, 6, 5);
  ASSERT_TRUE(e8 && e12);
  const auto w8 = ParameterValues(*e8), w12 = ParameterValues(*e12);
  ASSERT_EQ(w8.size(), w12.size());
  for (const auto& [name, t] : w8) EXPECT_EQ(t.ToVector(), w12.at(name).ToVector()) << name;
  const std::vector<float> seq = {4, 17, 2, 11, 8};
  std::vector<float> p8 = seq, p12 = seq;
  p8.resize(8, 0.0f);
  p12.resize(12, 0.0f);
  const Tensor y8 = e8->Forward(Variable(Tokens({p8, p8}))).value();
  const Tensor y12 = e12->Forward(Variable(Tokens({p12}))).value();
  EXPECT_TRUE(TensorsNear(Row(y8, 0), y12, 1e-5f, 0.0f));
  EXPECT_TRUE(TensorsNear(Row(y8, 1), y12, 1e-5f, 0.0f));
}

// Padded keys get exactly zero weight: the padding id's embedding row can
// take any value without changing the output by one bit, and it gets a zero
// gradient.
TEST_P(TransformerPaddingTest, PaddingEmbeddingIsInvisible) {
  auto e = MakeEncoder(Config(absl::StrCat(kPadParams, " ", GetParam())), {8}, 6);
  ASSERT_NE(e, nullptr);
  const Tensor x = Tokens({{3, 1, 4, 1, 5, 0, 0, 0}, {2, 7, 1, 8, 2, 8, 1, 0}});
  Variable y = e->Forward(Variable(x));
  y.Backward(RandomTensor({2, 6}, 3));
  Variable table;
  for (const auto& [name, v] : e->NamedParameters()) {
    if (name == "embed.weight") table = v;
  }
  ASSERT_EQ(table.shape(), (Shape{20, 16}));
  for (int j = 0; j < 16; ++j) EXPECT_EQ(table.grad().data()[j], 0.0f) << j;
  for (int j = 0; j < 16; ++j) table.mutable_value().data()[j] = 100.0f * (j % 3 - 1);
  EXPECT_EQ(e->Forward(Variable(x)).value().ToVector(), y.value().ToVector());
}

INSTANTIATE_TEST_SUITE_P(Poolings, TransformerPaddingTest,
                         ::testing::Values("pooling: \"mean\" max_length: 12",
                                           "pooling: \"cls\" max_length: 12",
                                           "pooling: \"mean\" positional: \"sinusoidal\"",
                                           "pooling: \"cls\" positional: \"sinusoidal\""),
                         [](const auto& info) { return absl::StrCat("case", info.index); });

// ---------------------------------------------------------------------------
// Gradients through the whole encoder (d_model 8, 2 heads, 1 layer, FFN 16,
// 5 positions), w.r.t. every parameter and the input of patches/frames.

struct GradCase {
  std::string params;
  Shape input;
};

class TransformerGradientTest : public ::testing::TestWithParam<GradCase> {};

TEST_P(TransformerGradientTest, MatchesFiniteDifferences) {
  const GradCase& c = GetParam();
  auto e = MakeEncoder(
      Config(absl::StrCat("d_model: 8 num_heads: 2 num_layers: 1 ffn_dim: 16 ", c.params)), c.input,
      3, 2);
  ASSERT_NE(e, nullptr);
  const bool tokens = c.input.size() == 1;
  Shape batch = c.input;
  batch.insert(batch.begin(), 2);
  const Tensor x = tokens ? Tokens({{3, 1, 4, 0, 0}, {5, 2, 1, 5, 3}}) : RandomTensor(batch, 8);
  std::vector<Variable> inputs = {Variable(x, !tokens)};
  std::vector<std::string> names = {"input"};
  for (const auto& [name, p] : e->NamedParameters()) {
    inputs.push_back(p);
    names.push_back(name);
  }
  // Not vacuous: every checked input gets a gradient well above the tolerance.
  e->Forward(inputs[0]).Backward(RandomTensor({2, 3}, 7, 0.5f, 1.5f));
  for (size_t k = tokens ? 1 : 0; k < inputs.size(); ++k) {
    float max_abs = 0;
    for (float g : inputs[k].grad().ToVector()) max_abs = std::max(max_abs, std::fabs(g));
    EXPECT_GT(max_abs, 0.005f) << names[k];
  }
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients([&e](const std::vector<Variable>& in) { return e->Forward(in[0]); },
                             inputs, options));
}

INSTANTIATE_TEST_SUITE_P(
    AdaptersAndPoolings, TransformerGradientTest,
    ::testing::Values(GradCase{"vocab_size: 6", {5}},
                      GradCase{"vocab_size: 6 pooling: \"cls\"", {5}},
                      GradCase{"input: \"patches\" patch_size: 2", {1, 2, 10}},
                      GradCase{"input: \"patches\" patch_size: 2 pooling: \"cls\" "
                               "positional: \"sinusoidal\"",
                               {2, 2, 10}},
                      GradCase{"input: \"frames\" frame_size: 2 positional: \"sinusoidal\"",
                               {2, 10}},
                      GradCase{"input: \"frames\" frame_size: 2 pooling: \"cls\"", {2, 10}}),
    [](const auto& info) { return absl::StrCat("case", info.index); });

// ---------------------------------------------------------------------------

TEST(TransformerEncoderTest, SinusoidalPositionsMatchTheFormula) {
  const Tensor pe = encoders::SinusoidalPositions(50, 10);
  ASSERT_EQ(pe.shape(), (Shape{50, 10}));
  for (int64_t pos = 0; pos < 50; ++pos) {
    for (int64_t i = 0; i < 5; ++i) {
      const double angle = pos / std::pow(10000.0, 2.0 * i / 10.0);
      EXPECT_NEAR(pe.data()[pos * 10 + 2 * i], std::sin(angle), 1e-6) << pos << " " << i;
      EXPECT_NEAR(pe.data()[pos * 10 + 2 * i + 1], std::cos(angle), 1e-6) << pos << " " << i;
    }
  }
  EXPECT_EQ(pe.data()[0], 0.0f);
  EXPECT_EQ(pe.data()[1], 1.0f);
  EXPECT_NEAR(pe.data()[3 * 10], std::sin(3.0), 1e-7);
  // Odd d_model: the last column is a sine.
  EXPECT_NEAR(encoders::SinusoidalPositions(4, 3).data()[2 * 3 + 2],
              std::sin(2.0 / std::pow(10000.0, 2.0 / 3.0)), 1e-7);
}

// A sinusoidal encoder computes what a learned one does when its position
// table holds the sinusoidal values (and every other weight is the same).
TEST(TransformerEncoderTest, SinusoidalEncoderUsesTheTable) {
  const std::string common = R"(input: "frames" frame_size: 2 d_model: 8 num_heads: 2
                                num_layers: 1 ffn_dim: 16)";
  auto sinus =
      MakeEncoder(Config(absl::StrCat(common, R"( positional: "sinusoidal")")), {1, 12}, 4);
  auto learned = MakeEncoder(Config(common), {1, 12}, 4);
  ASSERT_TRUE(sinus && learned);
  const auto sw = ParameterValues(*sinus);
  EXPECT_EQ(sw.count("pos"), 0u);
  for (auto& [name, v] : learned->NamedParameters()) {
    v.mutable_value() = name == "pos" ? encoders::SinusoidalPositions(6, 8) : sw.at(name).Clone();
  }
  const Variable x(RandomTensor({2, 1, 12}, 3));
  EXPECT_TRUE(TensorsNear(learned->Forward(x).value(), sinus->Forward(x).value(), 0.0f, 0.0f));
}

TEST(TransformerEncoderTest, DropoutFollowsBeginStepAndOnlyTrains) {
  const std::string with =
      Config("vocab_size: 30 d_model: 16 num_heads: 2 ffn_dim: 32 dropout: 0.3");
  const std::string without = Config("vocab_size: 30 d_model: 16 num_heads: 2 ffn_dim: 32");
  auto a = MakeEncoder(with, {10}, 4, 2);
  auto a2 = MakeEncoder(with, {10}, 4, 2);
  auto plain = MakeEncoder(without, {10}, 4, 2);
  ASSERT_TRUE(a && a2 && plain);
  const Variable x(Tokens({{1, 2, 3, 4, 5, 6, 7, 8, 0, 0}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 29}}));
  a->BeginStep(5);
  const std::vector<float> s5 = a->Forward(x).value().ToVector();
  a->BeginStep(6);
  const std::vector<float> s6 = a->Forward(x).value().ToVector();
  EXPECT_NE(s5, s6);
  EXPECT_NE(s5, plain->Forward(x).value().ToVector());
  // A fresh encoder (e.g. resumed from a checkpoint) draws the same masks at step 5.
  a2->BeginStep(5);
  EXPECT_EQ(a2->Forward(x).value().ToVector(), s5);
  a->BeginStep(5);
  EXPECT_EQ(a->Forward(x).value().ToVector(), s5);
  // Eval: no dropout.
  a->Eval();
  const std::vector<float> ref = plain->Forward(x).value().ToVector();
  EXPECT_EQ(a->Forward(x).value().ToVector(), ref);
  EXPECT_EQ(a->Forward(x).value().ToVector(), ref);
}

TEST(TransformerEncoderTest, SecondIdenticalStepCreatesNoPrimitive) {
  auto e = MakeEncoder(Config("vocab_size: 30 d_model: 16 num_heads: 2 ffn_dim: 32"), {10}, 4);
  ASSERT_NE(e, nullptr);
  const Variable x(Tokens({{1, 2, 3, 0, 0, 0, 0, 0, 0, 0}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 29}}));
  e->Forward(x).Backward(RandomTensor({2, 4}, 1));
  const int64_t created = PrimitiveCache::creations();
  e->ZeroGrad();
  e->Forward(x).Backward(RandomTensor({2, 4}, 1));
  EXPECT_EQ(PrimitiveCache::creations(), created);
}

// The encoder trains: Adam on a contrastive loss over 4 pairs of padded token
// sequences (the benchmark's workload in miniature) cuts the loss by half.
TEST(TransformerEncoderTest, AdamReducesContrastiveLoss) {
  auto e = MakeEncoder(Config("vocab_size: 12 d_model: 16 num_heads: 2 ffn_dim: 32"), {6}, 4);
  ASSERT_NE(e, nullptr);
  const Variable x(Tokens({{1, 2, 3, 4, 0, 0},
                           {5, 6, 7, 0, 0, 0},
                           {8, 9, 10, 11, 2, 0},
                           {3, 3, 1, 0, 0, 0},
                           {1, 2, 3, 4, 5, 0},
                           {7, 6, 5, 0, 0, 0},
                           {11, 10, 9, 8, 7, 6},
                           {4, 4, 4, 4, 0, 0}}));
  const Variable y(Tensor::FromVector({4}, {1, 0, 1, 0}));  // 1: the pair should match
  AdamOptions options;
  options.learning_rate = 1e-2f;
  Adam adam(e->NamedParameters(), options);
  auto loss = [&] {
    Variable emb = e->Forward(x);
    Variable d2 = Sum(Square(Sub(Slice(emb, 0, 0, 4), Slice(emb, 0, 4, 8))), {1});
    Variable d = Sqrt(Clamp(d2, 1e-12f, 1e30f));
    return MeanAll(Add(Mul(y, d2), Mul(RSubScalar(y, 1.0f), Square(Relu(RSubScalar(d, 1.5f))))));
  };
  const float first = loss().value().item();
  ClearTape();
  for (int step = 0; step < 30; ++step) {
    adam.ZeroGrad();
    loss().Backward();
    adam.Step();
  }
  EXPECT_LT(loss().value().item(), 0.5f * first);
}

TEST(TransformerEncoderDeathTest, BadTokensAndShapesAbort) {
  auto e = MakeEncoder(Config("vocab_size: 10 d_model: 8 num_heads: 2 ffn_dim: 8"), {4}, 4);
  ASSERT_NE(e, nullptr);
  EXPECT_DEATH(e->Forward(Variable(Tokens({{1, 2, 3, 4}, {1, 2.5f, 0, 0}}))),
               "transformer encoder: token 2.5 at \\[1, 1\\] of input \\[2, 4\\] is not an "
               "integer id in \\[0, vocab_size = 10\\)");
  EXPECT_DEATH(e->Forward(Variable(Tokens({{1, 10, 3, 4}}))), "token 10 at \\[0, 1\\]");
  EXPECT_DEATH(e->Forward(Variable(Tokens({{1, -1, 3, 4}}))), "token -1 at \\[0, 1\\]");
  EXPECT_DEATH(e->Forward(Variable(Tensor::Zeros({2, 5}))),
               "transformer encoder: input \\[2, 5\\] is not a batch of examples of shape \\[4\\]");
}

struct ErrorCase {
  std::string params;
  Shape input;
  std::string field;
  std::string message;
};

class TransformerErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(TransformerErrorTest, NamesTheField) {
  const ErrorCase& c = GetParam();
  auto e = CreateEncoder(Config(c.params), c.input, 4);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(e.status()), c.field);
  EXPECT_THAT(e.status().message(), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    BadParams, TransformerErrorTest,
    ::testing::Values(
        ErrorCase{"d_model: 10 num_heads: 4",
                  {8},
                  "num_heads",
                  "d_model 10 is not divisible by num_heads 4"},
        ErrorCase{"", {2, 8}, "input", "\"tokens\" needs examples [L]"},
        ErrorCase{"input: \"patches\"", {28, 28}, "input", "needs examples [C, H, W]"},
        ErrorCase{"input: \"frames\"", {1, 8, 8}, "input", "got input shape [1, 8, 8]"},
        ErrorCase{
            "input: \"audio\"", {8}, "input", "must be \"tokens\", \"patches\" or \"frames\""},
        ErrorCase{"input: \"patches\" patch_size: 3",
                  {1, 28, 28},
                  "patch_size",
                  "patch_size 3 does not divide H and W of input shape [1, 28, 28]"},
        ErrorCase{"input: \"frames\" frame_size: 3",
                  {2, 16},
                  "frame_size",
                  "frame_size 3 does not divide L = 16 of input shape [2, 16]"},
        ErrorCase{"input: \"frames\" frame_size: 0", {2, 16}, "frame_size", "must be >= 1"},
        ErrorCase{"pooling: \"max\"", {8}, "pooling", "must be \"mean\" or \"cls\""},
        ErrorCase{"positional: \"rope\"", {8}, "positional", "\"learned\" or \"sinusoidal\""},
        ErrorCase{"vocab_size: 1", {8}, "vocab_size", "id 0 is padding"},
        ErrorCase{"max_length: 4",
                  {8},
                  "max_length",
                  "max_length 4 is shorter than the 8 positions of input shape [8]"},
        ErrorCase{"dropout: 1", {8}, "dropout", "must be in [0, 1)"},
        ErrorCase{"num_layers: 0", {8}, "num_layers", "must be >= 1, got 0"},
        ErrorCase{"ffn_dim: -2", {8}, "ffn_dim", "must be >= 1, got -2"}),
    [](const auto& info) { return absl::StrCat("case", info.index); });

}  // namespace
}  // namespace siamese
