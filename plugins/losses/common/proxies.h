// What the proxy and classification losses (proxy_anchor, proxy_nca,
// normalized_softmax, cosface, arcface, soft_triple) share: their class
// weights, the cosine similarity of embeddings to them, and a cross entropy.
//
// Every such loss keeps its class weights as the parameter "proxies" of
// shape [num_classes * per_class, D] (row k * per_class + j: sub-center j of
// class k), so checkpoints, init.frozen_prefixes ("loss.proxies") and
// pytorch-metric-learning name maps see one layout.
#ifndef SIAMESE_PLUGINS_LOSSES_COMMON_PROXIES_H_
#define SIAMESE_PLUGINS_LOSSES_COMMON_PROXIES_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "framework/autograd/variable.h"
#include "framework/tensor/tensor.h"

namespace siamese {

struct PluginContext;

// The initial proxies: Kaiming normal with fan = rows (pytorch-metric-
// learning's kaiming_normal_(mode="fan_out") for its [C, D] proxies), from
// the stream Rng(seed).Fork(tag of the proxies), so the encoder's draws do
// not move them.
Tensor InitialProxies(int64_t rows, int64_t dim, uint64_t seed);

// OK when the context gives the number of classes and the embedding width
// (the trainer always does); otherwise an error naming what is missing.
absl::Status CheckProxyContext(const PluginContext& context, const char* loss);

// cos(a_i, b_j) for a [N, D] and b [M, D]: [N, M], differentiable in both.
Variable CosineSimilarityMatrix(const Variable& a, const Variable& b);

// mean_i -log softmax(logits_i)[labels_i] for logits [N, C].
// REQUIRES: labels.size() == N, every label in [0, C).
Variable CrossEntropy(const Variable& logits, const std::vector<int64_t>& labels);

// [N, C] with 1 at (i, labels[i]). REQUIRES: every label in [0, C).
Tensor OneHot(const std::vector<int64_t>& labels, int64_t classes);

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_LOSSES_COMMON_PROXIES_H_
