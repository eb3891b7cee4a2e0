// The sampling weights of the distance_weighted miner (formula in
// distance_weighted.proto), apart from the draw, so tests can check them.
#ifndef SIAMESE_PLUGINS_MINERS_DISTANCE_WEIGHTED_DISTANCE_WEIGHTS_H_
#define SIAMESE_PLUGINS_MINERS_DISTANCE_WEIGHTED_DISTANCE_WEIGHTS_H_

#include <cstdint>
#include <vector>

namespace siamese {

// Row a: the probabilities of drawing each example as a's negative, summing
// to 1, or all 0 when a has no admissible negative. Same-class entries are
// 0. Computed as pytorch-metric-learning does: log weights shifted by
// their largest finite value over the whole batch, non-finite ones (d >= 2)
// set to 0.
// REQUIRES: distances is [n, n] row-major with n = labels.size(); dim >= 1.
std::vector<double> DistanceWeights(const float* distances, const std::vector<int64_t>& labels,
                                    int64_t dim, float cutoff, float nonzero_loss_cutoff);

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_MINERS_DISTANCE_WEIGHTED_DISTANCE_WEIGHTS_H_
