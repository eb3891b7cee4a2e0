#include "plugins/encoders/resnet/resnet_encoder.h"

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
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/encoders/common/encoder_testing.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;
using testing_util::CreateEncoder;
using testing_util::MakeEncoder;
using testing_util::ParameterValues;
using testing_util::RowsHaveUnitNorm;
using NamesAndShapesList = std::vector<std::pair<std::string, Shape>>;

NamesAndShapesList NamesAndShapes(const Encoder& e) {
  NamesAndShapesList out;
  for (const auto& [name, v] : e.NamedParameters()) out.emplace_back(name, v.shape());
  return out;
}

std::vector<std::string> BufferNames(const Encoder& e) {
  std::vector<std::string> out;
  for (const auto& [name, t] : e.NamedBuffers()) out.push_back(name);
  return out;
}

std::map<std::string, Tensor> BufferValues(const Encoder& e) {
  std::map<std::string, Tensor> out;
  for (const auto& [name, t] : e.NamedBuffers()) out[name] = t->ToPlain().Clone();
  return out;
}

// ---------------------------------------------------------------------------
// A plain, loop-by-loop reference of the architecture in resnet_encoder.h, in
// double, reading the encoder's parameters and buffers by name. It decides on
// its own where a block has a projection shortcut, so it also checks that
// decision (a missing or extra parameter makes .at() throw or the name lists
// differ).

struct RefStage {
  int64_t channels, blocks, stride;
};
struct RefArch {
  int64_t stem_channels;
  bool stem_pool;
  std::vector<RefStage> stages;
  bool l2_normalize;
  std::string activation = "relu";  // or "leaky_relu", "gelu"
};

// A batch of maps [N, C, H, W].
struct Maps {
  int64_t n, c, h, w;
  std::vector<double> v;
  double& at(int64_t s, int64_t ci, int64_t i, int64_t j) {
    return v[((s * c + ci) * h + i) * w + j];
  }
  double at(int64_t s, int64_t ci, int64_t i, int64_t j) const {
    return v[((s * c + ci) * h + i) * w + j];
  }
};

class Reference {
 public:
  // batch_stats: normalize with the batch's statistics (training mode) rather
  // than the running ones (eval mode).
  Reference(const Encoder& e, RefArch arch, bool batch_stats)
      : p_(ParameterValues(e)), arch_(std::move(arch)), batch_stats_(batch_stats) {
    for (const auto& [name, t] : e.NamedBuffers()) buffers_[name] = t->ToPlain();
  }

  // Returns [N, D]; *features gets the pooled features [N, C_last].
  Tensor Forward(const Tensor& x_in, Tensor* features = nullptr) {
    const Tensor x = x_in.ToPlain();
    Maps m{x.dim(0), x.dim(1), x.dim(2), x.dim(3), {}};
    m.v.assign(x.data(), x.data() + x.numel());
    m = Act(Bn("stem.bn", Conv("stem.conv", m, 1)));
    if (arch_.stem_pool) m = MaxPool3x3Stride2(m);
    int64_t in = arch_.stem_channels;
    for (size_t s = 0; s < arch_.stages.size(); ++s) {
      const RefStage& st = arch_.stages[s];
      for (int64_t b = 0; b < st.blocks; ++b) {
        const std::string blk = absl::StrCat("stage", s, ".block", b, ".");
        const int64_t stride = b == 0 ? st.stride : 1;
        Maps h = Act(Bn(blk + "bn1", Conv(blk + "conv1", m, stride)));
        h = Bn(blk + "bn2", Conv(blk + "conv2", h, 1));
        const bool project = stride != 1 || in != st.channels;
        const Maps shortcut =
            project ? Bn(blk + "shortcut.bn", Conv(blk + "shortcut.conv", m, stride)) : m;
        for (size_t k = 0; k < h.v.size(); ++k) h.v[k] += shortcut.v[k];
        m = Act(h);
        in = st.channels;
      }
    }
    std::vector<double> pooled(m.n * m.c, 0.0);
    for (int64_t s = 0; s < m.n; ++s)
      for (int64_t c = 0; c < m.c; ++c) {
        for (int64_t i = 0; i < m.h; ++i)
          for (int64_t j = 0; j < m.w; ++j) pooled[s * m.c + c] += m.at(s, c, i, j);
        pooled[s * m.c + c] /= m.h * m.w;
      }
    if (features != nullptr) *features = ToTensor({m.n, m.c}, pooled);
    const Tensor& w = p_.at("out.weight");
    const Tensor& bias = p_.at("out.bias");
    const int64_t d = w.dim(0);
    std::vector<double> y(m.n * d);
    for (int64_t s = 0; s < m.n; ++s) {
      double sq = 0;
      for (int64_t o = 0; o < d; ++o) {
        double acc = bias.data()[o];
        for (int64_t k = 0; k < m.c; ++k) acc += w.data()[o * m.c + k] * pooled[s * m.c + k];
        y[s * d + o] = acc;
        sq += acc * acc;
      }
      if (arch_.l2_normalize) {
        for (int64_t o = 0; o < d; ++o) y[s * d + o] /= std::max(std::sqrt(sq), 1e-12);
      }
    }
    return ToTensor({m.n, d}, y);
  }

