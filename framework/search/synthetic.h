// Deterministic clustered embeddings: the data of the search tests and of
// //experiments/benchmarks:search_benchmark.
//
// Cluster centres are drawn uniformly from [-1, 1]^dim; a vector of cluster
// c is centre c plus independent N(0, spread^2) noise per coordinate, and
// its label is c. Vector i belongs to cluster i % clusters, so any prefix
// covers the clusters evenly. The same (count, dim, clusters, spread, seed)
// always gives the same floats; a different seed with the same centre_seed
// gives new vectors around the same centres (queries for an indexed set).
#ifndef SIAMESE_FRAMEWORK_SEARCH_SYNTHETIC_H_
#define SIAMESE_FRAMEWORK_SEARCH_SYNTHETIC_H_

#include <cstdint>
#include <vector>

#include "framework/tensor/rng.h"

namespace siamese {
namespace search_testing {

struct ClusteredSet {
  std::vector<float> vectors;  // count x dim, C order
  std::vector<int64_t> labels;
  int64_t count = 0;
  int64_t dim = 0;
};

// REQUIRES: count >= 0, dim >= 1, clusters >= 1.
inline ClusteredSet Clustered(int64_t count, int64_t dim, int64_t clusters, float spread,
                              uint64_t seed, uint64_t centre_seed = 1) {
  Rng centre_rng(centre_seed);
  std::vector<float> centres(clusters * dim);
  for (float& c : centres) c = centre_rng.Uniform(-1.0f, 1.0f);
  Rng rng(seed);
  ClusteredSet set;
  set.count = count;
  set.dim = dim;
  set.vectors.resize(count * dim);
  set.labels.resize(count);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t c = i % clusters;
    set.labels[i] = c;
    for (int64_t j = 0; j < dim; ++j) {
      set.vectors[i * dim + j] = centres[c * dim + j] + spread * rng.Normal();
    }
  }
  return set;
}

}  // namespace search_testing
}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_SEARCH_SYNTHETIC_H_
