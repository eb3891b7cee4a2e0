// search: the k nearest neighbours, with their labels and distances, of new
// inputs or of .npy query vectors, in an index written by `index` or built
// on the spot from embeddings.
//
//   bazel run -c opt //:search -- --index=train.index --queries=queries.npy --k=10
//   bazel run -c opt //:search -- --index=train.index --inputs=test:0,test:5,shoe.png
//   bazel run -c opt //:search -- --embeddings=vectors.npy --distance=euclidean
//       --queries=queries.npy --kind=hnsw --k=10 --output=neighbours
// (one command line each).
//
// Queries are a float32 .npy file [Nq, D] (--queries; e.g. `embed`'s
// embeddings.npy) or --inputs, a comma-separated list of inputs as `verify`
// takes them (<split>:<index>, a file of one input such as an image, or a
// sentence for a text model; a series of comma-separated values must come
// in a file), embedded by --checkpoint (default: the checkpoint recorded
// with the index). Without --index, --embeddings
// (and the index flags of `index`: --kind, --hnsw_m, ...) builds the index
// in memory; --save_index keeps it.
//
// Prints TSV to stdout: a header, then one line per (query, rank):
//   query  rank  id  label  distance
// query is the row of --queries or the input as given, rank counts from 1,
// id is the row of the indexed embeddings, distance is in the index's
// distance (framework/search/vector_index.h). --output=<prefix> also writes
// <prefix>_ids.npy (int64 [Nq, k]), <prefix>_labels.npy (int64) and
// <prefix>_distances.npy (float32); a query with fewer than k results is
// padded with id -1, label -1 and distance inf. --tsv=false prints only a
// summary (for many queries).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "experiments/search_cli.h"
#include "framework/io/npy.h"
#include "framework/io/run_dir.h"
#include "framework/train/verify_pair.h"

ABSL_FLAG(std::string, index, "", "an index written by `index`");
ABSL_FLAG(std::string, embeddings, "",
          "without --index: an `embed` output folder or float32 .npy [N, D] to index in memory");
ABSL_FLAG(std::string, labels, "", "with --embeddings: int64 .npy labels [N]");
ABSL_FLAG(std::string, distance, "",
          "with --embeddings: euclidean, squared_euclidean, cosine or dot_product "
          "(default: the checkpoint's)");
ABSL_FLAG(std::string, save_index, "", "with --embeddings: also save the index built here");
ABSL_FLAG(std::string, queries, "", "a float32 .npy file [Nq, D] of query vectors");
ABSL_FLAG(std::string, inputs, "",
          "comma-separated inputs to embed, as verify takes them: <split>:<index>, a file of "
          "one input (e.g. an image), or a sentence");
ABSL_FLAG(std::string, checkpoint, "",
          "the model that embeds --inputs (default: the index's checkpoint)");
ABSL_FLAG(int, k, 10, "neighbours per query");
ABSL_FLAG(bool, tsv, true, "print one TSV line per (query, rank)");
ABSL_FLAG(std::string, output, "",
          "prefix of <prefix>_ids.npy, <prefix>_labels.npy and <prefix>_distances.npy");

