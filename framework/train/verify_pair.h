// Verifying a pair with a trained model: are two inputs of the same class?
//
// An input is either
//   <split>:<index>   example <index> (0-based, dataset order: the row of
//                     `embed --split=<split>`'s output) of the experiment's
//                     split "train", "validation" or "test"; or
//   a file path       one input, read by the reader of the model's dataset
//                     (new_inputs.h): an image for image models (PNG or PGM
//                     of exactly the model's size for the IDX datasets,
//                     pixels p / 255), a one-line text or UCR file for text
//                     and series models; resolved with ResolveUserPath; or
//   anything else     text for that reader: a sentence for a text model, a
//                     series as comma-separated values for a series model.
// The model then applies its normalization.
// The decision uses the experiment's distance and the checkpoint's
// threshold (calibrated on the validation split): same iff
// distance <= threshold, the rule the threshold was calibrated for.
#ifndef SIAMESE_FRAMEWORK_TRAIN_VERIFY_PAIR_H_
#define SIAMESE_FRAMEWORK_TRAIN_VERIFY_PAIR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/tensor/tensor.h"
#include "framework/train/trained_model.h"

namespace siamese {

// "test:12" -> {"test", 12}; nullopt when `input` does not start with
// "train:", "validation:" or "test:" (then it is a file path).
struct SplitRef {
  std::string split;
  int64_t index = 0;
};
// InvalidArgument when the prefix is a split but the rest is not a
// non-negative decimal index.
absl::StatusOr<std::optional<SplitRef>> ParseSplitRef(const std::string& input);

struct VerifyInput {
  std::string description;       // "test:12 (label 3, bar3)" or the file's path
  Tensor example;                // raw values, [example shape...]
  std::optional<int64_t> label;  // for split examples
};

struct VerifyResult {
  VerifyInput a, b;
  float distance = 0;
  std::optional<float> threshold;  // from the checkpoint
  bool same = false;               // distance <= *threshold; false without one
};

// Resolves each of `inputs` (the dataset is loaded once, and only when one
// is a split example), in order. Errors name the input.
absl::StatusOr<std::vector<VerifyInput>> ResolveInputs(TrainedModel* model,
                                                       const std::vector<std::string>& inputs);

// Embeddings [inputs.size(), D] of resolved inputs, in blocks of
// `block_rows`. REQUIRES: inputs not empty.
Tensor EmbedInputs(TrainedModel* model, const std::vector<VerifyInput>& inputs,
                   int64_t block_rows = 256);

// Resolves both inputs (the dataset is loaded only when one is a split
// example), embeds them and compares them. Errors name the input.
absl::StatusOr<VerifyResult> VerifyPair(TrainedModel* model, const std::string& a,
                                        const std::string& b);

// The lines verify prints:
//   a: <description>
//   b: <description>
//   distance (<kind>): <d>
//   threshold: <t> (calibrated on the validation split; same iff distance <= threshold)
//   same|different
// or, without a threshold, the distance and a line saying there is none.
std::string FormatVerifyResult(const TrainedModel& model, const VerifyResult& result);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_VERIFY_PAIR_H_
