#include <set>

#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// Created from its parameters (text format).
absl::StatusOr<std::unique_ptr<Sampler>> Make(const std::string& params) {
  SamplerConfig c;
  const std::string text =
      "name: \"scaffold_sampler_example\" [siamese.scaffold_sampler_example] { " + params + " }";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  return Registry<Sampler>::Create(c, {});
}

// `per_class[c]` examples of class c, in class order.
std::vector<int64_t> Labels(const std::vector<int>& per_class) {
  std::vector<int64_t> labels;
  for (size_t c = 0; c < per_class.size(); ++c) {
    labels.insert(labels.end(), per_class[c], static_cast<int64_t>(c));
  }
  return labels;
}

TEST(ScaffoldSamplerExampleSamplerTest, BatchesArePDistinctClassesOfKDistinctExamples) {
  auto s = Make("k: 2");
  ASSERT_TRUE(s.ok()) << s.status();
  // Class 3 has 1 example < k: never drawn.
  const std::vector<int64_t> labels = Labels({5, 4, 6, 1});
  ASSERT_TRUE((*s)->Init(labels, 4, 1).ok());
  const std::vector<Batch> batches = (*s)->EpochBatches(0);
  ASSERT_EQ(batches.size(), 4u);  // 16 examples / batch size 4
  for (const Batch& b : batches) {
    ASSERT_EQ(b.indices.size(), 4u);
    EXPECT_TRUE(b.given.empty());
    const int64_t first = labels[b.indices[0]], second = labels[b.indices[2]];
    EXPECT_NE(first, second);
    EXPECT_NE(first, 3);
    EXPECT_NE(second, 3);
    EXPECT_EQ(labels[b.indices[1]], first);
    EXPECT_EQ(labels[b.indices[3]], second);
    EXPECT_EQ(std::set<int64_t>(b.indices.begin(), b.indices.end()).size(), 4u);
  }
  EXPECT_THAT((*s)->Warnings(), ::testing::ElementsAre(::testing::HasSubstr("1 training classes")));
}

TEST(ScaffoldSamplerExampleSamplerTest, EpochsArePureFunctionsOfSeedAndEpoch) {
  auto s = Make(""), t = Make("");
  ASSERT_TRUE(s.ok() && t.ok());
  const std::vector<int64_t> labels = Labels({8, 8, 8, 8});
  ASSERT_TRUE((*s)->Init(labels, 8, 1).ok());
  ASSERT_TRUE((*t)->Init(labels, 8, 1).ok());
  // A fresh sampler (a resumed run) computes epoch 2 without the others.
  EXPECT_EQ((*t)->EpochBatches(2)[0].indices, (*s)->EpochBatches(2)[0].indices);
  EXPECT_NE((*s)->EpochBatches(1)[0].indices, (*s)->EpochBatches(2)[0].indices);
  EXPECT_TRUE((*s)->Warnings().empty());
}

TEST(ScaffoldSamplerExampleSamplerTest, ImpossibleBatchesAndBadParametersNameTheField) {
  auto s = Make("k: 3");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(ErrorField((*s)->Init(Labels({5, 5}), 8, 1)), "k");  // 8 % 3 != 0
  EXPECT_EQ(ErrorField((*s)->Init(Labels({5, 5}), 9, 1)), "k");  // 3 classes, 2 exist
  EXPECT_EQ(ErrorField(Make("k: 0").status()), "k");
}

}  // namespace
}  // namespace siamese
