#include "framework/tensor/parallel.h"

#include <atomic>
#include <vector>

#include "framework/tensor/dnnl_context.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

class ParallelTest : public ::testing::Test {
 protected:
  void TearDown() override { SetNumThreads(threads_); }
  const int threads_ = NumThreads();
};

TEST_F(ParallelTest, RowChunksCoverTheRowsInOrder) {
  for (int threads : {1, 2, 3, 8}) {
    SetNumThreads(threads);
    for (int64_t rows : {1, 2, 7, 256, 1000}) {
      for (int64_t work : {1, 1000, 100000}) {
        const auto chunks = RowChunks(rows, work);
        ASSERT_FALSE(chunks.empty());
        EXPECT_EQ(chunks.front().first, 0);
        EXPECT_EQ(chunks.back().second, rows);
        for (size_t k = 0; k < chunks.size(); ++k) {
          EXPECT_LT(chunks[k].first, chunks[k].second) << "empty chunk " << k;
          if (k > 0) EXPECT_EQ(chunks[k].first, chunks[k - 1].second);
        }
        EXPECT_LE(static_cast<int64_t>(chunks.size()), 4 * threads);
        if (threads == 1 || rows * work < MinParallelWork()) EXPECT_EQ(chunks.size(), 1u);
      }
    }
  }
  EXPECT_TRUE(RowChunks(0, 100).empty());
}

TEST_F(ParallelTest, ALowerThresholdSplitsSmallLoops) {
  SetNumThreads(2);
  EXPECT_EQ(RowChunks(64, 1).size(), 1u);
  SetMinParallelWork(1);
  EXPECT_EQ(RowChunks(64, 1).size(), 8u);
  EXPECT_EQ(RowChunks(3, 1).size(), 3u);
  SetMinParallelWork(kMinParallelWork);
  EXPECT_EQ(RowChunks(64, 1).size(), 1u);
}

TEST_F(ParallelTest, ParallelForRunsEachIndexOnce) {
  for (int threads : {1, 2, 4}) {
    SetNumThreads(threads);
    std::vector<std::atomic<int>> hits(1000);
    ParallelFor(1000, [&](int64_t i) { hits[i]++; });
    for (size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << i;
    std::vector<int> seen(3000, 0);
    ParallelRows(3000, 1000, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) seen[r]++;
    });
    for (size_t r = 0; r < seen.size(); ++r) ASSERT_EQ(seen[r], 1) << r;
  }
}

}  // namespace
}  // namespace siamese
