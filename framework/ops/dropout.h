// Inverted dropout (plain C++: oneDNN 2.6 has no dropout primitive).
#ifndef SIAMESE_FRAMEWORK_OPS_DROPOUT_H_
#define SIAMESE_FRAMEWORK_OPS_DROPOUT_H_

#include "framework/autograd/variable.h"
#include "framework/tensor/rng.h"

namespace siamese {

// In training, zeroes each element with probability p and scales the kept
// ones by 1 / (1 - p), so the expected value is unchanged; the gradient is
// dy times the same mask and scale. The mask takes one rng->Uniform() per
// element in row-major order (element kept when the draw is >= p), in one
// sequential loop: the same seed gives the same mask on every machine and
// thread count. The result is plain (x is made plain first).
// When !training or p == 0 it returns x itself and draws nothing.
// REQUIRES: 0 <= p < 1; rng != nullptr when training and p > 0.
Variable Dropout(const Variable& x, float p, bool training, Rng* rng);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_DROPOUT_H_
