// Encoder "scaffold_encoder_example": see scaffold_encoder_example.proto for the architecture.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/encoder.h"
#include "framework/core/registry.h"
#include "framework/nn/init.h"
#include "framework/nn/module.h"
#include "framework/ops/activation.h"
#include "framework/ops/distance.h"
#include "framework/ops/linear.h"
#include "framework/ops/shape_ops.h"
#include "framework/tensor/rng.h"
#include "plugins/testing/scaffold/scaffold_encoder_example/scaffold_encoder_example.pb.h"

namespace siamese {
namespace {

// A fully connected layer: weight [out, in], bias [out], initialized as
// torch.nn.Linear's. A child module, so its parameters are named
// "<layer>.weight" and "<layer>.bias" (checkpoints, init.frozen_prefixes).
class Dense : public Module {
 public:
  Dense(int64_t in, int64_t out, Rng rng) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(in));
    weight_ = RegisterParameter("weight", Uniform({out, in}, -bound, bound, &rng));
    bias_ = RegisterParameter("bias", Uniform({out}, -bound, bound, &rng));
  }
  Variable operator()(const Variable& x) const { return Linear(x, weight_, bias_); }

 private:
  Variable weight_, bias_;
};

class ScaffoldEncoderExampleEncoder : public Encoder {
 public:
  ScaffoldEncoderExampleEncoder(
      int64_t in, int64_t hidden, int64_t out, bool l2_normalize, uint64_t seed)
      : out_dim_(out), l2_normalize_(l2_normalize) {
    // One stream per layer: changing one layer leaves the others' weights.
    if (hidden > 0) {
      hidden_ = RegisterModule("hidden", std::make_unique<Dense>(in, hidden, Rng(seed).Fork(1)));
    }
    const int64_t width = hidden > 0 ? hidden : in;
    out_ = RegisterModule("out", std::make_unique<Dense>(width, out, Rng(seed).Fork(2)));
  }

  // Checks every parameter; an error names its field.
  static absl::StatusOr<std::unique_ptr<Encoder>> Create(
      const ScaffoldEncoderExampleEncoderParams& p, const PluginContext& context) {
    if (p.hidden_units() < 0) {
      return FieldError("hidden_units", absl::StrCat("must be >= 0, got ", p.hidden_units()));
    }
    if (context.embedding_dim < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("encoder \"scaffold_encoder_example\": embedding_dim must be >= 1, got ",
                       context.embedding_dim));
    }
    return std::unique_ptr<Encoder>(new ScaffoldEncoderExampleEncoder(
        NumElements(context.input_shape), p.hidden_units(), context.embedding_dim,
        p.l2_normalize(), context.seed));
  }

  // [N, example shape...] -> [N, embedding_dim], from differentiable ops
  // only: their autograd gives the gradients.
  Variable Forward(const Variable& inputs) override {
    Variable h = Flatten(inputs, 1);
    if (hidden_ != nullptr) h = Tanh((*hidden_)(h));
    const Variable e = (*out_)(h);
    return l2_normalize_ ? L2Normalize(e) : e;
  }

  int64_t embedding_dim() const override { return out_dim_; }

 private:
  int64_t out_dim_;
  bool l2_normalize_;
  Dense* hidden_ = nullptr;  // null when hidden_units is 0
  Dense* out_ = nullptr;
};

SIAMESE_REGISTER_PLUGIN(Encoder, "scaffold_encoder_example", siamese::scaffold_encoder_example,
                        ScaffoldEncoderExampleEncoderParams,
                        "one line on what it does (shown by train --list_plugins)",
                        &ScaffoldEncoderExampleEncoder::Create);

}  // namespace
}  // namespace siamese
