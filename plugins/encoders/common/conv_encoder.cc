#include "plugins/encoders/common/conv_encoder.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "framework/base/check.h"
#include "framework/nn/init.h"
#include "framework/nn/module.h"
#include "framework/ops/activation.h"
#include "framework/ops/conv.h"
#include "framework/ops/distance.h"
#include "framework/ops/dropout.h"
#include "framework/ops/linear.h"
#include "framework/ops/norm.h"
#include "framework/ops/pool.h"
#include "framework/ops/shape_ops.h"
#include "framework/tensor/rng.h"

namespace siamese {
namespace encoders {
namespace {

// Rng(seed).Fork(tag) streams; see the header.
constexpr uint64_t kDropoutTag = 1;
constexpr uint64_t kConvTag = 100;
constexpr uint64_t kFcTag = 200;
constexpr uint64_t kOutTag = 300;

// A weight [O, ...] and an optional bias [O] with PyTorch's default init.
class WeightAndBias : public Module {
 public:
  WeightAndBias(const Shape& weight_shape, bool has_bias, Rng rng) {
    const int64_t fan_in = FanIn(weight_shape);
    const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
    weight = RegisterParameter("weight",
                               KaimingUniform(weight_shape, fan_in, &rng, std::sqrt(1.0f / 3.0f)));
    if (has_bias) bias = RegisterParameter("bias", Uniform({weight_shape[0]}, -bound, bound, &rng));
  }
  Variable weight;
  Variable bias;  // undefined without bias
};

class BatchNormParams : public Module {
 public:
  explicit BatchNormParams(int64_t channels) {
    gamma = RegisterParameter("gamma", Tensor::Full({channels}, 1.0f));
    beta = RegisterParameter("beta", Tensor::Zeros({channels}));
    running_mean = RegisterBuffer("running_mean", Tensor::Zeros({channels}));
    running_var = RegisterBuffer("running_var", Tensor::Full({channels}, 1.0f));
  }
  Variable gamma, beta;
  Tensor* running_mean;
  Tensor* running_var;
};

int64_t Padding(const ConvLayerSpec& l) { return l.padding < 0 ? l.kernel / 2 : l.padding; }

std::string MapString(const std::vector<int64_t>& spatial) { return absl::StrJoin(spatial, "x"); }

// Checks the conv layers against the input shape and returns the shape
// [C, spatial...] the conv stack produces for one example.
absl::StatusOr<Shape> ConvStackShape(const ConvEncoderSpec& spec, const Shape& input) {
  if (spec.conv.empty()) return FieldError("conv", "needs at least one layer");
  const std::string in = absl::StrCat("input shape ", ShapeToString(input));
  int64_t channels = input[0];
  std::vector<int64_t> map(input.begin() + 1, input.end());
  for (size_t i = 0; i < spec.conv.size(); ++i) {
    const ConvLayerSpec& l = spec.conv[i];
    const std::string f = absl::StrCat("conv[", i, "].");
    if (l.channels < 1) {
      return FieldError(f + "channels", absl::StrCat("must be >= 1, got ", l.channels));
    }
    if (l.kernel < 1) return FieldError(f + "kernel", absl::StrCat("must be >= 1, got ", l.kernel));
    if (l.stride < 1) return FieldError(f + "stride", absl::StrCat("must be >= 1, got ", l.stride));
    if (l.padding < -1) {
      return FieldError(f + "padding",
                        absl::StrCat("must be >= 0, or -1 for kernel / 2; got ", l.padding));
    }
    if (l.pool != "max" && l.pool != "avg" && l.pool != "none") {
      return FieldError(f + "pool",
                        absl::StrCat("must be \"max\", \"avg\" or \"none\", got \"", l.pool, "\""));
    }
    const int64_t pad = Padding(l);
    for (int64_t size : map) {
      if (l.kernel > size + 2 * pad) {
        return FieldError(f + "kernel",
                          absl::StrCat("kernel ", l.kernel, " does not fit the ", MapString(map),
                                       " map this layer receives (padding ", pad, "; ", in, ")"));
      }
    }
    for (int64_t& size : map) size = (size + 2 * pad - l.kernel) / l.stride + 1;
    channels = l.channels;
    if (l.pool == "none") continue;
    if (l.pool_size < 1) {
      return FieldError(f + "pool_size", absl::StrCat("must be >= 1, got ", l.pool_size));
    }
    for (int64_t size : map) {
      if (l.pool_size > size) {
        return FieldError(
            f + "pool_size",
            absl::StrCat("pool_size ", l.pool_size, " is larger than the ", MapString(map),
                         " output of this layer, leaving less than 1 pixel (", in, ")"));
      }
    }
    for (int64_t& size : map) size /= l.pool_size;
  }
  Shape out = {channels};
  out.insert(out.end(), map.begin(), map.end());
  return out;
}

class ConvEncoder : public Encoder {
 public:
  ConvEncoder(const ConvEncoderSpec& spec, const Shape& input_shape, const Shape& stack_shape,
              int64_t embedding_dim, uint64_t seed)
      : spec_(spec),
        input_shape_(input_shape),
        embedding_dim_(embedding_dim),
        seed_(seed),
        dropout_rng_(Rng(seed).Fork(kDropoutTag)) {
    const Rng root(seed);
    int64_t in_channels = input_shape[0];
    for (size_t i = 0; i < spec.conv.size(); ++i) {
      const ConvLayerSpec& l = spec.conv[i];
      Shape w = {l.channels, in_channels};
      for (int d = 0; d < spec.spatial_rank; ++d) w.push_back(l.kernel);
      conv_.push_back(RegisterModule(
          absl::StrCat("conv", i),
          std::make_unique<WeightAndBias>(w, !spec.batch_norm, root.Fork(kConvTag + i))));
      if (spec.batch_norm) {
        bn_.push_back(
            RegisterModule(absl::StrCat("bn", i), std::make_unique<BatchNormParams>(l.channels)));
      }
      in_channels = l.channels;
    }
    int64_t features = spec.global_pool ? stack_shape[0] : NumElements(stack_shape);
    for (size_t j = 0; j < spec.fc.size(); ++j) {
      fc_.push_back(RegisterModule(
          absl::StrCat("fc", j), std::make_unique<WeightAndBias>(Shape{spec.fc[j], features}, true,
                                                                 root.Fork(kFcTag + j))));
      features = spec.fc[j];
    }
    out_ = RegisterModule("out", std::make_unique<WeightAndBias>(Shape{embedding_dim, features},
                                                                 true, root.Fork(kOutTag)));
  }

