#include "plugins/encoders/resnet/resnet_encoder.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/nn/init.h"
#include "framework/nn/module.h"
#include "framework/ops/activation.h"
#include "framework/ops/conv.h"
#include "framework/ops/distance.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/linear.h"
#include "framework/ops/norm.h"
#include "framework/ops/pool.h"
#include "framework/tensor/rng.h"

namespace siamese {
namespace encoders {
namespace {

// Rng(seed).Fork(tag) streams; see the header.
constexpr uint64_t kStemTag = 100;
constexpr uint64_t kOutTag = 300;
constexpr uint64_t kStageTag = 1000;

using Activation = Variable (*)(const Variable&);

Variable LeakyRelu001(const Variable& x) { return LeakyRelu(x, 0.01f); }
Variable GeluErf(const Variable& x) { return Gelu(x); }

// REQUIRES: name is "relu", "leaky_relu" or "gelu" (validated in Create).
Activation ActivationFor(const std::string& name) {
  if (name == "leaky_relu") return &LeakyRelu001;
  if (name == "gelu") return &GeluErf;
  return &Relu;
}

// The stages the encoder builds, with the default of an empty `stage` list
// filled in.
struct StageSpec {
  int64_t channels, blocks, stride;
};

std::vector<StageSpec> Stages(const ResNetEncoderParams& p) {
  if (p.stage_size() == 0) return {{16, 1, 1}, {32, 1, 2}, {64, 1, 2}};
  std::vector<StageSpec> out;
  for (const ResNetStage& s : p.stage()) out.push_back({s.channels(), s.blocks(), s.stride()});
  return out;
}

// A square convolution without bias: batch norm follows every one, and its
// beta plays the bias's role (a bias would be cancelled by the mean
// subtraction). Padding kernel / 2 keeps 3x3 maps "same" at stride 1 and
// gives 1x1 shortcuts the 3x3 path's output size at any stride.
class Conv : public Module {
 public:
  Conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, Rng rng) {
    const Shape shape = {out, in, kernel, kernel};
    // torchvision: kaiming_normal_(mode="fan_out", nonlinearity="relu");
    // KaimingNormal divides by the fan it is given, here fan_out.
    weight_ = RegisterParameter("weight", KaimingNormal(shape, FanOut(shape), &rng));
    options_.stride_h = options_.stride_w = stride;
    options_.pad_h = options_.pad_w = kernel / 2;
  }

  Variable operator()(const Variable& x) const { return Conv2d(x, weight_, Variable(), options_); }

 private:
  Variable weight_;
  Conv2dOptions options_;
};

// Batch norm over channels. Training mode (this module's, which Train() and
// Eval() on the encoder set) normalizes with the batch statistics and updates
// the running ones; eval mode uses the running statistics.
class BatchNormLayer : public Module {
 public:
  BatchNormLayer(int64_t channels, float gamma) {
    gamma_ = RegisterParameter("gamma", Tensor::Full({channels}, gamma));
    beta_ = RegisterParameter("beta", Tensor::Zeros({channels}));
    running_mean_ = RegisterBuffer("running_mean", Tensor::Zeros({channels}));
    running_var_ = RegisterBuffer("running_var", Tensor::Full({channels}, 1.0f));
  }

  Variable operator()(const Variable& x) const {
    return BatchNorm(x, gamma_, beta_, running_mean_, running_var_, is_training());
  }

 private:
  Variable gamma_, beta_;
  Tensor* running_mean_;
  Tensor* running_var_;
};

// conv followed by batch norm: the stem and the projection shortcut.
class ConvBn : public Module {
 public:
  ConvBn(int64_t in, int64_t out, int64_t kernel, int64_t stride, Rng rng) {
    conv_ = RegisterModule("conv", std::make_unique<Conv>(in, out, kernel, stride, rng));
    bn_ = RegisterModule("bn", std::make_unique<BatchNormLayer>(out, 1.0f));
  }

  Variable operator()(const Variable& x) const { return (*bn_)((*conv_)(x)); }