  // The batch statistics each batch norm saw (batch_stats only): name ->
  // {mean_c, biased var_c, count per channel}.
  struct Stats {
    std::vector<double> mean, var;
    int64_t count;
  };
  const std::map<std::string, Stats>& batch_statistics() const { return stats_; }

 private:
  static Tensor ToTensor(const Shape& shape, const std::vector<double>& v) {
    std::vector<float> f(v.begin(), v.end());
    return Tensor::FromVector(shape, f);
  }

  // Square kernel K, padding K / 2, no bias.
  Maps Conv(const std::string& name, const Maps& x, int64_t stride) const {
    const Tensor& w = p_.at(name + ".weight");
    const int64_t k = w.dim(2), pad = k / 2;
    EXPECT_EQ(w.dim(1), x.c) << name;
    Maps y{x.n, w.dim(0), (x.h + 2 * pad - k) / stride + 1, (x.w + 2 * pad - k) / stride + 1, {}};
    y.v.assign(y.n * y.c * y.h * y.w, 0.0);
    for (int64_t s = 0; s < y.n; ++s)
      for (int64_t o = 0; o < y.c; ++o)
        for (int64_t i = 0; i < y.h; ++i)
          for (int64_t j = 0; j < y.w; ++j) {
            double acc = 0;
            for (int64_t c = 0; c < x.c; ++c)
              for (int64_t a = 0; a < k; ++a)
                for (int64_t b = 0; b < k; ++b) {
                  const int64_t r = i * stride - pad + a, q = j * stride - pad + b;
                  if (r < 0 || r >= x.h || q < 0 || q >= x.w) continue;
                  acc += x.at(s, c, r, q) * w.data()[((o * x.c + c) * k + a) * k + b];
                }
            y.at(s, o, i, j) = acc;
          }
    return y;
  }

  Maps Bn(const std::string& name, Maps x) {
    const int64_t count = x.n * x.h * x.w;
    Stats st{std::vector<double>(x.c, 0.0), std::vector<double>(x.c, 0.0), count};
    for (int64_t c = 0; c < x.c; ++c) {
      if (batch_stats_) {
        for (int64_t s = 0; s < x.n; ++s)
          for (int64_t i = 0; i < x.h; ++i)
            for (int64_t j = 0; j < x.w; ++j) st.mean[c] += x.at(s, c, i, j);
        st.mean[c] /= count;
        for (int64_t s = 0; s < x.n; ++s)
          for (int64_t i = 0; i < x.h; ++i)
            for (int64_t j = 0; j < x.w; ++j)
              st.var[c] += (x.at(s, c, i, j) - st.mean[c]) * (x.at(s, c, i, j) - st.mean[c]);
        st.var[c] /= count;
      } else {
        st.mean[c] = buffers_.at(name + ".running_mean").data()[c];
        st.var[c] = buffers_.at(name + ".running_var").data()[c];
      }
      const double gamma = p_.at(name + ".gamma").data()[c];
      const double beta = p_.at(name + ".beta").data()[c];
      for (int64_t s = 0; s < x.n; ++s)
        for (int64_t i = 0; i < x.h; ++i)
          for (int64_t j = 0; j < x.w; ++j) {
            double& v = x.at(s, c, i, j);
            v = (v - st.mean[c]) / std::sqrt(st.var[c] + 1e-5) * gamma + beta;
          }
    }
    if (batch_stats_) stats_[name] = st;
    return x;
  }

