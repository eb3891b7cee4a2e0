// Helpers for miner tests: create a miner from text, build a distance matrix
// from 1-D points.
#ifndef SIAMESE_PLUGINS_MINERS_TESTING_MINER_TESTING_H_
#define SIAMESE_PLUGINS_MINERS_TESTING_MINER_TESTING_H_

#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace testing_util {

inline std::unique_ptr<Miner> MakeMiner(const std::string& text, uint64_t seed = 1) {
  MinerConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  PluginContext context;
  context.seed = seed;
  auto miner = Registry<Miner>::Create(config, context);
  EXPECT_TRUE(miner.ok()) << miner.status();
  return miner.ok() ? std::move(*miner) : nullptr;
}

inline absl::Status MinerError(const std::string& text) {
  MinerConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  return Registry<Miner>::Create(config, PluginContext()).status();
}

// |x_i - x_j| for points on a line.
inline Tensor LineDistances(const std::vector<float>& x) {
  const int64_t n = static_cast<int64_t>(x.size());
  Tensor d = Tensor::Empty({n, n});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) d.data()[i * n + j] = std::fabs(x[i] - x[j]);
  return d;
}

// Mines `distances` (plain [N, N]) with `labels` at `step`, Euclidean, no
// embeddings; expects the miner to return triplets (pairs).
inline Triplets MineTriplets(Miner* miner, const Tensor& distances,
                             const std::vector<int64_t>& labels, int64_t step = 0) {
  MinerInput in;
  in.distances = &distances;
  in.labels = &labels;
  in.step = step;
  Tuples t = miner->Mine(in);
  EXPECT_EQ(t.kind(), TupleKind::kTriplets);
  return t.kind() == TupleKind::kTriplets ? t.triplets() : siamese::Triplets();
}
inline Pairs MinePairs(Miner* miner, const Tensor& distances, const std::vector<int64_t>& labels,
                       int64_t step = 0) {
  MinerInput in;
  in.distances = &distances;
  in.labels = &labels;
  in.step = step;
  Tuples t = miner->Mine(in);
  EXPECT_EQ(t.kind(), TupleKind::kPairs);
  return t.kind() == TupleKind::kPairs ? t.pairs() : Pairs();
}

using Triplet = std::tuple<int64_t, int64_t, int64_t>;
inline std::vector<Triplet> TripletList(const siamese::Triplets& t) {
  std::vector<Triplet> out;
  for (size_t i = 0; i < t.anchors.size(); ++i)
    out.emplace_back(t.anchors[i], t.positives[i], t.negatives[i]);
  return out;
}

}  // namespace testing_util
}  // namespace siamese

#endif  // SIAMESE_PLUGINS_MINERS_TESTING_MINER_TESTING_H_
