#include "experiments/benchmarks/small_cnn.h"

#include <cmath>

#include "framework/ops/ops.h"

namespace siamese {
namespace {

// PyTorch's default init for conv and linear layers: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
Variable Uniform(const Shape& shape, int64_t fan_in, Rng* rng) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
  Tensor t = Tensor::Empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = rng->Uniform(-bound, bound);
  return Variable(t, true);
}

}  // namespace

SmallCnn::SmallCnn(uint64_t seed) {
  Rng rng(seed);
  conv1_w_ = Uniform({32, 1, 3, 3}, 9, &rng);
  conv1_b_ = Uniform({32}, 9, &rng);
  conv2_w_ = Uniform({64, 32, 3, 3}, 288, &rng);
  conv2_b_ = Uniform({64}, 288, &rng);
  fc1_w_ = Uniform({128, 64 * 7 * 7}, 64 * 7 * 7, &rng);
  fc1_b_ = Uniform({128}, 64 * 7 * 7, &rng);
  fc2_w_ = Uniform({64, 128}, 128, &rng);
  fc2_b_ = Uniform({64}, 128, &rng);
}

Variable SmallCnn::Forward(const Variable& images) const {
  Conv2dOptions same;
  same.pad_h = same.pad_w = 1;
  Pool2dOptions pool2;
  pool2.kernel_h = pool2.kernel_w = pool2.stride_h = pool2.stride_w = 2;
  // The ReLUs go into the layers' primitives as post-ops when no gradient is
  // needed (inference). In training they are separate ops, after the max
  // pools as the conv encoders place them (conv_encoder.cc): the same values
  // and gradients, on a quarter of the elements.
  const Activation relu = Activation::Relu();
  auto block = [&](const Variable& in, const Variable& w, const Variable& b) {
    if (!GradEnabled()) return MaxPool2d(Conv2d(in, w, b, same, relu), pool2);
    return Relu(MaxPool2d(Conv2d(in, w, b, same), pool2));
  };
  Variable x = block(images, conv1_w_, conv1_b_);
  x = block(x, conv2_w_, conv2_b_);
  x = Linear(x, fc1_w_, fc1_b_, relu);
  return L2Normalize(Linear(x, fc2_w_, fc2_b_));
}

std::vector<Variable> SmallCnn::Parameters() const {
  return {conv1_w_, conv1_b_, conv2_w_, conv2_b_, fc1_w_, fc1_b_, fc2_w_, fc2_b_};
}

Variable StackedTripletMarginLoss(const Variable& embeddings, float margin) {
  const int64_t b = embeddings.dim(0) / 3;
  Variable a = Slice(embeddings, 0, 0, b);
  Variable p = Slice(embeddings, 0, b, 2 * b);
  Variable n = Slice(embeddings, 0, 2 * b, 3 * b);
  auto distance = [](const Variable& u, const Variable& v) {
    return Sqrt(AddScalar(Sum(Square(Sub(u, v)), {1}), 1e-12f));
  };
  return MeanAll(Relu(AddScalar(Sub(distance(a, p), distance(a, n)), margin)));
}

}  // namespace siamese
