#include "framework/train/cross_batch_memory.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// One-wide embeddings whose value names the example: e_k = k.
Tensor Rows(std::vector<float> values) {
  const int64_t n = static_cast<int64_t>(values.size());
  return Tensor::FromVector({n, 1}, values);
}

std::vector<float> Values(const Tensor& t) { return t.ToVector(); }

TEST(CrossBatchMemoryTest, FillsInOrderThenOverwritesTheOldest) {
  CrossBatchMemory m(5, 1);
  m.Enqueue(Rows({10, 11}), {0, 1});
  EXPECT_EQ(m.filled(), 2);
  EXPECT_THAT(Values(m.Embeddings()), ElementsAre(10, 11));
  EXPECT_THAT(m.references().labels, ElementsAre(0, 1));
  EXPECT_THAT(m.references().self, ElementsAre(0, 1));

  m.Enqueue(Rows({12, 13}), {2, 3});
  EXPECT_THAT(Values(m.Embeddings()), ElementsAre(10, 11, 12, 13));
  EXPECT_THAT(m.references().self, ElementsAre(2, 3));

  // Slot 4, then wraps to slot 0: the oldest (10) goes.
  m.Enqueue(Rows({14, 15}), {4, 5});
  EXPECT_EQ(m.filled(), 5);
  EXPECT_THAT(Values(m.Embeddings()), ElementsAre(15, 11, 12, 13, 14));
  EXPECT_THAT(m.references().labels, ElementsAre(5, 1, 2, 3, 4));
  EXPECT_THAT(m.references().self, ElementsAre(4, 0));
}

TEST(CrossBatchMemoryTest, StateRoundTripContinuesTheQueue) {
  CrossBatchMemory a(3, 2), b(3, 2);
  a.Enqueue(Tensor::FromVector({2, 2}, {1, 2, 3, 4}), {7, 8});
  ASSERT_TRUE(b.LoadState(a.State()).ok());
  EXPECT_EQ(b.filled(), 2);
  EXPECT_EQ(Values(b.Embeddings()), Values(a.Embeddings()));
  EXPECT_THAT(b.references().labels, ElementsAre(7, 8));
  // Both continue identically.
  a.Enqueue(Tensor::FromVector({2, 2}, {5, 6, 7, 8}), {9, 1});
  b.Enqueue(Tensor::FromVector({2, 2}, {5, 6, 7, 8}), {9, 1});
  EXPECT_EQ(Values(b.Embeddings()), Values(a.Embeddings()));
  EXPECT_THAT(b.references().labels, ElementsAre(1, 8, 9));
  EXPECT_THAT(b.references().self, ElementsAre(2, 0));
}

TEST(CrossBatchMemoryTest, StateOfAnotherSizeIsRefusedNamingTheEntry) {
  CrossBatchMemory small(2, 2), large(4, 2);
  const absl::Status s = large.LoadState(small.State());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("\"memory.embeddings\" [2, 2], expected "
                                     "\"memory.embeddings\" [4, 2]"));
  EXPECT_THAT(large.LoadState({}).message(), HasSubstr("0 tensors, expected 3"));
}

TEST(CrossBatchMemoryTest, ABatchLargerThanTheMemoryAborts) {
  CrossBatchMemory m(2, 1);
  EXPECT_DEATH(m.Enqueue(Rows({1, 2, 3}), {0, 0, 0}), "enqueue \\[3, 1\\] with 3 labels");
}

}  // namespace
}  // namespace siamese
