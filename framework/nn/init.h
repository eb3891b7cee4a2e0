// Weight initializers with PyTorch's formulas (torch.nn.init). Each returns a
// new plain tensor whose elements are drawn from `rng` in row-major order, so
// a given seed gives the same tensor on every machine.
//
//   KaimingUniform: U(-b, b),  b = gain * sqrt(3 / fan_in)
//                   (gain sqrt(2), i.e. ReLU: b = sqrt(6 / fan_in); this is
//                   kaiming_uniform_(mode="fan_in", nonlinearity="relu").
//                   gain = sqrt(1/3) gives b = 1 / sqrt(fan_in), the default
//                   weight init of torch.nn.Linear and Conv2d, which use
//                   kaiming_uniform_(a=sqrt(5))).
//   KaimingNormal:  N(0, s^2), s = gain / sqrt(fan_in) (default gain sqrt(2)).
//   XavierUniform:  U(-b, b),  b = gain * sqrt(6 / (fan_in + fan_out)), gain 1.
//   Uniform:        U(lo, hi); Uniform(shape, -1/sqrt(fan_in), 1/sqrt(fan_in))
//                   is PyTorch's default bias init for Linear and Conv2d.
//   Zeros:          all 0.
//
// Fans follow torch.nn.init._calculate_fan_in_and_fan_out: for a weight of
// shape [out, in, k...], fan_in = in * prod(k) and fan_out = out * prod(k).
#ifndef SIAMESE_FRAMEWORK_NN_INIT_H_
#define SIAMESE_FRAMEWORK_NN_INIT_H_

#include <cmath>
#include <cstdint>

#include "framework/tensor/rng.h"
#include "framework/tensor/tensor.h"

namespace siamese {

// sqrt(2): the Kaiming gain for ReLU.
inline float ReluGain() { return std::sqrt(2.0f); }

// REQUIRES: shape has rank >= 2.
int64_t FanIn(const Shape& shape);
int64_t FanOut(const Shape& shape);

// REQUIRES (all): fans > 0, rng != nullptr.
Tensor KaimingUniform(const Shape& shape, int64_t fan_in, Rng* rng, float gain = ReluGain());
Tensor KaimingNormal(const Shape& shape, int64_t fan_in, Rng* rng, float gain = ReluGain());
Tensor XavierUniform(const Shape& shape, int64_t fan_in, int64_t fan_out, Rng* rng,
                     float gain = 1.0f);
// REQUIRES: lo <= hi, rng != nullptr.
Tensor Uniform(const Shape& shape, float lo, float hi, Rng* rng);
Tensor Zeros(const Shape& shape);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_NN_INIT_H_
