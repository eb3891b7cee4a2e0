#include "framework/train/step.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace siamese {

absl::StatusOr<StepResult> TrainingStep(Components* c, const Batch& batch, int64_t step) {
  Model& model = c->model;
  const Split& train = c->data.train;
  std::vector<int64_t> labels(batch.indices.size());
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = train.labels[batch.indices[i]];

  c->optimizer->set_learning_rate(c->schedule->LearningRate(step));
  c->optimizer->ZeroGrad();
  model.encoder->BeginStep(step);
  model.loss->BeginStep(step);
  Variable embeddings =
      model.encoder->Forward(Variable(MakeBatch(train, batch.indices, c->data.normalization)));
  Variable distances = model.distance.Matrix(embeddings, embeddings);
  Tuples tuples = batch.given;
  if (c->miner != nullptr) {
    const Tensor e = embeddings.value().ToPlain();
    const Tensor d = distances.value().ToPlain();
    tuples = c->miner->Mine({&e, &d, &labels, model.distance, step});
  }
  tuples = ConvertTuples(std::move(tuples), model.loss->input());
  Variable loss = model.loss->Compute({embeddings, distances, &labels, &tuples, model.distance});

  StepResult result;
  result.loss = loss.value().item();
  result.learning_rate = c->optimizer->learning_rate();
  result.examples = static_cast<int64_t>(batch.indices.size());
  result.tuples = tuples.size();
  if (!std::isfinite(result.loss)) {
    ClearTape();
    return absl::FailedPreconditionError(
        absl::StrCat("step ", step, ": the loss is ", result.loss, "; training stopped"));
  }
  loss.Backward();
  c->optimizer->Step();
  return result;
}

}  // namespace siamese
