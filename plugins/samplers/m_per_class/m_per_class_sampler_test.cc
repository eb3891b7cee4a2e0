#include <map>
#include <set>

#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

absl::StatusOr<std::unique_ptr<Sampler>> Make(const std::string& text) {
  SamplerConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c));
  return Registry<Sampler>::Create(c, {});
}

// `per_class[c]` examples of class c.
std::vector<int64_t> Labels(const std::vector<int>& per_class) {
  std::vector<int64_t> l;
  for (size_t c = 0; c < per_class.size(); ++c) {
    for (int i = 0; i < per_class[c]; ++i) l.push_back(static_cast<int64_t>(c));
  }
  return l;
}

TEST(MPerClassSamplerTest, EachBatchHasDistinctClassesOfMDistinctExamples) {
  auto s = Make(R"(name: "m_per_class" [siamese.m_per_class] { m: 4 batches_per_epoch: 50 })");
  ASSERT_TRUE(s.ok());
  const std::vector<int64_t> labels = Labels({10, 7, 5, 12, 9, 6});
  ASSERT_TRUE((*s)->Init(labels, 12, 3).ok());
  const std::vector<Batch> batches = (*s)->EpochBatches(0);
  ASSERT_EQ(batches.size(), 50u);  // the fixed epoch length, not examples / batch size
  std::map<int64_t, int> class_draws;
  for (const Batch& b : batches) {
    ASSERT_EQ(b.indices.size(), 12u);
    std::set<int64_t> classes, examples(b.indices.begin(), b.indices.end());
    EXPECT_EQ(examples.size(), 12u) << "an example repeated in a batch";
    for (size_t g = 0; g < 3; ++g) {
      const int64_t c = labels[b.indices[4 * g]];
      for (size_t j = 0; j < 4; ++j) EXPECT_EQ(labels[b.indices[4 * g + j]], c);
      classes.insert(c);
      ++class_draws[c];
    }
    EXPECT_EQ(classes.size(), 3u) << "a class twice in a batch";
  }
  // 150 class draws over 6 classes: each about 25 times.
  for (const auto& [c, n] : class_draws) EXPECT_NEAR(n, 25, 13) << "class " << c;
}

TEST(MPerClassSamplerTest, EpochsArePureFunctionsOfSeedAndEpoch) {
  auto s = Make(R"(name: "m_per_class" [siamese.m_per_class] { m: 2 })");
  ASSERT_TRUE(s.ok());
  const std::vector<int64_t> labels = Labels({8, 8, 8, 8});
  ASSERT_TRUE((*s)->Init(labels, 8, 1).ok());
  EXPECT_EQ((*s)->EpochBatches(0).size(), 4u);  // 32 examples / batch of 8
  EXPECT_EQ((*s)->EpochBatches(2)[0].indices, (*s)->EpochBatches(2)[0].indices);
  EXPECT_NE((*s)->EpochBatches(1)[0].indices, (*s)->EpochBatches(2)[0].indices);
}

TEST(MPerClassSamplerTest, SmallClassesAreDrawnWithRepeatsAndWarned) {
  auto s = Make(R"(name: "m_per_class" [siamese.m_per_class] { m: 4 batches_per_epoch: 5 })");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Init(Labels({2, 2}), 8, 1).ok());
  for (const Batch& b : (*s)->EpochBatches(0)) EXPECT_EQ(b.indices.size(), 8u);
  ASSERT_EQ((*s)->Warnings().size(), 1u);
  EXPECT_THAT((*s)->Warnings()[0], ::testing::HasSubstr("2 of 2 training classes have fewer"));
}

TEST(MPerClassSamplerTest, ImpossibleBatchesAreErrorsNamingTheField) {
  auto s = Make(R"(name: "m_per_class" [siamese.m_per_class] { m: 3 })");
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(std::string((*s)->Init(Labels({5, 5}), 8, 1).message()),
              ::testing::HasSubstr("must be a multiple of m (3)"));
  EXPECT_THAT(std::string((*s)->Init(Labels({5, 5}), 9, 1).message()),
              ::testing::HasSubstr("only 2 classes; raise m"));
  auto bad = Make(R"(name: "m_per_class" [siamese.m_per_class] { m: 0 })");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("m: must be >= 1"));
}

}  // namespace
}  // namespace siamese
