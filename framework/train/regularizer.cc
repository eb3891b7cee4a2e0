#include "framework/train/regularizer.h"

#include "framework/base/check.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"

namespace siamese {

Variable EmbeddingPenalty(const Variable& embeddings, const EmbeddingRegularizer& regularizer) {
  SIAMESE_CHECK(embeddings.rank() == 2)
      << "embedding penalty: embeddings " << embeddings.value().ShapeString();
  const int p = regularizer.p(), power = regularizer.power();
  SIAMESE_CHECK((p == 1 || p == 2) && (power == 1 || power == 2))
      << "embedding penalty: p " << p << ", power " << power;
  Variable per_row;
  if (p == 2 && power == 2) {
    per_row = Sum(Square(embeddings), {1});  // |e|_2^2, no square root needed
  } else if (p == 2) {
    per_row = Sqrt(AddScalar(Sum(Square(embeddings), {1}), 1e-12f));
  } else {
    // |e|_1 = sum |e_j| = sum (relu(e_j) + relu(-e_j)).
    per_row = Sum(Add(Relu(embeddings), Relu(Neg(embeddings))), {1});
    if (power == 2) per_row = Square(per_row);
  }
  return MulScalar(MeanAll(per_row), regularizer.weight());
}

}  // namespace siamese
