// N-way K-shot evaluation (Koch et al. 2015's 20-way one-shot task; Vinyals
// et al. 2016): seeded episodes drawn from a labeled embedding set, each
// classifying query items among N classes from K labeled support items per
// class.
//
// One episode: choose `ways` classes uniformly among the classes that have at
// least shots + queries_per_class items; for each, choose shots support and
// queries_per_class query items uniformly without replacement; each query is
// assigned the class of the nearest support item (K = 1) or of the nearest
// class mean of its support embeddings (K > 1; the prototype of Snell et
// al. 2017), under `distance` computed in double precision
// (DistanceFunction::Pair, d(query, support or prototype): the query is the
// anchor of an asymmetric distance); ties go to the class chosen first.
// Episode accuracy = correct queries / queries.
//
// Reported: the mean episode accuracy and its 95% confidence interval,
// mean +- 1.96 * sd / sqrt(episodes) (normal approximation; sd the sample
// standard deviation of episode accuracies), as in the few-shot literature.
// Deterministic: a function of (embeddings, labels, distance, config).
#ifndef SIAMESE_FRAMEWORK_EVAL_FEW_SHOT_H_
#define SIAMESE_FRAMEWORK_EVAL_FEW_SHOT_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/distance.h"
#include "framework/tensor/tensor.h"

namespace siamese {

struct FewShotConfig {
  int ways = 20;
  int shots = 1;
  int queries_per_class = 1;
  int episodes = 1000;
  uint64_t seed = 0;
};

struct FewShotResult {
  int ways = 0, shots = 0, episodes = 0;
  double accuracy = 0;
  double ci95_low = 0, ci95_high = 0;
};

// embeddings: [N, D] in any layout; labels: N class ids.
// InvalidArgument when embeddings is not [N, D] with N == labels.size(),
// holds a non-finite value, a config value is < 1, or fewer than `ways`
// classes have shots + queries_per_class items (the message says how many
// do).
absl::StatusOr<FewShotResult> EvaluateFewShot(const Tensor& embeddings,
                                              const std::vector<int64_t>& labels,
                                              const Distance& distance,
                                              const FewShotConfig& config);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_EVAL_FEW_SHOT_H_
