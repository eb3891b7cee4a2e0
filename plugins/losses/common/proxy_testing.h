// Test helpers for the proxy losses: create one with a context, set its
// proxies, and evaluate it on a batch.
#ifndef SIAMESE_PLUGINS_LOSSES_COMMON_PROXY_TESTING_H_
#define SIAMESE_PLUGINS_LOSSES_COMMON_PROXY_TESTING_H_

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace proxy_testing {

inline absl::StatusOr<std::unique_ptr<Loss>> Make(const std::string& text, int64_t classes,
                                                  int64_t dim) {
  LossConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.num_classes = classes;
  context.embedding_dim = dim;
  context.seed = 5;
  return Registry<Loss>::Create(c, context);
}

// The loss's "proxies" parameter.
inline Variable Proxies(const Loss& loss) {
  for (const auto& [name, v] : loss.NamedParameters()) {
    if (name == "proxies") return v;
  }
  ADD_FAILURE() << "no parameter named proxies";
  return Variable();
}

// Unit vectors in the plane at these angles (radians), as [N, 2].
inline Tensor AtAngles(const std::vector<float>& angles) {
  std::vector<float> v;
  for (float t : angles) v.insert(v.end(), {std::cos(t), std::sin(t)});
  return Tensor::FromVector({static_cast<int64_t>(angles.size()), 2}, v);
}

inline Variable Compute(Loss* loss, const Variable& embeddings,
                        const std::vector<int64_t>& labels) {
  const Distance d = Distance::Cosine();
  const Tuples none;
  return loss->Compute({embeddings, d.Matrix(embeddings, embeddings), &labels, &none, d});
}

}  // namespace proxy_testing
}  // namespace siamese

#endif  // SIAMESE_PLUGINS_LOSSES_COMMON_PROXY_TESTING_H_