  Maps Act(Maps x) const {
    for (double& v : x.v) {
      if (arch_.activation == "gelu") {
        v = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
      } else {
        v = v > 0 ? v : arch_.activation == "leaky_relu" ? 0.01 * v : 0.0;
      }
    }
    return x;
  }

  // 3x3 window, stride 2, padding 1; padded positions never win.
  static Maps MaxPool3x3Stride2(const Maps& x) {
    Maps y{x.n, x.c, (x.h - 1) / 2 + 1, (x.w - 1) / 2 + 1, {}};
    y.v.assign(y.n * y.c * y.h * y.w, 0.0);
    for (int64_t s = 0; s < y.n; ++s)
      for (int64_t c = 0; c < y.c; ++c)
        for (int64_t i = 0; i < y.h; ++i)
          for (int64_t j = 0; j < y.w; ++j) {
            double mx = -1e300;
            for (int64_t a = 0; a < 3; ++a)
              for (int64_t b = 0; b < 3; ++b) {
                const int64_t r = 2 * i - 1 + a, q = 2 * j - 1 + b;
                if (r >= 0 && r < x.h && q >= 0 && q < x.w) mx = std::max(mx, x.at(s, c, r, q));
              }
            y.at(s, c, i, j) = mx;
          }
    return y;
  }

  std::map<std::string, Tensor> p_;
  std::map<std::string, Tensor> buffers_;
  RefArch arch_;
  bool batch_stats_;
  std::map<std::string, Stats> stats_;
};

// ---------------------------------------------------------------------------

const RefArch kDefaultArch{16, false, {{16, 1, 1}, {32, 1, 2}, {64, 1, 2}}, true};

// The tiny config of the gradient checks: input [1, 6, 6], batch 2. Stage 0
// keeps stride and width (identity shortcut); stage 1 changes both
// (projection shortcut).
const char kTiny[] = R"(name: "resnet" [siamese.resnet] {
  stem_channels: 2 stage { channels: 2 } stage { channels: 3 stride: 2 } })";

TEST(ResNetEncoderTest, IsRegistered) {
  EXPECT_THAT(Registry<Encoder>::Names(), ::testing::Contains("resnet"));
}

