// Helpers for the conv encoder plugin tests: creation from a text config and
// a plain, loop-by-loop reference forward pass that reads the encoder's own
// parameters and buffers by name.
#ifndef SIAMESE_PLUGINS_ENCODERS_COMMON_ENCODER_TESTING_H_
#define SIAMESE_PLUGINS_ENCODERS_COMMON_ENCODER_TESTING_H_

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "framework/core/encoder.h"
#include "framework/core/registry.h"
#include "framework/ops/frozen_weights.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace testing_util {

inline absl::StatusOr<std::unique_ptr<Encoder>> CreateEncoder(const std::string& text,
                                                              const Shape& input_shape,
                                                              int64_t embedding_dim,
                                                              uint64_t seed = 1) {
  EncoderConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  PluginContext context;
  context.input_shape = input_shape;
  context.embedding_dim = embedding_dim;
  context.seed = seed;
  return Registry<Encoder>::Create(config, context);
}

inline std::unique_ptr<Encoder> MakeEncoder(const std::string& text, const Shape& input_shape,
                                            int64_t embedding_dim, uint64_t seed = 1) {
  auto encoder = CreateEncoder(text, input_shape, embedding_dim, seed);
  EXPECT_TRUE(encoder.ok()) << encoder.status();
  return encoder.ok() ? std::move(*encoder) : nullptr;
}

// Full parameter name -> value.
inline std::map<std::string, Tensor> ParameterValues(const Module& m) {
  std::map<std::string, Tensor> out;
  for (const auto& [name, v] : m.NamedParameters()) out[name] = v.value().ToPlain();
  return out;
}

// The architecture the reference runs, stated explicitly by each test
// (padding already resolved; pool 'm'ax, 'a'vg or 'n'one).
struct RefConv {
  int64_t kernel, stride, padding;
  char pool;
  int64_t pool_size;
};
struct RefArch {
  int spatial_rank;  // 1: [C, L] inputs, 2: [C, H, W]
  std::vector<RefConv> conv;
  bool batch_norm;
  int num_fc;
  std::string activation;  // relu, leaky_relu, gelu
  bool global_pool;
  bool l2_normalize;
};

namespace internal {

// One example's activations [C, H, W] (1-D: H = 1).
struct Map {
  int64_t c, h, w;
  std::vector<double> v;
  double& at(int64_t ci, int64_t i, int64_t j) { return v[(ci * h + i) * w + j]; }
};

inline double Activate(const std::string& a, double x) {
  if (a == "leaky_relu") return x > 0 ? x : 0.01 * x;
  if (a == "gelu") return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  return std::max(x, 0.0);
}

}  // namespace internal

