// The embedding regularizer any loss can add (loss.embedding_regularizer in
// experiment.proto): weight * mean_i |e_i|_p^power.
#ifndef SIAMESE_FRAMEWORK_TRAIN_REGULARIZER_H_
#define SIAMESE_FRAMEWORK_TRAIN_REGULARIZER_H_

#include "framework/autograd/variable.h"
#include "framework/proto/experiment.pb.h"

namespace siamese {

// The penalty as a rank-0 Variable connected to `embeddings` [N, D].
// The L2 norm is sqrt(sum e^2 + 1e-12), so its gradient stays finite at 0.
// REQUIRES: regularizer.p() and power() in {1, 2} (ExperimentFile checks),
// weight() > 0.
Variable EmbeddingPenalty(const Variable& embeddings, const EmbeddingRegularizer& regularizer);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_REGULARIZER_H_
