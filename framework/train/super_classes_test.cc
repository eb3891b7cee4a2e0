// Super-classes (Dataset::super_classes()) from the dataset to each split's
// examples (Split::super_labels) and to the sampler (SamplerInput), with the
// errors of a dataset that gives them wrong and of a sampler that needs them
// on a dataset without them.
#include <cstdlib>
#include <map>
#include <memory>
#include <set>

#include "framework/core/dataset.h"
#include "framework/core/experiment_file.h"
#include "framework/core/registry.h"
#include "framework/train/assembly.h"
#include "framework/train/data.h"
#include "framework/train/super_classes_test.pb.h"
#include "framework/train/tiny_run_testutil.h"
#include "framework/train/trainer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The synthetic 8x8 bar images of tiny_run_testutil.h (4 classes, example i
// of class i % 4); the test split adds `test_only_classes` classes of 6
// examples each. Super-classes as SuperProbeParams::mode says.
class SuperProbe : public Dataset {
 public:
  static absl::StatusOr<std::unique_ptr<Dataset>> Create(const testing::SuperProbeParams& p,
                                                         const PluginContext& context) {
    auto d = std::make_unique<SuperProbe>();
    const bool train = context.split == "train";
    IdxArray labels;
    d->pixels_ = testing_train::SyntheticImages(train ? 12 : 6, train ? 1 : 2, &labels).data;
    d->labels_.assign(labels.data.begin(), labels.data.end());
    d->names_ = {"bar0", "bar1", "bar2", "bar3"};
    d->super_ = {0, 0, 1, 1};
    d->super_names_ = {"top", "bottom"};
    if (!train && p.test_only_classes() > 0) {
      d->super_names_.push_back("new");
      for (int c = 0; c < p.test_only_classes(); ++c) {
        d->names_.push_back("new" + std::to_string(c));
        d->super_.push_back(2);
        for (int i = 0; i < 6; ++i) {
          d->pixels_.insert(d->pixels_.end(), 64, static_cast<uint8_t>(20 * c + i));
          d->labels_.push_back(4 + c);
        }
      }
    }
    if (p.mode() == "none") {
      d->super_.clear();
      d->super_names_.clear();
    } else if (p.mode() == "short") {
      d->super_.pop_back();
    } else if (p.mode() == "range") {
      d->super_[3] = 5;
    }
    return std::unique_ptr<Dataset>(std::move(d));
  }

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Shape example_shape() const override { return {1, 8, 8}; }
  const std::vector<int64_t>& labels() const override { return labels_; }
  std::vector<std::string> class_names() const override { return names_; }
  std::vector<int64_t> super_classes() const override { return super_; }
  std::vector<std::string> super_class_names() const override { return super_names_; }
  void CopyExample(int64_t i, float* dst) const override {
    for (int k = 0; k < 64; ++k) dst[k] = pixels_[i * 64 + k] / 255.0f;
  }
  std::vector<std::string> source_files() const override { return {}; }

 private:
  std::vector<uint8_t> pixels_;
  std::vector<int64_t> labels_, super_;
  std::vector<std::string> names_, super_names_;
};

SIAMESE_REGISTER_PLUGIN(Dataset, "super_probe", siamese::testing::super_probe,
                        testing::SuperProbeParams, "test dataset with super-classes",
                        &SuperProbe::Create);

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

// 8 = 2 super-classes x 2 classes x 2 examples per batch.
std::string Experiment(const std::string& name, const std::string& probe_params) {
  return R"(name: ")" + name + R"("
seed: 3
threads: 1
output_dir: ")" +
         TmpDir() + R"(/runs"
data {
  dataset { name: "super_probe" [siamese.testing.super_probe] { )" +
         probe_params + R"( } }
  validation_fraction: 0.25
}
sampler { name: "hierarchical" [siamese.hierarchical] { samples_per_class: 2 } }
encoder { name: "cnn" [siamese.cnn] { conv { channels: 2 } fc: 8 } }
embedding_dim: 4
miner { name: "semi_hard" }
loss { name: "triplet" }
training { epochs: 2 batch_size: 8 checkpoint_every: 0 }
evaluation { verification_pairs: 40 }
)";
}

