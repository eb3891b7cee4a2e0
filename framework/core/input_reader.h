// InputReader: new inputs for a trained model (`embed --inputs`, `verify`),
// prepared exactly as the model's dataset prepares its own examples: the
// same decoding, resizing, tokenizer, resampling and scaling. The framework
// then applies the model's normalization and encoder.
//
// A dataset plugin that can take new inputs registers an InputReader under
// its own name, created from the same DatasetConfig (its parameters) and a
// PluginContext whose dataset_state is the state saved with the model (e.g.
// the vocabulary): a reader never opens the dataset's own files, so a model
// can embed new inputs without its training data.
//
//   SIAMESE_REGISTER_PLUGIN(InputReader, "my_dataset", siamese::my_dataset,
//                           MyDatasetParams, "image files (PNG)", &CreateReader);
#ifndef SIAMESE_FRAMEWORK_CORE_INPUT_READER_H_
#define SIAMESE_FRAMEWORK_CORE_INPUT_READER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/registry.h"
#include "framework/proto/experiment.pb.h"
#include "framework/tensor/tensor.h"

namespace siamese {

// One new input as an example of the model's example shape.
struct NewInput {
  std::string name;    // where it came from: "photos/a.png", "sentences.txt:3"
  std::vector<float> values;  // NumElements(example_shape) raw values
  std::string label;   // a class label the input carries (a UCR line's), or ""
};

class InputReader {
 public:
  using Config = DatasetConfig;
  static constexpr const char* kKind = "input reader";

  virtual ~InputReader() = default;

  // What the reader takes, for help and error messages, e.g. "PNG or PGM
  // images" or "text files, one sentence per line".
  virtual std::string Describe() const = 0;

  // The inputs in the file `path`: one for an image file, one per line for
  // a text or series file. `example_shape` is the model's. Errors name the
  // file (and the line or byte offset where it is bad).
  virtual absl::StatusOr<std::vector<NewInput>> ReadFile(const std::string& path,
                                                         const Shape& example_shape) const = 0;

  // One input written on the command line (a sentence; a series as
  // comma-separated numbers). Default: InvalidArgument saying that this
  // model takes files only.
  virtual absl::StatusOr<NewInput> ParseText(const std::string& text,
                                             const Shape& example_shape) const;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_INPUT_READER_H_
