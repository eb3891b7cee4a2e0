// Exporting the embeddings of a dataset split with a trained model, for
// Python (NumPy) and for TensorBoard's Embedding Projector.
//
// Files written into the output folder (created if missing; existing files
// of these names are replaced atomically):
//   embeddings.npy  float32 [N, D], row i = example i of the split
//   labels.npy      int64 [N], the dataset's class labels
//   vectors.tsv     N lines of D tab-separated values, no header (the
//                   projector's "tensors" file)
//   metadata.tsv    the header "label\tclass", then N lines "<label>\t<name>"
//                   (new inputs: "input\tlabel\tclass", each input's name
//                   first)
// Row i is the split's example i in dataset order; that same i is what
// `verify --a=<split>:<i>` takes.
#ifndef SIAMESE_FRAMEWORK_TRAIN_EMBED_EXPORT_H_
#define SIAMESE_FRAMEWORK_TRAIN_EMBED_EXPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "framework/tensor/tensor.h"
#include "framework/train/data.h"
#include "framework/train/trained_model.h"

namespace siamese {

// The split of `data` named "train", "validation" or "test"; any other name
// is an InvalidArgument listing the three.
absl::StatusOr<const Split*> FindSplit(const ExperimentData& data, const std::string& name);

// Writes the four files for `embeddings` [N, D] (N >= 0) and `labels` (N).
// A label outside class_names gets its number as class name.
// Errors: InvalidArgument for mismatched sizes or a class name holding a tab
// or line break; I/O errors name the file.
// With `input_names` (one per row), metadata.tsv has the "input" column;
// tabs and line breaks in a name are written as spaces. A label of -1 (an
// input without a known class) has the class name "".
absl::Status WriteEmbeddingFiles(const std::string& output_dir, const Tensor& embeddings,
                                 const std::vector<int64_t>& labels,
                                 const std::vector<std::string>& class_names,
                                 const std::vector<std::string>* input_names = nullptr);

// Embeddings [split.size(), embedding_dim] of every example of `split`
// (raw values, as the dataset gives them; Embed applies the model's
// normalization), in blocks of `block_rows`, row i = example i.
Tensor EmbedSplit(TrainedModel* model, const Split& split, int64_t block_rows = 256);

struct EmbeddingExport {
  std::string split;
  int64_t num_examples = 0;
  int64_t dim = 0;
  std::string output_dir;
  std::vector<std::string> files;  // full paths, in the order listed above
};

// Loads the experiment's data as training did (LoadModelData), embeds every
// example of `split` in blocks of `block_rows`, and writes the files.
absl::StatusOr<EmbeddingExport> ExportEmbeddings(TrainedModel* model, const std::string& split,
                                                 const std::string& output_dir,
                                                 int64_t block_rows = 256);

// Embeddings [N, D] of `examples` [N, example shape...] holding raw values
// (TrainedModel::Embed applies the stored normalization), in blocks of
// `block_rows` examples, each weight reordered once for all blocks.
// REQUIRES: N >= 1.
Tensor EmbedExamples(TrainedModel* model, const Tensor& examples, int64_t block_rows);

// New inputs instead of a split (new_inputs.h: files and folders read by
// the model's dataset's reader, without the dataset's own files), embedded
// in blocks of `block_rows`, into the same files; `split` of the result is
// "new".
absl::StatusOr<EmbeddingExport> ExportNewInputs(TrainedModel* model,
                                                const std::vector<std::string>& paths,
                                                const std::string& output_dir,
                                                int64_t block_rows = 256);

// One line, e.g. "embedded 10000 test examples of fashion_mnist_closed_set
// (64-D, euclidean) into out/: embeddings.npy labels.npy vectors.tsv
// metadata.tsv".
std::string ExportSummary(const TrainedModel& model, const EmbeddingExport& result);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_EMBED_EXPORT_H_