 private:
  Conv* conv_;
  BatchNormLayer* bn_;
};

// He et al.'s BasicBlock (two 3x3 convolutions; ReLU after the first and
// after the residual sum), with the projection shortcut ("option B") only
// where the identity does not fit.
class BasicBlock : public Module {
 public:
  BasicBlock(int64_t in, int64_t out, int64_t stride, bool zero_init_residual,
             Activation activation, const Rng& rng)
      : activation_(activation) {
    conv1_ = RegisterModule("conv1", std::make_unique<Conv>(in, out, 3, stride, rng.Fork(0)));
    bn1_ = RegisterModule("bn1", std::make_unique<BatchNormLayer>(out, 1.0f));
    conv2_ = RegisterModule("conv2", std::make_unique<Conv>(out, out, 3, 1, rng.Fork(1)));
    bn2_ = RegisterModule("bn2",
                          std::make_unique<BatchNormLayer>(out, zero_init_residual ? 0.0f : 1.0f));
    if (stride != 1 || in != out) {
      shortcut_ =
          RegisterModule("shortcut", std::make_unique<ConvBn>(in, out, 1, stride, rng.Fork(2)));
    }
  }

  Variable operator()(const Variable& x) const {
    Variable h = activation_((*bn1_)((*conv1_)(x)));
    h = (*bn2_)((*conv2_)(h));
    // Both operands normally share the convolutions' blocked layout (batch
    // norm and the activations keep it), so Add sums them in it without
    // reorders; with different layouts it works on plain copies instead.
    return activation_(Add(h, shortcut_ != nullptr ? (*shortcut_)(x) : x));
  }

 private:
  const Activation activation_;
  Conv* conv1_;
  BatchNormLayer* bn1_;
  Conv* conv2_;
  BatchNormLayer* bn2_;
  ConvBn* shortcut_ = nullptr;  // null: identity
};

// The blocks of one stage, named block<b>.
class Stage : public Module {
 public:
  Stage(int64_t in, const StageSpec& spec, bool zero_init_residual, Activation activation,
        const Rng& rng) {
    for (int64_t b = 0; b < spec.blocks; ++b) {
      blocks_.push_back(RegisterModule(
          absl::StrCat("block", b),
          std::make_unique<BasicBlock>(b == 0 ? in : spec.channels, spec.channels,
                                       b == 0 ? spec.stride : 1, zero_init_residual, activation,
                                       rng.Fork(static_cast<uint64_t>(b)))));
    }
  }

  Variable operator()(Variable x) const {
    for (const BasicBlock* block : blocks_) x = (*block)(x);
    return x;
  }

 private:
  std::vector<BasicBlock*> blocks_;
};

// nn.Linear with PyTorch's default init.
class Dense : public Module {
 public:
  Dense(int64_t in, int64_t out, Rng rng) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(in));
    weight_ = RegisterParameter("weight", KaimingUniform({out, in}, in, &rng, std::sqrt(1.0f / 3)));
    bias_ = RegisterParameter("bias", Uniform({out}, -bound, bound, &rng));
  }

  Variable operator()(const Variable& x) const { return Linear(x, weight_, bias_); }

 private:
  Variable weight_, bias_;
};

class ResNetEncoder : public Encoder {
 public:
  ResNetEncoder(const ResNetEncoderParams& params, const std::vector<StageSpec>& stages,
                const Shape& input_shape, int64_t embedding_dim, uint64_t seed)
      : input_shape_(input_shape),
        embedding_dim_(embedding_dim),
        stem_pool_(params.stem_pool()),
        l2_normalize_(params.l2_normalize()),
        activation_(ActivationFor(params.activation())) {
    const Rng root(seed);
    stem_ = RegisterModule("stem", std::make_unique<ConvBn>(input_shape[0], params.stem_channels(),
                                                            3, 1, root.Fork(kStemTag)));
    int64_t channels = params.stem_channels();
    for (size_t s = 0; s < stages.size(); ++s) {
      stages_.push_back(
          RegisterModule(absl::StrCat("stage", s),
                         std::make_unique<Stage>(channels, stages[s], params.zero_init_residual(),
                                                 activation_, root.Fork(kStageTag + s))));
      channels = stages[s].channels;
    }
    out_ =
        RegisterModule("out", std::make_unique<Dense>(channels, embedding_dim, root.Fork(kOutTag)));
  }

