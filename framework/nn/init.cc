#include "framework/nn/init.h"

#include "framework/base/check.h"

namespace siamese {
namespace {

int64_t ReceptiveField(const Shape& shape, const char* what) {
  SIAMESE_CHECK(shape.size() >= 2)
      << "init: " << what << " needs a weight of rank >= 2, got " << ShapeToString(shape);
  int64_t r = 1;
  for (size_t i = 2; i < shape.size(); ++i) r *= shape[i];
  return r;
}

}  // namespace

// ReceptiveField checks the rank first: shape[1] of a rank-1 shape would be
// read out of bounds (found by --config=asan).
int64_t FanIn(const Shape& shape) {
  const int64_t field = ReceptiveField(shape, "FanIn");
  return shape[1] * field;
}
int64_t FanOut(const Shape& shape) {
  const int64_t field = ReceptiveField(shape, "FanOut");
  return shape[0] * field;
}

Tensor Uniform(const Shape& shape, float lo, float hi, Rng* rng) {
  SIAMESE_CHECK(rng != nullptr) << "init: null rng";
  SIAMESE_CHECK(lo <= hi) << "init: Uniform range [" << lo << ", " << hi << ") is empty";
  Tensor t = Tensor::Empty(shape);
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = rng->Uniform(lo, hi);
  return t;
}

Tensor KaimingUniform(const Shape& shape, int64_t fan_in, Rng* rng, float gain) {
  SIAMESE_CHECK(fan_in > 0) << "init: KaimingUniform fan_in " << fan_in << " for "
                            << ShapeToString(shape);
  const float bound = gain * std::sqrt(3.0f / static_cast<float>(fan_in));
  return Uniform(shape, -bound, bound, rng);
}

Tensor KaimingNormal(const Shape& shape, int64_t fan_in, Rng* rng, float gain) {
  SIAMESE_CHECK(fan_in > 0) << "init: KaimingNormal fan_in " << fan_in << " for "
                            << ShapeToString(shape);
  SIAMESE_CHECK(rng != nullptr) << "init: null rng";
  const float stddev = gain / std::sqrt(static_cast<float>(fan_in));
  Tensor t = Tensor::Empty(shape);
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = stddev * rng->Normal();
  return t;
}

Tensor XavierUniform(const Shape& shape, int64_t fan_in, int64_t fan_out, Rng* rng, float gain) {
  SIAMESE_CHECK(fan_in > 0 && fan_out > 0) << "init: XavierUniform fans (" << fan_in << ", "
                                           << fan_out << ") for " << ShapeToString(shape);
  const float bound = gain * std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
  return Uniform(shape, -bound, bound, rng);
}

Tensor Zeros(const Shape& shape) { return Tensor::Zeros(shape); }

}  // namespace siamese
