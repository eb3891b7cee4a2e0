// The three splits: per-class hold-out, class-disjoint validation and their
// errors.
#include "framework/train/data.h"

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

}  // namespace
}  // namespace siamese