TEST(ResNetEncoderTest, DefaultIsResNet8) {
  auto e = MakeEncoder(R"(name: "resnet")", {1, 28, 28}, 16);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->embedding_dim(), 16);
  EXPECT_EQ(NamesAndShapes(*e), (NamesAndShapesList{
                                    {"stem.conv.weight", {16, 1, 3, 3}},
                                    {"stem.bn.gamma", {16}},
                                    {"stem.bn.beta", {16}},
                                    {"stage0.block0.conv1.weight", {16, 16, 3, 3}},
                                    {"stage0.block0.bn1.gamma", {16}},
                                    {"stage0.block0.bn1.beta", {16}},
                                    {"stage0.block0.conv2.weight", {16, 16, 3, 3}},
                                    {"stage0.block0.bn2.gamma", {16}},
                                    {"stage0.block0.bn2.beta", {16}},
                                    {"stage1.block0.conv1.weight", {32, 16, 3, 3}},
                                    {"stage1.block0.bn1.gamma", {32}},
                                    {"stage1.block0.bn1.beta", {32}},
                                    {"stage1.block0.conv2.weight", {32, 32, 3, 3}},
                                    {"stage1.block0.bn2.gamma", {32}},
                                    {"stage1.block0.bn2.beta", {32}},
                                    {"stage1.block0.shortcut.conv.weight", {32, 16, 1, 1}},
                                    {"stage1.block0.shortcut.bn.gamma", {32}},
                                    {"stage1.block0.shortcut.bn.beta", {32}},
                                    {"stage2.block0.conv1.weight", {64, 32, 3, 3}},
                                    {"stage2.block0.bn1.gamma", {64}},
                                    {"stage2.block0.bn1.beta", {64}},
                                    {"stage2.block0.conv2.weight", {64, 64, 3, 3}},
                                    {"stage2.block0.bn2.gamma", {64}},
                                    {"stage2.block0.bn2.beta", {64}},
                                    {"stage2.block0.shortcut.conv.weight", {64, 32, 1, 1}},
                                    {"stage2.block0.shortcut.bn.gamma", {64}},
                                    {"stage2.block0.shortcut.bn.beta", {64}},
                                    {"out.weight", {16, 64}},
                                    {"out.bias", {16}},
                                }));
  const std::vector<std::string> buffers = BufferNames(*e);
  ASSERT_EQ(buffers.size(), 2u * 9);  // stem, 2 + 3 + 3 in the stages
  EXPECT_EQ(buffers[0], "stem.bn.running_mean");
  EXPECT_EQ(buffers[1], "stem.bn.running_var");
  EXPECT_EQ(buffers.back(), "stage2.block0.shortcut.bn.running_var");

  const Tensor x = RandomTensor({3, 1, 28, 28}, 11);
  Variable y = e->Forward(Variable(x));
  ASSERT_EQ(y.shape(), (Shape{3, 16}));
  EXPECT_TRUE(RowsHaveUnitNorm(y.value()));
  EXPECT_EQ(e->EmbeddingLayers(), std::vector<std::string>{"features"});
  EXPECT_EQ(e->ForwardTo(Variable(x), "features").shape(), (Shape{3, 64}));
  // Backward reaches every parameter.
  y.Backward(RandomTensor({3, 16}, 12));
  for (const auto& [name, v] : e->NamedParameters()) {
    ASSERT_TRUE(v.grad().defined()) << name;
    EXPECT_EQ(v.grad().shape(), v.shape()) << name;
  }
}

struct ReferenceCase {
  std::string label;
  std::string config;
  Shape input;  // one example
  RefArch arch;
};

class ResNetReferenceTest : public ::testing::TestWithParam<ReferenceCase> {};

