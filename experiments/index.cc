// index: builds a nearest-neighbour index (FAISS, framework/search) over a
// set of embeddings and saves it for `search`.
//
//   bazel run -c opt //:index -- --embeddings=runs/<name>/embeddings_train
//       --checkpoint=runs/<name>/checkpoint.ckpt --kind=hnsw --output=train.index
//   bazel run -c opt //:index -- --checkpoint=runs/<name>/checkpoint.ckpt
//       --split=train --output=train.index
//   bazel run -c opt //:index -- --embeddings=vectors.npy --labels=labels.npy
//       --distance=cosine --kind=ivfpq --output=vectors.index
// (one command line each).
//
// The vectors are an `embed` output folder (embeddings.npy, labels.npy), a
// float32 .npy file [N, D] (labels from --labels, else -1), or, with
// --checkpoint and no --embeddings, the examples of --split embedded by the
// model. The index searches in the checkpoint's distance (cosine: normalized
// vectors by inner product; euclidean: L2), or --distance without a
// checkpoint. Writes <output>, <output>.meta and <output>.labels.npy
// (framework/search/vector_index.h). Paths are resolved against the folder
// `bazel run` was called from.
#include <chrono>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "experiments/search_cli.h"
#include "framework/io/run_dir.h"

ABSL_FLAG(std::string, embeddings, "",
          "an `embed` output folder or a float32 .npy file [N, D] of vectors to index");
ABSL_FLAG(std::string, labels, "", "int64 .npy labels [N] (default: <folder>/labels.npy)");
ABSL_FLAG(std::string, checkpoint, "",
          "a run's checkpoint: the distance, and the model that embeds --split");
ABSL_FLAG(std::string, split, "train",
          "with --checkpoint and no --embeddings: train, validation or test");
ABSL_FLAG(std::string, distance, "",
          "euclidean, squared_euclidean, cosine or dot_product (default: the checkpoint's)");
ABSL_FLAG(std::string, output, "", "the index file to write (required)");

namespace siamese {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "index: %s\n", std::string(status.message()).c_str());
  return 1;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Builds a FAISS nearest-neighbour index (flat, hnsw, ivfpq) over embeddings.");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_output).empty() ||
      (absl::GetFlag(FLAGS_embeddings).empty() && absl::GetFlag(FLAGS_checkpoint).empty())) {
    std::fprintf(stderr,
                 "index: --output=<file> and --embeddings=<folder or .npy> or "
                 "--checkpoint=<ckpt> [--split=train] are required\n");
    return 2;
  }
  std::unique_ptr<TrainedModel> model;
  if (!absl::GetFlag(FLAGS_checkpoint).empty()) {
    auto loaded = LoadModel(absl::GetFlag(FLAGS_checkpoint));
    if (!loaded.ok()) return Fail(loaded.status());
    model = std::move(*loaded);
  }
  auto output = ResolveUserPath(absl::GetFlag(FLAGS_output));
  if (!output.ok()) return Fail(output.status());
  auto input = ReadIndexInput(absl::GetFlag(FLAGS_embeddings), absl::GetFlag(FLAGS_labels),
                              model.get(), absl::GetFlag(FLAGS_split),
                              absl::GetFlag(FLAGS_distance));
  if (!input.ok()) return Fail(input.status());
  const auto start = std::chrono::steady_clock::now();
  auto index = VectorIndex::Build(input->set.vectors.data(), input->set.count, input->set.dim,
                                  input->set.labels, input->distance, IndexOptionsFromFlags(),
                                  input->source);
  if (!index.ok()) return Fail(index.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const size_t slash = output->rfind('/');
  if (slash != std::string::npos && slash > 0) {
    if (absl::Status s = MakeDirs(output->substr(0, slash)); !s.ok()) return Fail(s);
  }
  if (absl::Status s = (*index)->Save(*output); !s.ok()) return Fail(s);
  std::printf("indexed %s in %.2f s into %s (+ .meta, .labels.npy)\n",
              (*index)->Describe().c_str(), seconds, output->c_str());
  return 0;
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) { return siamese::Main(argc, argv); }
