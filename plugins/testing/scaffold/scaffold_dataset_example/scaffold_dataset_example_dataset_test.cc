#include "framework/core/dataset.h"
#include "framework/core/registry.h"
#include "framework/tensor/rng.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::ElementsAre;

absl::StatusOr<std::unique_ptr<Dataset>> Make(const std::string& params, const std::string& split,
                                              uint64_t seed = 1) {
  DatasetConfig c;
  const std::string text =
      "name: \"scaffold_dataset_example\" [siamese.scaffold_dataset_example] { " + params + " }";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.split = split;
  context.seed = seed;
  return Registry<Dataset>::Create(c, context);
}

std::vector<float> Example(const Dataset& d, int64_t i) {
  std::vector<float> x(NumElements(d.example_shape()));
  d.CopyExample(i, x.data());
  return x;
}

const char kSmall[] =
    "train_classes: 3 test_classes: 2 examples_per_class: 4 dim: 5 informative: 3";

TEST(ScaffoldDatasetExampleDatasetTest, SplitsHaveDisjointClasses) {
  auto train = Make(kSmall, "train");
  auto test = Make(kSmall, "test");
  ASSERT_TRUE(train.ok()) << train.status();
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_EQ((*train)->example_shape(), (Shape{1, 5}));
  EXPECT_THAT((*train)->labels(), ElementsAre(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2));
  EXPECT_THAT((*test)->labels(), ElementsAre(3, 3, 3, 3, 4, 4, 4, 4));
  EXPECT_THAT((*test)->class_names(),
              ElementsAre("cluster_0", "cluster_1", "cluster_2", "cluster_3", "cluster_4"));
  EXPECT_EQ((*train)->class_names(), (*test)->class_names());
  EXPECT_TRUE((*train)->source_files().empty());
  EXPECT_EQ((*train)->State(), "");
}

TEST(ScaffoldDatasetExampleDatasetTest, ExamplesAreTheDocumentedDraws) {
  auto test = Make(std::string(kSmall) + " spread: 0.25", "test", 7);
  ASSERT_TRUE(test.ok()) << test.status();
  // Example 2 of class 4 (the second test class): index 4 + 2.
  const Rng stream = Rng(7).Fork(0xDA7A).Fork(4);
  Rng center = stream.Fork(0), noise = stream.Fork(3);
  std::vector<float> want = {center.Normal(), center.Normal(), center.Normal(), 0, 0};
  for (float& v : want) v += 0.25f * noise.Normal();
  EXPECT_EQ(Example(**test, 6), want);
}

TEST(ScaffoldDatasetExampleDatasetTest, DeterministicPerSeedAndSplit) {
  auto a = Make(kSmall, "train", 3), b = Make(kSmall, "train", 3), c = Make(kSmall, "train", 4);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(Example(**a, 5), Example(**b, 5));
  EXPECT_NE(Example(**a, 5), Example(**c, 5));
  EXPECT_NE(Example(**a, 5), Example(**a, 6));  // two draws around one center
  // spread 0: every example is its class's center.
  auto tight = Make(std::string(kSmall) + " spread: 0", "train", 3);
  ASSERT_TRUE(tight.ok());
  EXPECT_EQ(Example(**tight, 4), Example(**tight, 7));
  EXPECT_NE(Example(**tight, 4), Example(**tight, 8));
}

TEST(ScaffoldDatasetExampleDatasetTest, BadParametersNameTheField) {
  EXPECT_EQ(ErrorField(Make("train_classes: 0", "train").status()), "train_classes");
  EXPECT_EQ(ErrorField(Make("dim: -1", "test").status()), "dim");
  EXPECT_EQ(ErrorField(Make("dim: 4 informative: 5", "train").status()), "informative");
  EXPECT_EQ(ErrorField(Make("spread: -0.5", "train").status()), "spread");
  EXPECT_FALSE(Make("", "validation").ok());
}

}  // namespace
}  // namespace siamese