// Training mode is the reference with batch statistics, and updates every
// running statistic as PyTorch does; eval mode is the same reference with the
// running statistics: the modes differ in nothing else.
TEST_P(ResNetReferenceTest, TrainAndEvalMatchReference) {
  const ReferenceCase& c = GetParam();
  auto e = MakeEncoder(c.config, c.input, 5, 3);
  ASSERT_NE(e, nullptr);
  Shape batch = c.input;
  batch.insert(batch.begin(), 4);
  // Move the running statistics away from (0, 1) first.
  for (int i = 0; i < 2; ++i) e->Forward(Variable(RandomTensor(batch, 30 + i, -1.0f, 2.0f)));

  const Tensor x = RandomTensor(batch, 21);
  const std::map<std::string, Tensor> before = BufferValues(*e);
  Reference train_ref(*e, c.arch, /*batch_stats=*/true);
  Tensor ref_features;
  const Tensor expected_train = train_ref.Forward(x, &ref_features);
  ASSERT_TRUE(e->is_training());
  const Tensor y_train = e->Forward(Variable(x)).value();
  ASSERT_EQ(y_train.shape(), (Shape{4, 5}));
  EXPECT_TRUE(TensorsNear(y_train, expected_train, 1e-5f, 1e-3f));
  if (c.arch.l2_normalize) {
    EXPECT_TRUE(RowsHaveUnitNorm(y_train));
  }
  // running = 0.9 running + 0.1 batch, with the unbiased batch variance.
  const std::map<std::string, Tensor> after = BufferValues(*e);
  ASSERT_EQ(train_ref.batch_statistics().size() * 2, after.size());
  for (const auto& [bn, st] : train_ref.batch_statistics()) {
    const float* mean0 = before.at(bn + ".running_mean").data();
    const float* var0 = before.at(bn + ".running_var").data();
    const float* mean1 = after.at(bn + ".running_mean").data();
    const float* var1 = after.at(bn + ".running_var").data();
    for (size_t ch = 0; ch < st.mean.size(); ++ch) {
      const double unbiased = st.var[ch] * st.count / (st.count - 1);
      EXPECT_NEAR(mean1[ch], 0.9 * mean0[ch] + 0.1 * st.mean[ch], 1e-4) << bn << " " << ch;
      EXPECT_NEAR(var1[ch], 0.9 * var0[ch] + 0.1 * unbiased, 1e-4 * (1 + var1[ch]))
          << bn << " " << ch;
    }
  }
  EXPECT_TRUE(
      TensorsNear(e->ForwardTo(Variable(x), "features").value(), ref_features, 1e-5f, 1e-3f));

  e->Eval();
  const std::map<std::string, Tensor> stats = BufferValues(*e);
  const Tensor y_eval = e->Forward(Variable(x)).value();
  EXPECT_TRUE(TensorsNear(y_eval, Reference(*e, c.arch, false).Forward(x), 1e-5f, 1e-3f));
  EXPECT_FALSE(TensorsNear(y_eval, y_train, 1e-3f, 0.0f)) << "eval used the batch statistics";
  // Eval mode leaves the running statistics alone.
  for (const auto& [name, t] : BufferValues(*e)) {
    EXPECT_EQ(t.ToVector(), stats.at(name).ToVector()) << name;
  }
  // Back to training: the batch statistics again.
  e->Train();
  Reference again(*e, c.arch, true);
  EXPECT_TRUE(TensorsNear(e->Forward(Variable(x)).value(), again.Forward(x), 1e-5f, 1e-3f));
}

INSTANTIATE_TEST_SUITE_P(
    Configs, ResNetReferenceTest,
    ::testing::Values(ReferenceCase{"Default", R"(name: "resnet")", {1, 12, 12}, kDefaultArch},
                      // Stem pooling, odd sizes, two blocks in a stage (identity shortcuts
                      // at equal width), a stride-3 projection, no L2 normalization.
                      ReferenceCase{"PoolOddSizesNoL2",
                                    R"(name: "resnet" [siamese.resnet] {
                        stem_channels: 4 stem_pool: true
                        stage { channels: 4 blocks: 2 } stage { channels: 6 stride: 3 }
                        l2_normalize: false })",
                                    {3, 9, 7},
                                    {4, true, {{4, 2, 1}, {6, 1, 3}}, false}},
                      // A projection for the width alone (stride 1); residual branches
                      // starting at zero.
                      ReferenceCase{"WidthProjectionZeroInit",
                                    R"(name: "resnet" [siamese.resnet] {
                        stem_channels: 3 stage { channels: 5 blocks: 2 }
                        zero_init_residual: true })",
                                    {2, 6, 6},
                                    {3, false, {{5, 2, 1}}, true}},
                      ReferenceCase{"Gelu",
                                    R"(name: "resnet" [siamese.resnet] {
                        stem_channels: 2 stage { channels: 3 stride: 2 } activation: "gelu" })",
                                    {1, 7, 7},
                                    {2, false, {{3, 1, 2}}, true, "gelu"}},
                      ReferenceCase{"LeakyRelu",
                                    R"(name: "resnet" [siamese.resnet] {
                        stem_channels: 2 stage { channels: 2 } activation: "leaky_relu" })",
                                    {1, 5, 5},
                                    {2, false, {{2, 1, 1}}, true, "leaky_relu"}}),
    [](const auto& info) { return info.param.label; });

