// export_weights: writes a trained model's encoder weights (parameters and
// buffers, under the framework's names) as safetensors or NumPy .npz, for
// PyTorch, NumPy or another run's init.from_weights.
//
//   bazel run -c opt //:export_weights -- \
//       --checkpoint=runs/fashion_mnist_closed_set/checkpoint.ckpt \
//       --output=model.safetensors
// (.npz by the extension). Metadata (safetensors only): the encoder, the
// embedding width, the example shape, the input normalization and the
// experiment (framework/train/weights_export.h). Paths are resolved against
// the folder `bazel run` was called from.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "framework/io/run_dir.h"
#include "framework/train/weights_export.h"

ABSL_FLAG(std::string, checkpoint, "", "a run's checkpoint, e.g. runs/<name>/checkpoint.ckpt");
ABSL_FLAG(std::string, output, "", "the weight file: <name>.safetensors or <name>.npz");

namespace siamese {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "export_weights: %s\n", std::string(status.message()).c_str());
  return 1;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Writes a trained encoder's weights as .safetensors or .npz (by --output's extension).");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_checkpoint).empty() || absl::GetFlag(FLAGS_output).empty()) {
    std::fprintf(stderr,
                 "export_weights: --checkpoint=runs/<name>/checkpoint.ckpt and "
                 "--output=<name>.safetensors (or .npz) are required\n");
    return 2;
  }
  auto checkpoint = ResolveUserPath(absl::GetFlag(FLAGS_checkpoint));
  if (!checkpoint.ok()) return Fail(checkpoint.status());
  auto output = ResolveUserPath(absl::GetFlag(FLAGS_output));
  if (!output.ok()) return Fail(output.status());
  auto summary = ExportWeights(*checkpoint, *output);
  if (!summary.ok()) return Fail(summary.status());
  std::printf("%s\n", summary->c_str());
  return 0;
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) { return siamese::Main(argc, argv); }
