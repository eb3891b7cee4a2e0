// verify: are two inputs of the same class, according to a trained model?
//
//   bazel run -c opt //experiments:verify -- --a=shoe.png --b=test:17
//       --checkpoint=runs/fashion_mnist_closed_set/checkpoint.ckpt
// (one command line).
//
// An input is <split>:<index>, example <index> of the experiment's train,
// validation or test split (the row of `embed`'s output); or a file of one
// input, read as the model's dataset reads its examples (a PNG or binary
// PGM image of the model's size for Fashion-MNIST, never resized; a
// one-line text file; a one-line UCR file); or, for text and series
// models, the input itself: a sentence, or comma-separated values. Prints the distance (the experiment's kind), the threshold
// calibrated on the validation split and "same" (distance <= threshold) or
// "different" (framework/train/verify_pair.h). Paths are resolved against
// the folder `bazel run` was called from.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "framework/io/run_dir.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/train/trained_model.h"
#include "framework/train/verify_pair.h"

ABSL_FLAG(std::string, checkpoint, "", "a run's checkpoint, e.g. runs/<name>/checkpoint.ckpt");
ABSL_FLAG(std::string, a, "",
          "first input: <split>:<index>, a file (image; one-line text or UCR file), or a "
          "sentence / comma-separated series for text and series models");
ABSL_FLAG(std::string, b, "", "second input, as --a");

namespace siamese {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "verify: %s\n", std::string(status.message()).c_str());
  return 1;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Tells whether two inputs are of the same class, with a trained model.");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_checkpoint).empty() || absl::GetFlag(FLAGS_a).empty() ||
      absl::GetFlag(FLAGS_b).empty()) {
    std::fprintf(stderr,
                 "verify: --checkpoint=runs/<name>/checkpoint.ckpt --a=<input> --b=<input> are "
                 "required; an input is <split>:<index>, a file, or a sentence or series\n");
    return 2;
  }
  auto checkpoint = ResolveUserPath(absl::GetFlag(FLAGS_checkpoint));
  if (!checkpoint.ok()) return Fail(checkpoint.status());
  auto model = TrainedModel::Load(*checkpoint);
  if (!model.ok()) return Fail(model.status());
  SetNumThreads((*model)->experiment().config().threads());
  auto result = VerifyPair(model->get(), absl::GetFlag(FLAGS_a), absl::GetFlag(FLAGS_b));
  if (!result.ok()) return Fail(result.status());
  std::printf("%s", FormatVerifyResult(**model, *result).c_str());
  return 0;
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) { return siamese::Main(argc, argv); }
