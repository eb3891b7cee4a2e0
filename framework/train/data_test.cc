// The three splits: per-class hold-out, class-disjoint validation and their
// errors.
#include "framework/train/data.h"

#include <cmath>
#include <cstdlib>
#include <set>

#include "framework/core/experiment_file.h"
#include "framework/train/tiny_run_testutil.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

class DataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(testing_train::WriteSyntheticIdx(TmpDir() + "/train", 40, 1).ok());
    ASSERT_TRUE(testing_train::WriteSyntheticIdx(TmpDir() + "/test", 20, 2).ok());
  }
  absl::StatusOr<ExperimentData> Load(const std::vector<std::string>& overrides) {
    auto file = ExperimentFile::Parse("data.pbtxt", testing_train::TinyExperiment(TmpDir(), "data"),
                                      overrides);
    if (!file.ok()) return file.status();
    return LoadExperimentData(**file);
  }
};

std::set<int64_t> Classes(const Split& s) { return {s.labels.begin(), s.labels.end()}; }

TEST_F(DataTest, PerClassFractionHoldsOutPartOfEveryClass) {
  auto d = Load({"data { validation_fraction: 0.25 }"});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->validation.size(), 40);  // 10 of each class's 40
  EXPECT_EQ(d->train.size(), 120);
  EXPECT_EQ(Classes(d->validation), Classes(d->train));
}

TEST_F(DataTest, ListedValidationClassesAreHeldOutWhole) {
  auto d = Load({"data { validation_classes: [1, 3] }"});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(Classes(d->validation), (std::set<int64_t>{1, 3}));
  EXPECT_EQ(Classes(d->train), (std::set<int64_t>{0, 2}));
  EXPECT_EQ(d->validation.size(), 80);  // every example of both classes
  EXPECT_EQ(d->train.size(), 80);
}

TEST_F(DataTest, CountedValidationClassesAreSeededAndDisjoint) {
  auto a = Load({"data { validation_class_count: 2 }"});
  auto b = Load({"data { validation_class_count: 2 }"});
  ASSERT_TRUE(a.ok() && b.ok()) << a.status();
  EXPECT_EQ(Classes(a->validation), Classes(b->validation));
  EXPECT_EQ(Classes(a->validation).size(), 2u);
  for (int64_t c : Classes(a->validation)) EXPECT_EQ(Classes(a->train).count(c), 0u);
  // Another seed may draw other classes; every draw is a 2-subset of 0..3.
  auto c = Load({"seed: 11 data { validation_class_count: 2 }"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Classes(c->validation).size(), 2u);
}

TEST_F(DataTest, BadValidationClassesAreLocated) {
  auto not_trained = Load({"data { train_classes: [0, 1, 2] validation_classes: [3] }"});
  ASSERT_FALSE(not_trained.ok());
  EXPECT_THAT(std::string(not_trained.status().message()),
              HasSubstr("data.validation_classes: class 3 is not a training class"));
  auto too_many = Load({"data { validation_class_count: 3 }"});
  ASSERT_FALSE(too_many.ok());
  EXPECT_THAT(std::string(too_many.status().message()),
              HasSubstr("3 of 4 training classes would leave fewer than 2 to train on"));
  auto both = Load({"data { validation_classes: [1] validation_class_count: 1 }"});
  ASSERT_FALSE(both.ok());
  EXPECT_THAT(std::string(both.status().message()), HasSubstr("not both"));
}

// A dataset of fixed examples whose training copies say which epoch asked.
class FixedDataset : public Dataset {
 public:
  FixedDataset(Shape shape, std::vector<std::vector<float>> examples)
      : shape_(std::move(shape)), examples_(std::move(examples)), labels_(examples_.size(), 0) {}
  int64_t size() const override { return static_cast<int64_t>(examples_.size()); }
  Shape example_shape() const override { return shape_; }
  const std::vector<int64_t>& labels() const override { return labels_; }
  std::vector<std::string> class_names() const override { return {"0"}; }
  void CopyExample(int64_t i, float* dst) const override {
    std::copy(examples_[i].begin(), examples_[i].end(), dst);
  }
  void CopyTrainingExample(int64_t i, int64_t epoch, float* dst) const override {
    CopyExample(i, dst);
    dst[0] = 1000.0f + epoch;
  }
  std::vector<std::string> source_files() const override { return {}; }

 private:
  Shape shape_;
  std::vector<std::vector<float>> examples_;
  std::vector<int64_t> labels_;
};

Split SplitOf(std::shared_ptr<const Dataset> d) {
  Split s;
  s.name = "train";
  for (int64_t i = 0; i < d->size(); ++i) {
    s.indices.push_back(i);
    s.labels.push_back(0);
  }
  s.dataset = std::move(d);
  return s;
}

TEST(NormalizationTest, PerChannelMeanAndStdByHand) {
  // Examples [2, 1, 2]: channel 0 holds {0, 2, 4, 6} over both examples
  // (mean 3, variance (9 + 1 + 1 + 9) / 4 = 5), channel 1 {10, 10, 20, 30}
  // (mean 17.5, variance (56.25 + 56.25 + 6.25 + 156.25) / 4 = 68.75).
  const Split s = SplitOf(std::make_shared<FixedDataset>(
      Shape{2, 1, 2}, std::vector<std::vector<float>>{{0, 2, 10, 10}, {4, 6, 20, 30}}));
  const Normalization n = ComputeNormalization(s, /*per_channel=*/true);
  ASSERT_EQ(n.channel_mean.size(), 2u);
  EXPECT_FLOAT_EQ(n.channel_mean[0], 3.0f);
  EXPECT_FLOAT_EQ(n.channel_std[0], std::sqrt(5.0f));
  EXPECT_FLOAT_EQ(n.channel_mean[1], 17.5f);
  EXPECT_FLOAT_EQ(n.channel_std[1], std::sqrt(68.75f));
  // One scalar over all eight values: mean 10.25.
  const Normalization one = ComputeNormalization(s);
  EXPECT_TRUE(one.channel_mean.empty());
  EXPECT_FLOAT_EQ(one.mean, 10.25f);

  const Tensor batch = MakeBatch(s, {1}, n);
  EXPECT_FLOAT_EQ(batch.data()[0], (4 - 3) / std::sqrt(5.0f));
  EXPECT_FLOAT_EQ(batch.data()[3], (30 - 17.5f) / std::sqrt(68.75f));
}

TEST(NormalizationTest, OnlyTrainingBatchesComeFromCopyTrainingExample) {
  const Split s = SplitOf(std::make_shared<FixedDataset>(
      Shape{2}, std::vector<std::vector<float>>{{1, 2}, {3, 4}}));
  const Normalization identity;
  EXPECT_FLOAT_EQ(MakeBatch(s, {0, 1}, identity).data()[2], 3.0f);  // evaluation: as stored
  const Tensor trained = MakeBatch(s, {0, 1}, identity, /*training_epoch=*/7);
  EXPECT_FLOAT_EQ(trained.data()[0], 1007.0f);
  EXPECT_FLOAT_EQ(trained.data()[2], 1007.0f);
  EXPECT_FLOAT_EQ(trained.data()[3], 4.0f);
  // The statistics never see augmentation.
  EXPECT_FLOAT_EQ(ComputeNormalization(s).mean, 2.5f);
}

}  // namespace
}  // namespace siamese
