// embed: writes the embeddings of one split of a trained model's dataset, for
// NumPy and for TensorBoard's Embedding Projector.
//
//   bazel run -c opt //experiments:embed -- --split=test
//       --checkpoint=runs/fashion_mnist_closed_set/checkpoint.ckpt
//       --output=runs/fashion_mnist_closed_set/embeddings_test
// (one command line; --output defaults to embeddings_<split> next to the
// checkpoint).
//
//   bazel run -c opt //experiments:embed -- --checkpoint=... --inputs=photos/,more.png
//       (new inputs: files and folders, read as the model's dataset reads
//       its own: images for image models, text files of one sentence per
//       line for text models, UCR-format files for series models)
//
// Writes <output>/embeddings.npy (float32 [N, D]), labels.npy (int64 [N]),
// vectors.tsv and metadata.tsv (framework/train/embed_export.h). The split is
// built from the experiment stored in the checkpoint exactly as training
// built it. Paths are resolved against the folder `bazel run` was called from.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "framework/io/run_dir.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/train/embed_export.h"
#include "framework/train/trained_model.h"

ABSL_FLAG(std::string, checkpoint, "", "a run's checkpoint, e.g. runs/<name>/checkpoint.ckpt");
ABSL_FLAG(std::string, split, "test", "train, validation or test");
ABSL_FLAG(std::vector<std::string>, inputs, {},
          "new inputs instead of a split: files and folders (comma-separated), read as the "
          "model's dataset reads its examples");
ABSL_FLAG(std::string, output, "",
          "output folder (created); default: embeddings_<split> (embeddings_new for --inputs) "
          "next to the checkpoint");

namespace siamese {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "embed: %s\n", std::string(status.message()).c_str());
  return 1;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Writes a split's embeddings (npy + TensorBoard projector TSV) with a trained model.");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_checkpoint).empty()) {
    std::fprintf(stderr, "embed: --checkpoint=runs/<name>/checkpoint.ckpt is required\n");
    return 2;
  }
  auto checkpoint = ResolveUserPath(absl::GetFlag(FLAGS_checkpoint));
  if (!checkpoint.ok()) return Fail(checkpoint.status());
  const std::vector<std::string> inputs = absl::GetFlag(FLAGS_inputs);
  const std::string split = inputs.empty() ? absl::GetFlag(FLAGS_split) : "new";
  std::string output = absl::GetFlag(FLAGS_output);
  if (output.empty()) {
    const size_t slash = checkpoint->rfind('/');
    output = checkpoint->substr(0, slash) + "/embeddings_" + split;
  }
  auto output_dir = ResolveUserPath(output);
  if (!output_dir.ok()) return Fail(output_dir.status());

  auto model = TrainedModel::Load(*checkpoint);
  if (!model.ok()) return Fail(model.status());
  SetNumThreads((*model)->experiment().config().threads());
  std::vector<std::string> paths;
  for (const std::string& input : inputs) {
    auto path = ResolveUserPath(input);
    if (!path.ok()) return Fail(path.status());
    paths.push_back(*path);
  }
  auto result = inputs.empty() ? ExportEmbeddings(model->get(), split, *output_dir)
                               : ExportNewInputs(model->get(), paths, *output_dir);
  if (!result.ok()) return Fail(result.status());
  std::printf("%s\n", ExportSummary(**model, *result).c_str());
  return 0;
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) { return siamese::Main(argc, argv); }