  Variable Forward(const Variable& inputs) override { return ForwardTo(inputs, ""); }

  // "features": the conv stack's output (after global pooling if on),
  // flattened to [N, F]; "fc<j>": hidden layer j after its activation.
  std::vector<std::string> EmbeddingLayers() const override {
    std::vector<std::string> layers = {"features"};
    for (size_t j = 0; j < fc_.size(); ++j) layers.push_back(absl::StrCat("fc", j));
    return layers;
  }

  Variable ForwardTo(const Variable& inputs, const std::string& layer) override {
    const std::vector<std::string> layers = EmbeddingLayers();
    SIAMESE_CHECK(layer.empty() || std::find(layers.begin(), layers.end(), layer) != layers.end())
        << spec_.plugin << " encoder: no embedding layer \"" << layer << "\"";
    Shape example(inputs.shape().begin() + (inputs.rank() > 0 ? 1 : 0), inputs.shape().end());
    SIAMESE_CHECK(inputs.rank() >= 1 && example == input_shape_)
        << spec_.plugin << " encoder: input " << inputs.value().ShapeString()
        << " is not a batch of examples of shape " << ShapeToString(input_shape_);
    const bool training = is_training();
    const Activation act = LayerActivation();
    Variable h = inputs;
    for (size_t i = 0; i < spec_.conv.size(); ++i) {
      const ConvLayerSpec& l = spec_.conv[i];
      const int64_t pad = Padding(l);
      // Without batch norm the activation follows the convolution directly:
      // the op fuses it into its primitive when no gradient is needed. When
      // training, ReLU and leaky ReLU go after a max pool instead: they are
      // non-decreasing, so max(f(x)) = f(max(x)) and the gradient reaches
      // the same inputs (pool_test: MaxPoolCommutesWithRelu), and as a
      // separate op it then touches one value per window, not all of them.
      const bool act_after_pool = !spec_.batch_norm && GradEnabled() && l.pool == "max" &&
                                  act.kind != Activation::Kind::kGelu;
      const Activation conv_act = spec_.batch_norm || act_after_pool ? Activation::None() : act;
      if (spec_.spatial_rank == 2) {
        Conv2dOptions o;
        o.stride_h = o.stride_w = l.stride;
        o.pad_h = o.pad_w = pad;
        h = Conv2d(h, conv_[i]->weight, conv_[i]->bias, o, conv_act);
      } else {
        Conv1dOptions o;
        o.stride = l.stride;
        o.padding = pad;
        h = Conv1d(h, conv_[i]->weight, conv_[i]->bias, o, conv_act);
      }
      if (spec_.batch_norm) {
        h = BatchNorm(h, bn_[i]->gamma, bn_[i]->beta, bn_[i]->running_mean, bn_[i]->running_var,
                      training);
        h = Activate(h, act);
      }
      h = Pool(h, l);
      if (act_after_pool) h = Activate(h, act);
    }
    if (spec_.global_pool) h = spec_.spatial_rank == 2 ? GlobalAvgPool2d(h) : GlobalAvgPool1d(h);
    if (layer == "features") return Flatten(h);
    for (size_t j = 0; j < fc_.size(); ++j) {
      h = Dropout(h, spec_.dropout, training, &dropout_rng_);
      h = Linear(h, fc_[j]->weight, fc_[j]->bias, act);
      if (layer == absl::StrCat("fc", j)) return h;
    }
    h = Linear(h, out_->weight, out_->bias);
    if (spec_.l2_normalize) h = L2Normalize(h);
    return h;
  }

