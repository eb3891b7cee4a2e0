// Dataset "scaffold_dataset_example".
// How the examples are drawn: scaffold_dataset_example.proto.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/core/dataset.h"
#include "framework/core/registry.h"
#include "framework/tensor/rng.h"
#include "plugins/testing/scaffold/scaffold_dataset_example/scaffold_dataset_example.pb.h"

namespace siamese {
namespace {

// This dataset's streams of the experiment's seed (which also seeds the
// weights and the sampler).
constexpr uint64_t kTag = 0xDA7A;

class ScaffoldDatasetExampleDataset : public Dataset {
 public:
  ScaffoldDatasetExampleDataset(
      const ScaffoldDatasetExampleDatasetParams& p, uint64_t seed, bool train)
      : dim_(p.dim()) {
    const int64_t classes = p.train_classes() + p.test_classes();
    for (int64_t c = 0; c < classes; ++c) class_names_.push_back(absl::StrCat("cluster_", c));
    // This split's classes only; the labels stay ids of the full list.
    const int64_t first = train ? 0 : p.train_classes();
    const int64_t last = train ? p.train_classes() : classes;
    std::vector<float> center(dim_, 0.0f);
    for (int64_t c = first; c < last; ++c) {
      const Rng stream = Rng(seed).Fork(kTag).Fork(static_cast<uint64_t>(c));
      Rng rng = stream.Fork(0);
      for (int64_t k = 0; k < p.informative(); ++k) center[k] = rng.Normal();
      for (int64_t j = 0; j < p.examples_per_class(); ++j) {
        rng = stream.Fork(static_cast<uint64_t>(j + 1));
        for (float m : center) values_.push_back(m + p.spread() * rng.Normal());
        labels_.push_back(c);
      }
    }
  }

  // Checks every parameter; an error names its field.
  static absl::StatusOr<std::unique_ptr<Dataset>> Create(
      const ScaffoldDatasetExampleDatasetParams& p, const PluginContext& context) {
    for (const auto& [field, value] : {std::make_pair("train_classes", p.train_classes()),
                                       std::make_pair("test_classes", p.test_classes()),
                                       std::make_pair("examples_per_class", p.examples_per_class()),
                                       std::make_pair("dim", p.dim())}) {
      if (value < 1) return FieldError(field, absl::StrCat("must be >= 1, got ", value));
    }
    if (p.informative() < 1 || p.informative() > p.dim()) {
      return FieldError("informative", absl::StrCat("must be in [1, dim = ", p.dim(), "], got ",
                                                    p.informative()));
    }
    if (!(p.spread() >= 0) || !std::isfinite(p.spread())) {
      return FieldError("spread", absl::StrCat("must be finite and >= 0, got ", p.spread()));
    }
    if (context.split != "train" && context.split != "test") {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset \"scaffold_dataset_example\": split must be ",
                       "\"train\" or \"test\", got \"", context.split, "\""));
    }
    return std::unique_ptr<Dataset>(
        new ScaffoldDatasetExampleDataset(p, context.seed, context.split == "train"));
  }

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Shape example_shape() const override { return {1, dim_}; }
  const std::vector<int64_t>& labels() const override { return labels_; }
  std::vector<std::string> class_names() const override { return class_names_; }
  void CopyExample(int64_t i, float* dst) const override {
    SIAMESE_CHECK(i >= 0 && i < size())
        << "dataset \"scaffold_dataset_example\": example " << i << " of " << size();
    std::copy_n(values_.data() + i * dim_, dim_, dst);
  }
  // None: the examples are generated. A dataset that reads files lists them
  // (the run manifest records their checksums) and names a missing one in
  // its error.
  std::vector<std::string> source_files() const override { return {}; }
  // State() stays "": nothing is derived from the training data (a
  // vocabulary would be, and would be returned here).

 private:
  int64_t dim_;
  std::vector<float> values_;  // [size(), dim_]
  std::vector<int64_t> labels_;
  std::vector<std::string> class_names_;
};

SIAMESE_REGISTER_PLUGIN(Dataset, "scaffold_dataset_example", siamese::scaffold_dataset_example,
                        ScaffoldDatasetExampleDatasetParams,
                        "one line on what data it gives (shown by train --list_plugins)",
                        &ScaffoldDatasetExampleDataset::Create);

}  // namespace
}  // namespace siamese
