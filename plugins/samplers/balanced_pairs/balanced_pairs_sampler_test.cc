#include <set>

#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

std::unique_ptr<Sampler> Make() {
  SamplerConfig c;
  c.set_name("balanced_pairs");
  auto s = Registry<Sampler>::Create(c, {});
  EXPECT_TRUE(s.ok()) << s.status();
  return std::move(*s);
}

TEST(BalancedPairsSamplerTest, PairsAreBalancedValidAndCoverEveryExample) {
  std::vector<int64_t> labels;
  for (int i = 0; i < 60; ++i) labels.push_back(i % 3);
  auto s = Make();
  ASSERT_TRUE(s->Init(labels, 10, 4).ok());
  std::vector<Batch> batches = s->EpochBatches(0);
  ASSERT_EQ(batches.size(), 12u);  // 60 first elements, 5 pairs a batch
  std::set<int64_t> firsts;
  for (const Batch& b : batches) {
    ASSERT_EQ(b.indices.size(), 10u);
    ASSERT_EQ(b.given.kind(), TupleKind::kPairs);
    const Pairs& given = b.given.pairs();
    EXPECT_EQ(given.pos_a.size(), 3u);
    EXPECT_EQ(given.neg_a.size(), 2u);
    for (size_t i = 0; i < given.pos_a.size(); ++i) {
      int64_t x = b.indices[given.pos_a[i]], y = b.indices[given.pos_b[i]];
      EXPECT_NE(x, y);
      EXPECT_EQ(labels[x], labels[y]);
    }
    for (size_t i = 0; i < given.neg_a.size(); ++i) {
      EXPECT_NE(labels[b.indices[given.neg_a[i]]], labels[b.indices[given.neg_b[i]]]);
    }
    for (size_t i = 0; i < b.indices.size(); i += 2) firsts.insert(b.indices[i]);
  }
  EXPECT_EQ(firsts.size(), 60u);
  EXPECT_EQ(Make()->Init(labels, 10, 4).ok(), true);
  EXPECT_TRUE(Make()->gives_tuples());
}

TEST(BalancedPairsSamplerTest, DeterministicPerEpoch) {
  std::vector<int64_t> labels = {0, 0, 1, 1, 2, 2, 0, 1};
  auto a = Make(), b = Make();
  ASSERT_TRUE(a->Init(labels, 4, 9).ok());
  ASSERT_TRUE(b->Init(labels, 4, 9).ok());
  EXPECT_EQ(a->EpochBatches(2)[1].indices, b->EpochBatches(2)[1].indices);
}

TEST(BalancedPairsSamplerTest, Errors) {
  auto s = Make();
  EXPECT_THAT(std::string(s->Init({0, 0, 1, 1}, 3, 1).message()),
              ::testing::HasSubstr("batch_size must be even, got 3"));
  EXPECT_THAT(std::string(s->Init({0, 0, 0}, 4, 1).message()),
              ::testing::HasSubstr("at least 2 classes"));
  EXPECT_THAT(std::string(s->Init({0, 0, 1}, 4, 1).message()),
              ::testing::HasSubstr("class 1 has a single example"));
}

}  // namespace
}  // namespace siamese