// Finite differences through the whole encoder (stem, an identity block, a
// block with a strided projection shortcut, pooling, the output layer and
// the L2 normalization), w.r.t. the input and every parameter, with batch
// norm in training mode (gradients through the batch statistics).
// With ReLUs, batch norm centres every ReLU input at 0, so some lie within a
// finite-difference step of the kink for most seeds (a few elements then
// differ by up to half the jump); seed 1 keeps all of them clear for both
// ReLU configs below. The GELU check has no kinks and passes for any seed.
void CheckEncoderGradients(const std::string& config, uint64_t seed, float min_grad) {
  auto e = MakeEncoder(config, {1, 6, 6}, 3, seed);
  ASSERT_NE(e, nullptr);
  ASSERT_TRUE(e->is_training());
  std::vector<Variable> inputs = {Variable(RandomTensor({2, 1, 6, 6}, 8), true)};
  for (const Variable& p : e->Parameters()) inputs.push_back(p);
  // Guard against a vacuous check (e.g. dead ReLUs): every input gets a
  // gradient well above the tolerance.
  e->Forward(inputs[0]).Backward(RandomTensor({2, 3}, 7, 0.5f, 1.5f));
  const auto named = e->NamedParameters();
  for (size_t k = 0; k < inputs.size(); ++k) {
    float max_abs = 0;
    for (float g : inputs[k].grad().ToVector()) max_abs = std::max(max_abs, std::fabs(g));
    EXPECT_GT(max_abs, min_grad) << (k == 0 ? "input" : named[k - 1].first);
  }
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients([&e](const std::vector<Variable>& in) { return e->Forward(in[0]); },
                             inputs, options));
}

TEST(ResNetEncoderTest, GradientsThroughIdentityAndProjectionBlocks) {
  auto e = MakeEncoder(kTiny, {1, 6, 6}, 3);
  ASSERT_NE(e, nullptr);
  const auto names = NamesAndShapes(*e);
  EXPECT_TRUE(std::count(
      names.begin(), names.end(),
      std::make_pair(std::string("stage1.block0.shortcut.conv.weight"), Shape{3, 2, 1, 1})));
  EXPECT_EQ(std::count_if(names.begin(), names.end(),
                          [](const auto& n) { return n.first.find("shortcut") != n.first.npos; }),
            3);
  CheckEncoderGradients(kTiny, 1, 0.02f);
}

TEST(ResNetEncoderTest, GradientsWithStemPoolAndWidthProjection) {
  CheckEncoderGradients(R"(name: "resnet" [siamese.resnet] {
      stem_channels: 2 stem_pool: true stage { channels: 3 } l2_normalize: false })",
                        1, 0.02f);
}

TEST(ResNetEncoderTest, GradientsOfSmoothNetwork) {
  CheckEncoderGradients(R"(name: "resnet" [siamese.resnet] {
      stem_channels: 2 stage { channels: 2 } stage { channels: 3 stride: 2 }
      activation: "gelu" })",
                        3, 0.02f);
}

TEST(ResNetEncoderTest, EvalEmbeddingDoesNotDependOnTheBatch) {
  auto e = MakeEncoder(kTiny, {1, 6, 6}, 3);
  ASSERT_NE(e, nullptr);
  const Tensor x = RandomTensor({4, 1, 6, 6}, 9, 0.0f, 3.0f);
  const Tensor first = RandomTensor({1, 1, 6, 6}, 9, 0.0f, 3.0f);  // == row 0 of x
  ASSERT_EQ(std::vector<float>(x.data(), x.data() + 36), first.ToVector());
  // Training: batch statistics, so row 0 depends on the other rows.
  const Tensor y_train = e->Forward(Variable(x)).value();
  const Tensor pair_train = e->Forward(Variable(RandomTensor({2, 1, 6, 6}, 9, 0.0f, 3.0f))).value();
  EXPECT_GT(std::fabs(y_train.ToVector()[0] - pair_train.ToVector()[0]), 1e-4f);
  e->Eval();
  const Tensor y = e->Forward(Variable(x)).value();
  const Tensor single = e->Forward(Variable(first)).value();
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(single.ToVector()[j], y.ToVector()[j], 1e-5f);
}

