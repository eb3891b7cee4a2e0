// The three splits of an experiment and the batches drawn from them.
//
//   train       the dataset's "train" split, classes data.train_classes,
//               minus the validation hold-out
//   validation  data.validation_fraction of each training class, held out
//               from the "train" split (seeded); or, class-disjoint, every
//               example of the training classes data.validation_classes
//               lists (or validation_class_count of them, seeded); used for
//               threshold calibration and model selection, never the test
//               split
//   test        the dataset's "test" split, classes data.test_classes
//               (open set: disjoint from the training classes)
// Normalization: one mean and standard deviation over every value of the
// training examples, or one per channel (preprocessing.per_channel);
// applied to every split (and stored in checkpoints).
// Augmentation: the training step's batches come from
// Dataset::CopyTrainingExample (seeded by epoch and example); every other
// batch from CopyExample.
// Class names: the "train" split's, followed by the "test" split's names past
// that count (open-set datasets whose test split has classes that training
// never saw give them the ids after the training ones).
// Super-classes (Dataset::super_classes(), when the dataset has them): the
// "train" split's list, followed by the "test" split's entries past that
// count, as for class names; each split's examples get theirs in
// Split::super_labels.
// Dataset state (Dataset::State(), e.g. a vocabulary): derived by the "train"
// split, handed to the "test" split, stored in checkpoints.
#ifndef SIAMESE_FRAMEWORK_TRAIN_DATA_H_
#define SIAMESE_FRAMEWORK_TRAIN_DATA_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/dataset.h"
#include "framework/core/experiment_file.h"
#include "framework/tensor/tensor.h"

namespace siamese {

struct Split {
  std::string name;
  std::shared_ptr<const Dataset> dataset;
  std::vector<int64_t> indices;  // into dataset
  std::vector<int64_t> labels;   // dataset labels of `indices`
  // The super-class of each of `labels` (ExperimentData::super_classes), or
  // empty when the dataset has no super-classes.
  std::vector<int64_t> super_labels;
  int64_t size() const { return static_cast<int64_t>(indices.size()); }
};

struct Normalization {
  float mean = 0.0f;
  float std = 1.0f;
  // Per channel (preprocessing.per_channel): channel c's mean and std, used
  // instead of mean and std when non-empty; channels are the first
  // dimension of the example shape. Both empty or both of one size.
  std::vector<float> channel_mean, channel_std;

  // Normalizes one example of `n` values in place: x' = (x - mean) / std,
  // channel c being the c-th of channel_mean.size() equal contiguous blocks.
  // REQUIRES: n divisible by the number of channels.
  void Apply(float* x, int64_t n) const;
};

struct ExperimentData {
  Split train, validation, test;
  Normalization normalization;
  Shape example_shape;
  std::vector<std::string> class_names;
  // Per class id, its super-class (an index into super_class_names); both
  // empty when the dataset has none.
  std::vector<int64_t> super_classes;
  std::vector<std::string> super_class_names;
  std::vector<std::string> source_files;
  // Both splits' Dataset::skipped_files(), for the manifest.
  std::vector<std::string> skipped_files;
  // The "train" split's Dataset::State(), or the state given to
  // LoadExperimentData; "" if the dataset derives none.
  std::string dataset_state;
};

// Opens the dataset's splits and builds the three splits. The "train" split
// is opened first, with PluginContext::dataset_state = `dataset_state`; the
// "test" split with `dataset_state` if non-empty, else with the "train"
// split's State(). Pass a checkpoint's state to re-open the data exactly as
// training saw it. Errors (missing or truncated files, unknown classes, empty
// splits, super-classes that are not one per class or out of range) name the
// file or field.
absl::StatusOr<ExperimentData> LoadExperimentData(const ExperimentFile& file,
                                                  const std::string& dataset_state = "");

// Normalization over the given split (mean and population std of all
// values, or of each channel's when per_channel), from CopyExample (never
// augmented).
Normalization ComputeNormalization(const Split& split, bool per_channel = false);

// Examples split.indices[positions[i]] for each i, normalized, as
// [positions.size(), example shape...]. Examples are copied on the
// framework's threads (framework/tensor/parallel.h), each into its own rows.
// training_epoch >= 0: the examples as training sees them in that epoch
// (Dataset::CopyTrainingExample, augmented); only the training step passes
// it, so validation, test and embedding never see augmentation.
Tensor MakeBatch(const Split& split, const std::vector<int64_t>& positions,
                 const Normalization& normalization, int64_t training_epoch = -1);

// Every example of the split, in blocks, through `fn(batch, first_position)`.
void ForEachBlock(const Split& split, int64_t block, const Normalization& normalization,
                  const std::function<void(const Tensor&, int64_t)>& fn);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_DATA_H_
