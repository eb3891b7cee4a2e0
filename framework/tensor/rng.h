// Rng: a seeded random stream that is identical on every run, machine and
// thread count (unlike absl::BitGen, which is deliberately unpredictable, and
// std:: distributions, whose algorithms differ between standard libraries).
//
// The generator is xoshiro256** seeded through splitmix64; Uniform() uses the
// top 24 bits; Normal() is Box-Muller. Fork(tag) derives an independent
// stream, so that e.g. dropout and the sampler never share a sequence and
// adding draws to one does not shift the other.
#ifndef SIAMESE_FRAMEWORK_TENSOR_RNG_H_
#define SIAMESE_FRAMEWORK_TENSOR_RNG_H_

#include <cstdint>

namespace siamese {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0);

  uint64_t NextU64();
  // Uniform in [0, 1).
  float Uniform();
  // Uniform in [lo, hi).
  float Uniform(float lo, float hi) { return lo + (hi - lo) * Uniform(); }
  // Standard normal.
  float Normal();
  // Uniform integer in [0, n). REQUIRES: n > 0.
  int64_t UniformInt(int64_t n);
  // A new generator whose stream depends only on this one's seed and `tag`.
  Rng Fork(uint64_t tag) const;

 private:
  uint64_t seed_;
  uint64_t s_[4];
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TENSOR_RNG_H_