TEST(ResNetEncoderTest, SeedDeterminesWeightsAndOutputs) {
  auto a = MakeEncoder(kTiny, {1, 6, 6}, 3, 7);
  auto b = MakeEncoder(kTiny, {1, 6, 6}, 3, 7);
  auto c = MakeEncoder(kTiny, {1, 6, 6}, 3, 8);
  const auto pa = ParameterValues(*a), pb = ParameterValues(*b), pc = ParameterValues(*c);
  ASSERT_EQ(pa.size(), 3u + 6 + 9 + 2);
  for (const auto& [name, t] : pa) {
    EXPECT_EQ(t.ToVector(), pb.at(name).ToVector()) << name;
    // gamma and beta start at constants; every drawn tensor differs.
    if (name.find("weight") != name.npos || name == "out.bias") {
      EXPECT_NE(t.ToVector(), pc.at(name).ToVector()) << name;
    }
  }
  const Variable x(RandomTensor({2, 1, 6, 6}, 4));
  const std::vector<float> ya = a->Forward(x).value().ToVector();
  EXPECT_EQ(ya, b->Forward(x).value().ToVector());
  EXPECT_NE(ya, c->Forward(x).value().ToVector());
}

// Each layer draws from its own stream: adding a block and a stage changes
// no other layer's initial weights.
TEST(ResNetEncoderTest, WeightsDoNotShiftWhenLayersAreAdded) {
  auto small = MakeEncoder(kTiny, {1, 6, 6}, 3, 7);
  auto big = MakeEncoder(R"(name: "resnet" [siamese.resnet] {
      stem_channels: 2 stage { channels: 2 blocks: 2 } stage { channels: 3 stride: 2 }
      stage { channels: 4 stride: 2 } })",
                         {1, 6, 6}, 3, 7);
  const auto ps = ParameterValues(*small), pb = ParameterValues(*big);
  int compared = 0;
  for (const auto& [name, t] : ps) {
    if (name.rfind("out.", 0) == 0) continue;  // its input width changed
    EXPECT_EQ(t.ToVector(), pb.at(name).ToVector()) << name;
    ++compared;
  }
  EXPECT_EQ(compared, 18);
}

TEST(ResNetEncoderTest, TorchvisionInitAndZeroInitResidual) {
  auto e = MakeEncoder(R"(name: "resnet" [siamese.resnet] { zero_init_residual: true })",
                       {1, 28, 28}, 32);
  ASSERT_NE(e, nullptr);
  for (const auto& [name, v] : e->NamedParameters()) {
    const std::vector<float> values = v.value().ToVector();
    if (name.find("conv") != name.npos) {
      // N(0, 2 / fan_out), fan_out = out * k * k.
      const Shape& s = v.shape();
      const double expected_std = std::sqrt(2.0 / (s[0] * s[2] * s[3]));
      double sum = 0, sq = 0;
      for (float f : values) {
        sum += f;
        sq += double{f} * f;
      }
      const double n = values.size(), mean = sum / n, std = std::sqrt(sq / n - mean * mean);
      // Loose for the small stem (144 values), tight for the big ones.
      const double tol = n < 1000 ? 0.2 : 0.05;
      EXPECT_NEAR(std / expected_std, 1.0, tol) << name;
      EXPECT_NEAR(mean / expected_std, 0.0, 5.0 / std::sqrt(n)) << name;
    } else if (name.find(".gamma") != name.npos) {
      const float gamma = name.find("bn2.") != name.npos ? 0.0f : 1.0f;
      EXPECT_EQ(values, std::vector<float>(values.size(), gamma)) << name;
    } else if (name.find(".beta") != name.npos) {
      EXPECT_EQ(values, std::vector<float>(values.size(), 0.0f)) << name;
    } else {
      // The output layer: nn.Linear's U(-1/sqrt(64), 1/sqrt(64)).
      float max_abs = 0;
      for (float f : values) max_abs = std::max(max_abs, std::fabs(f));
      EXPECT_LE(max_abs, 1.0f / 8) << name;
      EXPECT_GT(max_abs, 0.8f / 8) << name;
    }
  }
  // bn2 at zero: every block starts as ReLU(shortcut(x)), so in eval mode
  // (running statistics 0 and 1) the output does not depend on conv1/conv2.
  e->Eval();
  const Variable x(RandomTensor({2, 1, 28, 28}, 5));
  const std::vector<float> y = e->Forward(x).value().ToVector();
  for (const auto& [name, v] : e->NamedParameters()) {
    if (name.find(".conv1.") == name.npos && name.find(".conv2.") == name.npos) continue;
    Variable p = v;
    p.mutable_value() = Tensor::Full(v.shape(), 0.5f);
  }
  EXPECT_EQ(ParameterValues(*e).at("stage1.block0.conv2.weight").ToVector(),
            std::vector<float>(32 * 32 * 9, 0.5f));
  EXPECT_EQ(e->Forward(x).value().ToVector(), y);
}

