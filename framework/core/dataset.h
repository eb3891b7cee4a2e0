// Dataset: labeled examples of one split, read from files a plugin knows.
//
// Examples are float tensors of a fixed shape (images: [C, H, W]; sequences:
// [C, L] or token ids as floats). Values are as stored (e.g. pixels in
// [0, 1]); normalization is the framework's, computed on the training split.
#ifndef SIAMESE_FRAMEWORK_CORE_DATASET_H_
#define SIAMESE_FRAMEWORK_CORE_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "framework/proto/experiment.pb.h"
#include "framework/tensor/tensor.h"

namespace siamese {

class Dataset {
 public:
  using Config = DatasetConfig;
  static constexpr const char* kKind = "dataset";

  virtual ~Dataset() = default;

  virtual int64_t size() const = 0;
  // The shape of one example.
  virtual Shape example_shape() const = 0;
  // One label per example, in [0, class_names().size()).
  virtual const std::vector<int64_t>& labels() const = 0;
  virtual std::vector<std::string> class_names() const = 0;
  // Super-classes: a coarser labeling that groups the classes (e.g. the
  // script of a letter), for samplers that draw hard negatives from within
  // a group (plugins/samplers/hierarchical). super_classes()[c] is the
  // super-class of class c, in [0, super_class_names().size()), for every
  // class of class_names(); both empty (the default) when the dataset has
  // none. The framework checks the sizes and ranges when it opens the data
  // and gives each split's examples their super-class (Split::super_labels).
  virtual std::vector<int64_t> super_classes() const { return {}; }
  virtual std::vector<std::string> super_class_names() const { return {}; }
  // Writes example i (NumElements(example_shape()) floats) to dst.
  // REQUIRES: 0 <= i < size(). Called from several threads at once (batch
  // assembly copies a batch's examples in parallel): it must only read.
  virtual void CopyExample(int64_t i, float* dst) const = 0;
  // Writes example i as training sees it in epoch `epoch` (0-based). A
  // dataset that augments its training examples (random crops, flips)
  // draws that randomness from (its seed, epoch, i) only, never from a
  // stream that advances, so that a resumed run sees the same bytes and a
  // batch's order or threads change nothing. The framework calls it for the
  // training step's batches only; validation, test, embedding and the
  // normalization statistics use CopyExample. Default: CopyExample (no
  // augmentation). REQUIRES and threads as CopyExample.
  virtual void CopyTrainingExample(int64_t i, int64_t epoch, float* dst) const {
    (void)epoch;
    CopyExample(i, dst);
  }
  // The retrieval protocol of a test split made of queries and a gallery
  // (In-Shop): one flag per example, true for a gallery example. Queries
  // then retrieve from the gallery only, as the benchmark's papers report
  // it. Empty (the default): every example queries all the others
  // (leave-one-out).
  virtual std::vector<bool> gallery() const { return {}; }
  // The files read, for the run manifest's checksums.
  virtual std::vector<std::string> source_files() const = 0;
  // Input files the dataset left out because it could not read them (only
  // when its parameters allow skipping), each "<path>: <reason>"; the run's
  // manifest records their count and the list. Default: none.
  virtual std::vector<std::string> skipped_files() const { return {}; }
  // What the dataset derived from its data and must not derive differently
  // later (e.g. a vocabulary built from the training texts), serialized;
  // "" when it derives nothing. The framework takes it from the "train"
  // split, gives it to the "test" split's creation (PluginContext::
  // dataset_state) and saves it with the model, so that embedding and
  // verification re-open both splits with it.
  virtual std::string State() const { return ""; }
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_DATASET_H_