// x: [N, C, H, W] or [N, C, L]; returns [N, D] in eval-mode semantics (batch
// norm with the running statistics, no dropout).
inline Tensor ReferenceForward(const Encoder& encoder, const RefArch& arch, const Tensor& x_in) {
  using internal::Map;
  const Tensor x = x_in.ToPlain();
  std::map<std::string, Tensor> p = ParameterValues(encoder);
  std::map<std::string, Tensor> buffers;
  for (const auto& [name, t] : encoder.NamedBuffers()) buffers[name] = t->ToPlain();
  const int64_t n = x.dim(0);
  const bool one_d = arch.spatial_rank == 1;
  Tensor result;
  for (int64_t s = 0; s < n; ++s) {
    Map m{x.dim(1), one_d ? 1 : x.dim(2), x.dim(-1), {}};
    const int64_t per = m.c * m.h * m.w;
    m.v.assign(x.data() + s * per, x.data() + (s + 1) * per);
    for (size_t l = 0; l < arch.conv.size(); ++l) {
      const RefConv& rc = arch.conv[l];
      const std::string id = std::to_string(l);
      const Tensor& w = p.at("conv" + id + ".weight");
      const int64_t kh = one_d ? 1 : rc.kernel, kw = rc.kernel;
      const int64_t ph = one_d ? 0 : rc.padding, pw = rc.padding;
      const int64_t sh = one_d ? 1 : rc.stride, sw = rc.stride;
      Map y{w.dim(0), (m.h + 2 * ph - kh) / sh + 1, (m.w + 2 * pw - kw) / sw + 1, {}};
      y.v.assign(y.c * y.h * y.w, 0.0);
      for (int64_t o = 0; o < y.c; ++o)
        for (int64_t i = 0; i < y.h; ++i)
          for (int64_t j = 0; j < y.w; ++j) {
            double acc = arch.batch_norm ? 0.0 : p.at("conv" + id + ".bias").data()[o];
            for (int64_t c = 0; c < m.c; ++c)
              for (int64_t a = 0; a < kh; ++a)
                for (int64_t b = 0; b < kw; ++b) {
                  const int64_t r = i * sh - ph + a, q = j * sw - pw + b;
                  if (r < 0 || r >= m.h || q < 0 || q >= m.w) continue;
                  acc += m.at(c, r, q) * w.data()[((o * m.c + c) * kh + a) * kw + b];
                }
            if (arch.batch_norm) {
              const std::string bn = "bn" + id + ".";
              acc = (acc - buffers.at(bn + "running_mean").data()[o]) /
                        std::sqrt(buffers.at(bn + "running_var").data()[o] + 1e-5) *
                        p.at(bn + "gamma").data()[o] +
                    p.at(bn + "beta").data()[o];
            }
            y.at(o, i, j) = internal::Activate(arch.activation, acc);
          }
      m = y;
      if (rc.pool == 'n') continue;
      const int64_t qh = one_d ? 1 : rc.pool_size, qw = rc.pool_size;
      Map z{m.c, m.h / qh, m.w / qw, {}};
      z.v.assign(z.c * z.h * z.w, 0.0);
      for (int64_t c = 0; c < z.c; ++c)
        for (int64_t i = 0; i < z.h; ++i)
          for (int64_t j = 0; j < z.w; ++j) {
            double mx = -1e300, sum = 0;
            for (int64_t a = 0; a < qh; ++a)
              for (int64_t b = 0; b < qw; ++b) {
                mx = std::max(mx, m.at(c, i * qh + a, j * qw + b));
                sum += m.at(c, i * qh + a, j * qw + b);
              }
            z.at(c, i, j) = rc.pool == 'm' ? mx : sum / (qh * qw);
          }
      m = z;
    }
    std::vector<double> h;
    if (arch.global_pool) {
      for (int64_t c = 0; c < m.c; ++c) {
        double sum = 0;
        for (int64_t k = 0; k < m.h * m.w; ++k) sum += m.v[c * m.h * m.w + k];
        h.push_back(sum / (m.h * m.w));
      }
    } else {
      h = m.v;  // channel-major flatten
    }
    auto dense = [&](const std::string& name, bool activate) {
      const Tensor& w = p.at(name + ".weight");
      const Tensor& b = p.at(name + ".bias");
      std::vector<double> y(w.dim(0));
      for (int64_t o = 0; o < w.dim(0); ++o) {
        double acc = b.data()[o];
        for (int64_t k = 0; k < w.dim(1); ++k) acc += w.data()[o * w.dim(1) + k] * h[k];
        y[o] = activate ? internal::Activate(arch.activation, acc) : acc;
      }
      h = y;
    };
    for (int j = 0; j < arch.num_fc; ++j) dense("fc" + std::to_string(j), true);
    dense("out", false);
    if (arch.l2_normalize) {
      double sq = 0;
      for (double v : h) sq += v * v;
      const double d = std::max(std::sqrt(sq), 1e-12);
      for (double& v : h) v /= d;
    }
    if (!result.defined()) result = Tensor::Empty({n, static_cast<int64_t>(h.size())});
    for (size_t k = 0; k < h.size(); ++k)
      result.data()[s * h.size() + k] = static_cast<float>(h[k]);
  }
  return result;
}

// Every row of y [N, D] has L2 norm 1 (within tol).
inline ::testing::AssertionResult RowsHaveUnitNorm(const Tensor& y_in, double tol = 1e-5) {
  const Tensor y = y_in.ToPlain();
  for (int64_t i = 0; i < y.dim(0); ++i) {
    double sq = 0;
    for (int64_t j = 0; j < y.dim(1); ++j)
      sq += y.data()[i * y.dim(1) + j] * y.data()[i * y.dim(1) + j];
    if (std::fabs(std::sqrt(sq) - 1.0) > tol) {
      return ::testing::AssertionFailure() << "row " << i << " has norm " << std::sqrt(sq);
    }
  }
  return ::testing::AssertionSuccess();
}

// How an encoder's inference forward (NoGradScope: forward_inference
// primitives, activations fused into conv and fc as post-ops; weights
// reordered once in a FrozenWeightsScope) compares with the forward that
// training-mode primitives compute (gradients enabled, parameters requiring
// them; each activation a separate op), both on the encoder as it is (call
// Eval() first to compare evaluation). Two inference calls are run: the
// second reuses the frozen weight copies.
struct InferenceComparison {
  Tensor training, inference, inference_again;
  int64_t tape_nodes = 0;       // recorded by the training-mode forward (> 0)
  int64_t frozen_weights = 0;   // weight copies made by the inference forward
  int64_t bit_differences = 0;  // elements where the two results differ at all
  double max_abs_difference = 0;
};

inline InferenceComparison CompareInferenceWithTraining(Encoder* e, const Tensor& x) {
  InferenceComparison c;
  ClearTape();
  c.training = e->Forward(Variable(x)).value().ToPlain();
  c.tape_nodes = TapeSize();
  ClearTape();
  {
    NoGradScope no_grad;
    FrozenWeightsScope frozen;
    c.inference = e->Forward(Variable(x)).value().ToPlain();
    c.frozen_weights = FrozenWeightCount();
    c.inference_again = e->Forward(Variable(x)).value().ToPlain();
  }
  for (int64_t i = 0; i < c.training.numel(); ++i) {
    const float a = c.inference.data()[i], b = c.training.data()[i];
    if (std::memcmp(&a, &b, sizeof(float)) != 0) ++c.bit_differences;
    c.max_abs_difference = std::max(c.max_abs_difference, std::fabs(double{a} - double{b}));
  }
  return c;
}

}  // namespace testing_util
}  // namespace siamese

#endif  // SIAMESE_PLUGINS_ENCODERS_COMMON_ENCODER_TESTING_H_