struct ErrorCase {
  std::string params;  // inside [siamese.resnet] { ... }
  Shape input;
  std::string field;  // "" for errors without a field
  std::string message;
};

class ResNetErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ResNetErrorTest, NamesTheField) {
  const ErrorCase& c = GetParam();
  auto e = CreateEncoder(absl::StrCat(R"(name: "resnet" [siamese.resnet] { )", c.params, " }"),
                         c.input, 4);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(e.status()), c.field);
  EXPECT_THAT(e.status().message(), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    BadParams, ResNetErrorTest,
    ::testing::Values(
        ErrorCase{"stem_channels: 0", {1, 8, 8}, "stem_channels", "must be >= 1, got 0"},
        ErrorCase{"stage { channels: 4 } stage { channels: 0 }",
                  {1, 8, 8},
                  "stage[1].channels",
                  "stage[1].channels: must be >= 1, got 0"},
        ErrorCase{"stage { }", {1, 8, 8}, "stage[0].channels", "must be >= 1, got 0"},
        ErrorCase{"stage { channels: 4 blocks: 0 }",
                  {1, 8, 8},
                  "stage[0].blocks",
                  "stage[0].blocks: must be >= 1, got 0"},
        ErrorCase{"stage { channels: 4 } stage { channels: 4 } stage { channels: 4 stride: 0 }",
                  {1, 8, 8},
                  "stage[2].stride",
                  "stage[2].stride: must be >= 1, got 0"},
        ErrorCase{"stage { channels: 4 stride: -2 }", {1, 8, 8}, "stage[0].stride", "got -2"},
        ErrorCase{R"(activation: "tanh")",
                  {1, 8, 8},
                  "activation",
                  R"(must be "relu", "leaky_relu" or "gelu", got "tanh")"},
        ErrorCase{"", {28, 28}, "", "resnet encoder: the input shape must be [C, H, W]"},
        ErrorCase{"", {1, 0, 28}, "", "got [1, 0, 28]"}));

TEST(ResNetEncoderTest, RejectsZeroEmbeddingDim) {
  auto e = CreateEncoder(R"(name: "resnet")", {1, 8, 8}, 0);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("embedding_dim must be >= 1, got 0"));
}

TEST(ResNetEncoderTest, TinyInputsWork) {
  // Every size >= 1 is accepted: 3x3 convolutions with padding 1 and the
  // strided shortcuts agree on (size - 1) / stride + 1.
  auto e = MakeEncoder(R"(name: "resnet" [siamese.resnet] { stem_pool: true })", {2, 1, 3}, 4);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->Forward(Variable(RandomTensor({5, 2, 1, 3}, 3))).shape(), (Shape{5, 4}));
}

TEST(ResNetEncoderDeathTest, WrongInputShapeOrLayer) {
  auto e = MakeEncoder(kTiny, {1, 6, 6}, 3);
  EXPECT_DEATH(e->Forward(Variable(Tensor::Zeros({2, 3, 6, 6}))),
               "resnet encoder: input \\[2, 3, 6, 6\\] is not a batch of examples of shape "
               "\\[1, 6, 6\\]");
  EXPECT_DEATH(e->ForwardTo(Variable(Tensor::Zeros({2, 1, 6, 6})), "fc0"),
               "resnet encoder: no embedding layer \"fc0\"");
}

}  // namespace
}  // namespace siamese