std::unique_ptr<ExperimentFile> Parse(const std::string& text,
                                      const std::vector<std::string>& overrides = {}) {
  auto file = ExperimentFile::Parse("probe.pbtxt", text, overrides);
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? std::move(*file) : nullptr;
}

TEST(SuperClassesTest, EverySplitsExamplesGetTheirClassesSuperClass) {
  auto file = Parse(Experiment("load", "test_only_classes: 2"));
  ASSERT_NE(file, nullptr);
  auto data = LoadExperimentData(*file);
  ASSERT_TRUE(data.ok()) << data.status();
  // The train split's list, then the test split's past it (as class names).
  EXPECT_THAT(data->super_classes, ElementsAre(0, 0, 1, 1, 2, 2));
  EXPECT_THAT(data->super_class_names, ElementsAre("top", "bottom", "new"));
  for (const Split* s : {&data->train, &data->validation, &data->test}) {
    ASSERT_EQ(s->super_labels.size(), s->labels.size()) << s->name;
    for (size_t i = 0; i < s->labels.size(); ++i) {
      EXPECT_EQ(s->super_labels[i], s->labels[i] < 4 ? s->labels[i] / 2 : 2) << s->name << i;
    }
  }
  EXPECT_EQ(data->test.size(), 4 * 6 + 2 * 6);
}

TEST(SuperClassesTest, ADatasetWithoutThemGivesEmptySuperLabels) {
  auto file = Parse(Experiment("none", "mode: \"none\""));
  ASSERT_NE(file, nullptr);
  auto data = LoadExperimentData(*file);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_TRUE(data->super_classes.empty());
  EXPECT_TRUE(data->super_class_names.empty());
  for (const Split* s : {&data->train, &data->validation, &data->test}) {
    EXPECT_TRUE(s->super_labels.empty()) << s->name;
  }
}

TEST(SuperClassesTest, WrongSuperClassesAreErrorsNamingTheDataset) {
  auto short_list = Parse(Experiment("short", "mode: \"short\""));
  ASSERT_NE(short_list, nullptr);
  auto a = LoadExperimentData(*short_list);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(std::string(a.status().message()),
              HasSubstr("dataset \"super_probe\" (train split) gives 3 super-classes for 4 "
                        "classes; Dataset::super_classes() must give one per class"));
  auto range = Parse(Experiment("range", "mode: \"range\""));
  ASSERT_NE(range, nullptr);
  auto b = LoadExperimentData(*range);
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(std::string(b.status().message()),
              HasSubstr("dataset \"super_probe\" (train split) gives class 3 super-class 5, not "
                        "in [0, 2)"));
}

TEST(SuperClassesTest, TheHierarchicalSamplerReceivesThemAndTrains) {
  auto file = Parse(Experiment("trained", ""));
  ASSERT_NE(file, nullptr);
  auto c = AssembleTraining(*file);
  ASSERT_TRUE(c.ok()) << c.status();
  // C(2, 2) tuples x 4 batches; each: both super-classes, both of their
  // classes, 2 examples each.
  ASSERT_EQ((*c)->batches_per_epoch, 4);
  for (const Batch& b : (*c)->first_epoch_batches) {
    std::map<int64_t, int> per_class;
    for (int64_t i : b.indices) ++per_class[(*c)->data.train.labels[i]];
    EXPECT_EQ(per_class, (std::map<int64_t, int>{{0, 2}, {1, 2}, {2, 2}, {3, 2}}));
  }
  TrainOptions options;
  options.verbose = false;
  auto run = Train(*file, options);
  ASSERT_TRUE(run.ok()) << run.status();
}

TEST(SuperClassesTest, TheHierarchicalSamplerRefusesADatasetWithoutThem) {
  auto file = Parse(Experiment("refused", "mode: \"none\""));
  ASSERT_NE(file, nullptr);
  auto c = AssembleTraining(*file);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()),
              HasSubstr("sampler \"hierarchical\" draws each batch from a few super-classes, but "
                        "dataset \"super_probe\" has no super-classes"));
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("probe.pbtxt"));
}

}  // namespace
}  // namespace siamese
