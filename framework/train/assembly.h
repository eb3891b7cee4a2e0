// Assembly: turns an experiment file into the components of a run. The one
// place that creates plugins from the experiment, runs the cross-field
// checks, and locates their errors in the file (file:line:col, field); the
// code that runs the components (the step, the loop, evaluation) never sees
// the file.
//
// Training, resuming, `embed` and `verify` all build their model here, so a
// trained model is rebuilt exactly as it was trained.
#ifndef SIAMESE_FRAMEWORK_TRAIN_ASSEMBLY_H_
#define SIAMESE_FRAMEWORK_TRAIN_ASSEMBLY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/autograd/variable.h"
#include "framework/core/distance.h"
#include "framework/core/encoder.h"
#include "framework/core/experiment_file.h"
#include "framework/core/loss.h"
#include "framework/core/miner.h"
#include "framework/core/sampler.h"
#include "framework/distributed/communicator.h"
#include "framework/optim/optimizer.h"
#include "framework/optim/schedule.h"
#include "framework/proto/checkpoint.pb.h"
#include "framework/proto/records.pb.h"
#include "framework/tensor/precision.h"
#include "framework/tensor/tensor.h"
#include "framework/train/cross_batch_memory.h"
#include "framework/train/data.h"

namespace siamese {

// What a trained model is: the encoder, the loss (which may own parameters)
// and the distance both were trained with.
struct Model {
  std::unique_ptr<Encoder> encoder;
  std::unique_ptr<Loss> loss;
  Distance distance = Distance::Euclidean();
  // The encoder layer evaluation embeds with (evaluation.embedding_layer;
  // "": the output).
  std::string embedding_layer;

  // Every trainable parameter: the encoder's under their own names, then the
  // loss's as "loss.<name>" (the names optimizers, checkpoints and
  // init.frozen_prefixes use).
  NamedVariables Parameters() const;
};

// What the model's shape depends on besides the experiment.
struct ModelShape {
  Shape example_shape;                    // one example, e.g. {1, 28, 28}
  int64_t num_classes = 0;                // class ids are in [0, num_classes)
  std::vector<int64_t> training_classes;  // the ids the training split holds
};

// The shape of the model for `data`.
ModelShape ShapeOf(const ExperimentData& data);

// Creates the encoder and the loss (in that order; the loss learns the
// encoder's embedding width) and parses the distance. Errors are located in
// `file`.
absl::StatusOr<Model> AssembleModel(const ExperimentFile& file, const ModelShape& shape);

// Everything a training run needs, created and checked before any step.
struct Components {
  ExperimentData data;
  Model model;
  std::unique_ptr<Miner> miner;  // null when the sampler gives tuples itself
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<LrSchedule> schedule;
  // Added to the loss when its weight is > 0 (loss.embedding_regularizer).
  EmbeddingRegularizer embedding_regularizer;
  // loss.cross_batch_memory: the queue (null when its size is 0) and its
  // settings.
  std::unique_ptr<CrossBatchMemory> memory;
  CrossBatchMemoryConfig memory_config;
  int64_t batches_per_epoch = 0;
  int64_t total_steps = 0;
  // Epoch 0's batches, computed to count them; the loop takes them rather
  // than asking the sampler twice.
  std::vector<Batch> first_epoch_batches;
  // What the run learns about itself as it goes, saved in every checkpoint:
  // the test metrics of the encoder at initialization (set when the run
  // starts, if evaluation.untrained_baseline) and the model selection so far.
  std::optional<TestMetrics> untrained;
  SelectionState selection;
  std::vector<std::string> warnings;
  // Data-parallel training (framework/distributed): the ranks of the job,
  // or null for one process. Not owned. With more than one rank every rank
  // draws the same global batch, embeds its RowsPerRank share, and mines and
  // computes the loss on the gathered global batch (TrainingStep).
  Communicator* communicator = nullptr;
  // The config's precision as this CPU runs it (ResolveMatrixPrecision); the
  // trainer sets it before the first op.
  MatrixPrecision matrix_precision = MatrixPrecision::kFloat32;
  CollapseWatch collapse_watch;
};

// Loads the data, assembles the model, applies init (weights from a
// checkpoint, frozen prefixes) and creates the miner, sampler, optimizer
// (over Model::Parameters(), the loss's at loss.learning_rate_multiplier)
// and schedule. Cross-field checks, each located in `file`: a sampler that
// makes no batch, no miner with a sampler that gives no tuples, frozen
// prefixes that match nothing, a schedule that does not fit the run's
// length, an embedding layer the encoder does not have, model selection
// without periodic validation or with an unknown metric.
absl::StatusOr<std::unique_ptr<Components>> AssembleTraining(const ExperimentFile& file);

// The config's `precision` as this CPU runs it: bf16 only where the CPU has
// bf16 instructions; otherwise float32, with *why (may be null) saying so.
MatrixPrecision ConfiguredMatrixPrecision(const Experiment& cfg, std::string* why);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_ASSEMBLY_H_