namespace siamese {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "search: %s\n", std::string(status.message()).c_str());
  return 1;
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Finds the k nearest indexed embeddings of new inputs or .npy queries.");
  absl::ParseCommandLine(argc, argv);
  const bool have_index = !absl::GetFlag(FLAGS_index).empty();
  const bool have_embeddings = !absl::GetFlag(FLAGS_embeddings).empty();
  const bool have_queries = !absl::GetFlag(FLAGS_queries).empty();
  const bool have_inputs = !absl::GetFlag(FLAGS_inputs).empty();
  if (have_index == have_embeddings || have_queries == have_inputs) {
    std::fprintf(stderr,
                 "search: give one of --index=<file> or --embeddings=<folder or .npy>, and one "
                 "of --queries=<.npy> or --inputs=<input,...>\n");
    return 2;
  }

  // The model: to embed --inputs, or to take the distance of --embeddings.
  std::unique_ptr<TrainedModel> model;
  std::string checkpoint = absl::GetFlag(FLAGS_checkpoint);
  std::unique_ptr<VectorIndex> index;
  const auto start = std::chrono::steady_clock::now();
  if (have_index) {
    auto path = ResolveUserPath(absl::GetFlag(FLAGS_index));
    if (!path.ok()) return Fail(path.status());
    auto loaded = VectorIndex::Load(*path);
    if (!loaded.ok()) return Fail(loaded.status());
    index = std::move(*loaded);
    if (checkpoint.empty() && have_inputs) checkpoint = index->source().checkpoint;
    if (checkpoint.empty() && have_inputs) {
      return Fail(absl::InvalidArgumentError(
          "--inputs need a model: give --checkpoint (the index records none)"));
    }
  }
  if (!checkpoint.empty()) {
    auto loaded = LoadModel(checkpoint);
    if (!loaded.ok()) return Fail(loaded.status());
    model = std::move(*loaded);
    if (index != nullptr && index->distance() != model->distance()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "the index searches by ", index->distance().name(), " but ", model->path(),
          " was trained with ", model->distance().name())));
    }
  }
  if (have_embeddings) {
    auto input = ReadIndexInput(absl::GetFlag(FLAGS_embeddings), absl::GetFlag(FLAGS_labels),
                                model.get(), "", absl::GetFlag(FLAGS_distance));
    if (!input.ok()) return Fail(input.status());
    auto built = VectorIndex::Build(input->set.vectors.data(), input->set.count, input->set.dim,
                                    input->set.labels, input->distance, IndexOptionsFromFlags(),
                                    input->source);
    if (!built.ok()) return Fail(built.status());
    index = std::move(*built);
    if (!absl::GetFlag(FLAGS_save_index).empty()) {
      auto out = ResolveUserPath(absl::GetFlag(FLAGS_save_index));
      if (!out.ok()) return Fail(out.status());
      if (absl::Status s = index->Save(*out); !s.ok()) return Fail(s);
    }
  } else if (absl::Status s = index->SetSearchParameters(absl::GetFlag(FLAGS_ef_search),
                                                         absl::GetFlag(FLAGS_nprobe),
                                                         absl::GetFlag(FLAGS_refine));
             !s.ok()) {
    return Fail(s);
  }
  const double index_seconds = Since(start);

  // The queries.
  std::vector<float> queries;
  int64_t count = 0, dim = 0;
  std::vector<std::string> names;
  if (have_queries) {
    auto path = ResolveUserPath(absl::GetFlag(FLAGS_queries));
    if (!path.ok()) return Fail(path.status());
    auto array = ReadNpy(*path);
    if (!array.ok()) return Fail(array.status());
    if (array->shape.size() != 2 || array->shape[0] < 1) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat(*path, ": expected float32 queries [Nq, D] with Nq >= 1")));
    }
    count = array->shape[0];
    dim = array->shape[1];
    queries = std::move(array->data);
    for (int64_t i = 0; i < count; ++i) names.push_back(absl::StrCat(i));
  } else {
    names = absl::StrSplit(absl::GetFlag(FLAGS_inputs), ',', absl::SkipEmpty());
    auto resolved = ResolveInputs(model.get(), names);
    if (!resolved.ok()) return Fail(resolved.status());
    Tensor e = EmbedInputs(model.get(), *resolved);
    count = e.dim(0);
    dim = e.dim(1);
    queries.assign(e.data(), e.data() + e.numel());
  }

  const auto search_start = std::chrono::steady_clock::now();
  const int k = absl::GetFlag(FLAGS_k);
  auto hits = index->Search(queries.data(), count, dim, k);
  if (!hits.ok()) return Fail(hits.status());
  const double search_seconds = Since(search_start);

  if (absl::GetFlag(FLAGS_tsv)) {
    std::printf("query\trank\tid\tlabel\tdistance\n");
    for (int64_t q = 0; q < count; ++q) {
      for (size_t r = 0; r < (*hits)[q].size(); ++r) {
        const Neighbour& n = (*hits)[q][r];
        std::printf("%s\t%zu\t%lld\t%lld\t%.6g\n", names[q].c_str(), r + 1,
                    static_cast<long long>(n.id), static_cast<long long>(n.label), n.distance);
      }
    }
  }
  if (!absl::GetFlag(FLAGS_output).empty()) {
    auto prefix = ResolveUserPath(absl::GetFlag(FLAGS_output));
    if (!prefix.ok()) return Fail(prefix.status());
    const int64_t kk = std::min<int64_t>(k, index->size());
    std::vector<int64_t> ids(count * kk, -1), labels(count * kk, -1);
    std::vector<float> distances(count * kk, std::numeric_limits<float>::infinity());
    for (int64_t q = 0; q < count; ++q) {
      for (size_t r = 0; r < (*hits)[q].size(); ++r) {
        ids[q * kk + r] = (*hits)[q][r].id;
        labels[q * kk + r] = (*hits)[q][r].label;
        distances[q * kk + r] = (*hits)[q][r].distance;
      }
    }
    for (absl::Status s : {WriteNpyInt64(*prefix + "_ids.npy", ids.data(), {count, kk}),
                           WriteNpyInt64(*prefix + "_labels.npy", labels.data(), {count, kk}),
                           WriteNpy(*prefix + "_distances.npy", distances.data(), {count, kk})}) {
      if (!s.ok()) return Fail(s);
    }
  }
  std::fprintf(stderr, "search: %lld queries, k=%d, in %s (%s %.2f s); search %.3f s (%.0f queries/s)\n",
               static_cast<long long>(count), k, index->Describe().c_str(),
               have_index ? "loaded in" : "built in", index_seconds, search_seconds,
               count / std::max(search_seconds, 1e-9));
  return 0;
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) { return siamese::Main(argc, argv); }
