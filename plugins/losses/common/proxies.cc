#include "plugins/losses/common/proxies.h"

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "framework/nn/init.h"
#include "framework/ops/distance.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/ops/softmax.h"
#include "framework/tensor/rng.h"

namespace siamese {
namespace {
constexpr uint64_t kProxiesTag = 0x70726f78;  // "prox"
}  // namespace

Tensor InitialProxies(int64_t rows, int64_t dim, uint64_t seed) {
  Rng rng = Rng(seed).Fork(kProxiesTag);
  return KaimingNormal({rows, dim}, rows, &rng);
}

absl::Status CheckProxyContext(const PluginContext& context, const char* loss) {
  if (context.num_classes <= 0 || context.embedding_dim <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("loss \"", loss,
                     "\" keeps one trainable proxy per class: it needs the "
                     "number of classes and the embedding width (got ",
                     context.num_classes, " and ", context.embedding_dim, ")"));
  }
  return absl::OkStatus();
}

Variable CosineSimilarityMatrix(const Variable& a, const Variable& b) {
  return PairwiseCosineSimilarity(a, b);
}

Tensor OneHot(const std::vector<int64_t>& labels, int64_t classes) {
  const int64_t n = static_cast<int64_t>(labels.size());
  Tensor t = Tensor::Zeros({n, classes});
  for (int64_t i = 0; i < n; ++i) {
    SIAMESE_CHECK(labels[i] >= 0 && labels[i] < classes)
        << "one-hot: label " << labels[i] << " outside [0, " << classes << ")";
    t.data()[i * classes + labels[i]] = 1.0f;
  }
  return t;
}

Variable CrossEntropy(const Variable& logits, const std::vector<int64_t>& labels) {
  SIAMESE_CHECK(logits.rank() == 2 && logits.dim(0) == static_cast<int64_t>(labels.size()))
      << "cross entropy: logits " << logits.value().ShapeString() << " for " << labels.size()
      << " labels";
  const Variable picked =
      Sum(Mul(LogSoftmax(logits, 1), Variable(OneHot(labels, logits.dim(1)))), {1});
  return Neg(MeanAll(picked));
}

}  // namespace siamese
