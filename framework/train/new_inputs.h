// New inputs for a trained model (`embed --inputs`, `verify`): files,
// folders and command-line text, read by the InputReader its dataset
// registers (framework/core/input_reader.h), so they are prepared exactly as
// the model's training examples were (the model then applies its
// normalization).
#ifndef SIAMESE_FRAMEWORK_TRAIN_NEW_INPUTS_H_
#define SIAMESE_FRAMEWORK_TRAIN_NEW_INPUTS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/input_reader.h"
#include "framework/tensor/tensor.h"
#include "framework/train/trained_model.h"

namespace siamese {

// The reader of `model`'s dataset, created from the experiment's dataset
// parameters and the dataset state saved with the model (never from the
// dataset's files). A dataset that registers none but whose examples are
// [1, H, W] gets the grayscale image reader (PNG or PGM files of exactly
// H x W, pixels p / 255). Errors: FailedPrecondition naming the dataset
// when neither applies; the reader's own errors.
absl::StatusOr<std::unique_ptr<InputReader>> ModelInputReader(const TrainedModel& model);

struct NewInputs {
  Tensor examples;                 // [N, example shape...], raw values
  std::vector<std::string> names;  // per example: "photos/a.png", "s.txt:3"
  // Per example: the class id (in the model's class_names()) of the label
  // the input carries (a UCR line's), or -1.
  std::vector<int64_t> labels;
};

// Every input of `paths`, in order: a file gives what the reader finds in
// it; a folder gives every regular file below it, recursively, in path
// order (names starting with "." are skipped). Errors name the path: a
// missing path, an empty folder, the reader's errors (the file and where
// in it), no input at all.
absl::StatusOr<NewInputs> ReadNewInputs(const TrainedModel& model, const InputReader& reader,
                                        const std::vector<std::string>& paths);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_NEW_INPUTS_H_