  Variable Forward(const Variable& inputs) override { return ForwardTo(inputs, ""); }

  // "features": the globally pooled output of the last stage, [N, C_last],
  // the representation under the output layer.
  std::vector<std::string> EmbeddingLayers() const override { return {"features"}; }

  Variable ForwardTo(const Variable& inputs, const std::string& layer) override {
    SIAMESE_CHECK(layer.empty() || layer == "features")
        << "resnet encoder: no embedding layer \"" << layer << "\"";
    Shape example(inputs.shape().begin() + (inputs.rank() > 0 ? 1 : 0), inputs.shape().end());
    SIAMESE_CHECK(inputs.rank() >= 1 && example == input_shape_)
        << "resnet encoder: input " << inputs.value().ShapeString()
        << " is not a batch of examples of shape " << ShapeToString(input_shape_);
    Variable h = activation_((*stem_)(inputs));
    if (stem_pool_) {
      Pool2dOptions o;
      o.kernel_h = o.kernel_w = 3;
      o.stride_h = o.stride_w = 2;
      o.pad_h = o.pad_w = 1;
      h = MaxPool2d(h, o);
    }
    for (const Stage* stage : stages_) h = (*stage)(h);
    h = GlobalAvgPool2d(h);
    if (layer == "features") return h;
    h = (*out_)(h);
    if (l2_normalize_) h = L2Normalize(h);
    return h;
  }

  int64_t embedding_dim() const override { return embedding_dim_; }

 private:
  const Shape input_shape_;
  const int64_t embedding_dim_;
  const bool stem_pool_;
  const bool l2_normalize_;
  const Activation activation_;
  ConvBn* stem_ = nullptr;
  std::vector<Stage*> stages_;
  Dense* out_ = nullptr;
};

absl::Status AtLeastOne(const std::string& field, int64_t value) {
  if (value >= 1) return absl::OkStatus();
  return FieldError(field, absl::StrCat("must be >= 1, got ", value));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Encoder>> CreateResNetEncoder(const ResNetEncoderParams& params,
                                                             const PluginContext& context) {
  const Shape& input = context.input_shape;
  bool dims_ok = input.size() == 3;
  for (int64_t d : input) dims_ok = dims_ok && d >= 1;
  if (!dims_ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("resnet encoder: the input shape must be [C, H, W] with sizes >= 1, got ",
                     ShapeToString(input)));
  }
  if (context.embedding_dim < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("resnet encoder: embedding_dim must be >= 1, got ", context.embedding_dim));
  }
  if (absl::Status s = AtLeastOne("stem_channels", params.stem_channels()); !s.ok()) return s;
  const std::vector<StageSpec> stages = Stages(params);
  for (size_t i = 0; i < stages.size(); ++i) {
    const std::string f = absl::StrCat("stage[", i, "].");
    for (const auto& [name, value] :
         {std::pair<const char*, int64_t>{"channels", stages[i].channels},
          {"blocks", stages[i].blocks},
          {"stride", stages[i].stride}}) {
      if (absl::Status s = AtLeastOne(f + name, value); !s.ok()) return s;
    }
  }
  const std::string& a = params.activation();
  if (a != "relu" && a != "leaky_relu" && a != "gelu") {
    return FieldError(
        "activation",
        absl::StrCat("must be \"relu\", \"leaky_relu\" or \"gelu\", got \"", a, "\""));
  }
  return std::unique_ptr<Encoder>(
      new ResNetEncoder(params, stages, input, context.embedding_dim, context.seed));
}

SIAMESE_REGISTER_PLUGIN(Encoder, "resnet", siamese::resnet, ResNetEncoderParams,
                        "small ResNet for images [C, H, W]: 3x3 stem, stages of BasicBlocks "
                        "with batch norm, global average pooling, L2-normalized output",
                        &CreateResNetEncoder);

}  // namespace encoders
}  // namespace siamese
