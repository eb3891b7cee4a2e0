#include "framework/train/step.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "framework/distributed/gather.h"
#include "framework/ops/elementwise.h"
#include "framework/train/regularizer.h"

namespace siamese {
namespace {

// Sums in row-major order, as it always has (the spread is checkpointed in
// the collapse watch, so its bits must not move); the diagonal is skipped
// rather than added as 0 (the sum starts at +0, so adding +0 never changed
// it), and data() is called once, not per element (it is out of line).
double MeanOffDiagonal(const Tensor& d) {
  const int64_t n = d.dim(0);
  if (n < 2) return 0;
  const float* x = d.data();
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = x + i * n;
    for (int64_t j = 0; j < i; ++j) sum += row[j];
    for (int64_t j = i + 1; j < n; ++j) sum += row[j];
  }
  return sum / static_cast<double>(n * (n - 1));
}

// Whether every value is finite (neither inf nor NaN: exponent bits not all
// ones). Branch-free integer work the compiler vectorizes: the check runs
// over every parameter after every update.
bool AllFinite(const float* x, int64_t n) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    bad |= (bits & 0x7f800000u) == 0x7f800000u ? 1u : 0u;
  }
  return bad == 0;
}

}  // namespace

absl::StatusOr<StepResult> TrainingStep(Components* c, const Batch& batch, int64_t step) {
  Model& model = c->model;
  const Split& train = c->data.train;
  std::vector<int64_t> labels(batch.indices.size());
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = train.labels[batch.indices[i]];

  c->optimizer->set_learning_rate(c->schedule->LearningRate(step));
  c->optimizer->ZeroGrad();
  model.encoder->BeginStep(step);
  model.loss->BeginStep(step);
  // The epoch seeds the dataset's training-time augmentation.
  const int64_t epoch = c->batches_per_epoch > 0 ? step / c->batches_per_epoch : 0;
  Communicator* comm = c->communicator;
  const bool distributed = comm != nullptr && comm->size() > 1;
  Variable embeddings;
  if (!distributed) {
    embeddings =
        model.encoder->Forward(
            Variable(MakeBatch(train, batch.indices, c->data.normalization, epoch)));
  } else {
    // This rank embeds its share of the global batch; everything after
    // sees the gathered global batch, in the sampler's order.
    const std::vector<int64_t> rows =
        RowsPerRank(static_cast<int64_t>(batch.indices.size()), comm->size());
    if (rows.back() == 0) {
      return absl::InvalidArgumentError(absl::StrCat("step ", step, ": a batch of ",
                                                     batch.indices.size(), " examples over ",
                                                     comm->size(), " ranks leaves ranks idle"));
    }
    int64_t begin = 0;
    for (int r = 0; r < comm->rank(); ++r) begin += rows[r];
    const std::vector<int64_t> mine(batch.indices.begin() + begin,
                                    batch.indices.begin() + begin + rows[comm->rank()]);
    Variable local =
        model.encoder->Forward(Variable(MakeBatch(train, mine, c->data.normalization, epoch)));
    embeddings = GatherRows(local, rows, comm);
  }
  Variable distances = model.distance.Matrix(embeddings, embeddings);
  const Tensor d = distances.value().ToPlain();
  Tuples tuples;
  if (model.loss->uses_tuples()) {
    tuples = batch.given;
    if (c->miner != nullptr) {
      const Tensor e = embeddings.value().ToPlain();
      tuples = c->miner->Mine({&e, &d, &labels, model.distance, step});
    }
    tuples = ConvertTuples(std::move(tuples), model.loss->input());
  }
  LossInput in{embeddings, distances, &labels, &tuples, model.distance};
  in.reference_embeddings = embeddings;
  const bool use_memory = c->memory != nullptr && step >= c->memory_config.start_step();
  Variable loss;
  if (!use_memory || c->memory_config.keep_batch_loss()) loss = model.loss->Compute(in);
  int64_t memory_tuples = 0;
  if (use_memory) {
    Variable memory_loss = MemoryLoss(c->memory.get(), model.loss.get(), c->miner.get(),
                                      model.distance, embeddings, labels, step, &memory_tuples);
    memory_loss = MulScalar(memory_loss, c->memory_config.weight());
    loss = loss.defined() ? Add(loss, memory_loss) : memory_loss;
  }
  if (c->embedding_regularizer.weight() > 0) {
    loss = Add(loss, EmbeddingPenalty(embeddings, c->embedding_regularizer));
  }

  StepResult result;
  result.loss = loss.value().item();
  result.learning_rate = c->optimizer->learning_rate();
  result.examples = static_cast<int64_t>(batch.indices.size());
  result.tuples = model.loss->uses_tuples() ? tuples.size() + memory_tuples : result.examples;
  result.embedding_spread = MeanOffDiagonal(d);
  if (!std::isfinite(result.loss)) {
    ClearTape();
    return absl::FailedPreconditionError(
        absl::StrCat("step ", step, ": the loss is ", result.loss, "; training stopped"));
  }
  loss.Backward();
  if (distributed) {
    // Each rank's gradients cover its own rows: their sum is the one-process
    // gradient (GatherRows divides by the world size), the same on every
    // rank, so every rank's update is identical.
    std::vector<Variable> parameters;
    for (const auto& [name, v] : c->optimizer->parameters()) parameters.push_back(v);
    AllReduceGradients(parameters, comm);
  }
  c->optimizer->Step();
  if (distributed) {
    // Batch norm's running statistics saw only this rank's rows.
    std::vector<Tensor*> buffers;
    for (const auto& [name, b] : model.encoder->NamedBuffers()) buffers.push_back(b);
    for (const auto& [name, b] : model.loss->NamedBuffers()) buffers.push_back(b);
    AverageBuffers(buffers, comm);
  }
  // A finite loss can still take the weights to inf or NaN (a learning rate
  // far too large): stop before any checkpoint could hold them.
  for (const auto& [name, v] : c->optimizer->parameters()) {
    const Tensor& value = v.value();
    const float* x = value.raw();
    if (AllFinite(x, value.raw_size())) continue;
    for (int64_t i = 0; i < value.raw_size(); ++i) {
      if (!std::isfinite(x[i])) {
        return absl::FailedPreconditionError(absl::StrCat(
            "step ", step, ": parameter \"", name, "\" is ", x[i], " after the update (loss ",
            result.loss, ", learning rate ", result.learning_rate, "); training stopped"));
      }
    }
  }
  return result;
}

}  // namespace siamese