  int64_t embedding_dim() const override { return embedding_dim_; }

  // Dropout masks of step s come from Rng(seed).Fork(1).Fork(s).
  void BeginStep(int64_t step) override {
    dropout_rng_ = Rng(seed_).Fork(kDropoutTag).Fork(static_cast<uint64_t>(step));
  }

 private:
  // The activation after each conv block and hidden fc layer.
  Activation LayerActivation() const {
    if (spec_.activation == "leaky_relu") return Activation::LeakyRelu(0.01f);
    if (spec_.activation == "gelu") return Activation::Gelu(GeluApproximation::kErf);
    return Activation::Relu();
  }

  Variable Pool(const Variable& x, const ConvLayerSpec& l) const {
    const int64_t k = l.pool_size;
    if (l.pool == "none") return x;
    if (spec_.spatial_rank == 1) return l.pool == "max" ? MaxPool1d(x, k, k) : AvgPool1d(x, k, k);
    Pool2dOptions o;
    o.kernel_h = o.kernel_w = o.stride_h = o.stride_w = k;
    return l.pool == "max" ? MaxPool2d(x, o) : AvgPool2d(x, o);
  }

  const ConvEncoderSpec spec_;
  const Shape input_shape_;
  const int64_t embedding_dim_;
  const uint64_t seed_;
  Rng dropout_rng_;
  std::vector<WeightAndBias*> conv_;
  std::vector<BatchNormParams*> bn_;
  std::vector<WeightAndBias*> fc_;
  WeightAndBias* out_ = nullptr;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Encoder>> CreateConvEncoder(const ConvEncoderSpec& spec,
                                                           const PluginContext& context) {
  const Shape& input = context.input_shape;
  const bool rank_ok = static_cast<int>(input.size()) == spec.spatial_rank + 1;
  bool dims_ok = true;
  for (int64_t d : input) dims_ok = dims_ok && d >= 1;
  if (!rank_ok || !dims_ok) {
    return absl::InvalidArgumentError(absl::StrCat(spec.plugin,
                                                   " encoder: the input shape must be ",
                                                   spec.spatial_rank == 2 ? "[C, H, W]" : "[C, L]",
                                                   " with sizes >= 1, got ", ShapeToString(input)));
  }
  if (context.embedding_dim < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        spec.plugin, " encoder: embedding_dim must be >= 1, got ", context.embedding_dim));
  }
  absl::StatusOr<Shape> stack = ConvStackShape(spec, input);
  if (!stack.ok()) return stack.status();
  if (!(spec.dropout >= 0.0f && spec.dropout < 1.0f)) {
    return FieldError("dropout", absl::StrCat("must be in [0, 1), got ", spec.dropout));
  }
  for (size_t j = 0; j < spec.fc.size(); ++j) {
    if (spec.fc[j] < 1) {
      return FieldError(absl::StrCat("fc[", j, "]"),
                        absl::StrCat("must be >= 1, got ", spec.fc[j]));
    }
  }
  if (spec.activation != "relu" && spec.activation != "leaky_relu" && spec.activation != "gelu") {
    return FieldError("activation",
                      absl::StrCat("must be \"relu\", \"leaky_relu\" or \"gelu\", got \"",
                                   spec.activation, "\""));
  }
  return std::unique_ptr<Encoder>(
      new ConvEncoder(spec, input, *stack, context.embedding_dim, context.seed));
}

}  // namespace encoders
}  // namespace siamese
