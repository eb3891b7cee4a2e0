#include <map>
#include <set>

#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

std::unique_ptr<Sampler> Make(const std::string& text) {
  SamplerConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c));
  auto s = Registry<Sampler>::Create(c, {});
  EXPECT_TRUE(s.ok()) << s.status();
  return std::move(*s);
}

std::vector<int64_t> Labels(int classes, int per_class) {
  std::vector<int64_t> l;
  for (int c = 0; c < classes; ++c)
    for (int i = 0; i < per_class; ++i) l.push_back(c);
  return l;
}

TEST(PkSamplerTest, BatchesHavePClassesOfKAndVisitEveryExampleOnce) {
  auto s = Make(R"(name: "pk" [siamese.pk] { k: 4 })");
  std::vector<int64_t> labels = Labels(10, 40);
  ASSERT_TRUE(s->Init(labels, 16, 3).ok());
  std::vector<Batch> batches = s->EpochBatches(0);
  std::multiset<int64_t> seen;
  for (const Batch& b : batches) {
    ASSERT_EQ(b.indices.size(), 16u);
    std::map<int64_t, int> per_class;
    for (int64_t i : b.indices) {
      per_class[labels[i]]++;
      seen.insert(i);
    }
    EXPECT_EQ(per_class.size(), 4u);
    for (auto& [c, n] : per_class) EXPECT_EQ(n, 4);
  }
  // 400 examples in groups of 4, packed 4 groups a batch: 25 batches, all visited once.
  EXPECT_EQ(batches.size(), 25u);
  EXPECT_EQ(seen.size(), 400u);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 400u);
}

TEST(PkSamplerTest, PureFunctionOfSeedAndEpoch) {
  auto a = Make(R"(name: "pk")"), b = Make(R"(name: "pk")");
  std::vector<int64_t> labels = Labels(5, 13);
  ASSERT_TRUE(a->Init(labels, 8, 7).ok());
  ASSERT_TRUE(b->Init(labels, 8, 7).ok());
  a->EpochBatches(0);
  EXPECT_EQ(a->EpochBatches(1)[0].indices, b->EpochBatches(1)[0].indices);
  EXPECT_NE(a->EpochBatches(1)[0].indices, a->EpochBatches(2)[0].indices);
}

TEST(PkSamplerTest, ErrorsNameTheProblem) {
  auto s = Make(R"(name: "pk" [siamese.pk] { k: 3 })");
  EXPECT_THAT(std::string(s->Init(Labels(10, 5), 16, 1).message()),
              ::testing::HasSubstr("must be a multiple of k (3)"));
  auto t = Make(R"(name: "pk" [siamese.pk] { k: 2 })");
  EXPECT_THAT(std::string(t->Init(Labels(3, 5), 16, 1).message()),
              ::testing::HasSubstr("only 3 classes"));
}

// Issue 10: k larger than a class padded it with repeats silently.
TEST(PkSamplerTest, ClassesSmallerThanKAreReported) {
  auto s = Make(R"(name: "pk" [siamese.pk] { k: 4 })");
  std::vector<int64_t> labels = Labels(4, 8);
  labels.push_back(4);  // class 4 has one example
  ASSERT_TRUE(s->Init(labels, 8, 1).ok());
  ASSERT_EQ(s->Warnings().size(), 1u);
  EXPECT_THAT(s->Warnings()[0],
              ::testing::HasSubstr("1 of 5 training classes have fewer than k = 4"));
  auto fine = Make(R"(name: "pk" [siamese.pk] { k: 4 })");
  ASSERT_TRUE(fine->Init(Labels(4, 8), 8, 1).ok());
  EXPECT_TRUE(fine->Warnings().empty());
}

}  // namespace
}  // namespace siamese
