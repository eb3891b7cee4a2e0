#include "framework/distributed/communicator.h"

#include <numeric>
#include <vector>

#include "gtest/gtest.h"

namespace siamese {
namespace {

std::vector<int64_t> Counts(int ranks) {  // uneven: rank r has r + 1 values
  std::vector<int64_t> c(ranks);
  std::iota(c.begin(), c.end(), 1);
  return c;
}

class CommunicatorTest : public ::testing::TestWithParam<int> {};

TEST_P(CommunicatorTest, AllReduceSumsInRankOrderOnEveryRank) {
  const int n = GetParam();
  std::vector<std::vector<float>> got(n);
  RunOnInProcessRanks(n, [&](Communicator& c) {
    EXPECT_EQ(c.size(), n);
    // Element 0: 1e8 on rank 0, 1 on every other rank, so the float sum
    // depends on the order; rank order gives ((1e8 + 1) + 1) ... = 1e8.
    std::vector<float> v = {c.rank() == 0 ? 1e8f : 1.0f, static_cast<float>(c.rank() + 1)};
    c.AllReduceSum(v.data(), 2);
    got[c.rank()] = v;
  });
  float first = 1e8f;
  for (int r = 1; r < n; ++r) first += 1.0f;
  for (int r = 0; r < n; ++r) {
    EXPECT_EQ(got[r][0], first) << "rank " << r;
    EXPECT_EQ(got[r][1], n * (n + 1) / 2.0f) << "rank " << r;
  }
}

TEST_P(CommunicatorTest, AllGatherConcatenatesInRankOrder) {
  const int n = GetParam();
  const std::vector<int64_t> counts = Counts(n);
  const int64_t total = std::accumulate(counts.begin(), counts.end(), int64_t{0});
  std::vector<std::vector<float>> got(n);
  RunOnInProcessRanks(n, [&](Communicator& c) {
    std::vector<float> mine(counts[c.rank()]);
    for (size_t i = 0; i < mine.size(); ++i) mine[i] = 100.0f * c.rank() + i;
    std::vector<float> all(total);
    c.AllGather(mine.data(), counts, all.data());
    got[c.rank()] = all;
  });
  std::vector<float> expected;
  for (int r = 0; r < n; ++r) {
    for (int64_t i = 0; i < counts[r]; ++i) expected.push_back(100.0f * r + i);
  }
  for (int r = 0; r < n; ++r) EXPECT_EQ(got[r], expected) << "rank " << r;
}

TEST_P(CommunicatorTest, ReduceScatterIsTheAdjointOfAllGather) {
  // Rank r's block of the summed gradient is the gradient of its gathered
  // rows: sum_r <x_r, RS(y)_r> = sum_r <AG(x), y_r>.
  const int n = GetParam();
  const std::vector<int64_t> counts = Counts(n);
  const int64_t total = std::accumulate(counts.begin(), counts.end(), int64_t{0});
  std::vector<std::vector<float>> got(n);
  RunOnInProcessRanks(n, [&](Communicator& c) {
    std::vector<float> y(total);
    for (int64_t i = 0; i < total; ++i) y[i] = (c.rank() + 1) * (i + 1);
    std::vector<float> mine(counts[c.rank()]);
    c.ReduceScatterSum(y.data(), counts, mine.data());
    got[c.rank()] = mine;
  });
  int64_t offset = 0;
  const float rank_sum = n * (n + 1) / 2.0f;
  for (int r = 0; r < n; ++r) {
    ASSERT_EQ(static_cast<int64_t>(got[r].size()), counts[r]);
    for (int64_t i = 0; i < counts[r]; ++i) {
      EXPECT_EQ(got[r][i], rank_sum * (offset + i + 1)) << "rank " << r << " element " << i;
    }
    offset += counts[r];
  }
}

TEST_P(CommunicatorTest, BroadcastAndBarrier) {
  const int n = GetParam();
  const int root = n - 1;
  std::vector<std::vector<float>> got(n);
  std::vector<int> before(n, 0);
  RunOnInProcessRanks(n, [&](Communicator& c) {
    std::vector<float> v = {static_cast<float>(c.rank()), -1.0f};
    c.Broadcast(v.data(), 2, root);
    got[c.rank()] = v;
    before[c.rank()] = 1;
    c.Barrier();
    // After the barrier every rank has written its flag.
    for (int r = 0; r < n; ++r) EXPECT_EQ(before[r], 1);
  });
  for (int r = 0; r < n; ++r) EXPECT_EQ(got[r], (std::vector<float>{float(root), -1.0f}));
}

TEST_P(CommunicatorTest, ManyCollectivesInARowStayInStep) {
  const int n = GetParam();
  std::vector<float> last(n);
  RunOnInProcessRanks(n, [&](Communicator& c) {
    float acc = 0;
    for (int step = 0; step < 200; ++step) {
      float v = static_cast<float>(c.rank() + step);
      c.AllReduceSum(&v, 1);
      acc += v;
    }
    last[c.rank()] = acc;
  });
  float expected = 0;
  for (int step = 0; step < 200; ++step) expected += n * step + n * (n - 1) / 2.0f;
  for (int r = 0; r < n; ++r) EXPECT_EQ(last[r], expected);
}

INSTANTIATE_TEST_SUITE_P(Ranks, CommunicatorTest, ::testing::Values(1, 2, 3, 4));

TEST(SingleProcessCommunicatorTest, CollectivesAreCopies) {
  auto c = SingleProcessCommunicator();
  EXPECT_EQ(c->rank(), 0);
  EXPECT_EQ(c->size(), 1);
  std::vector<float> v = {1, 2, 3}, out(3);
  c->AllReduceSum(v.data(), 3);
  EXPECT_EQ(v, (std::vector<float>{1, 2, 3}));
  c->AllGather(v.data(), {3}, out.data());
  EXPECT_EQ(out, v);
  c->ReduceScatterSum(v.data(), {3}, out.data());
  EXPECT_EQ(out, v);
  c->Broadcast(v.data(), 3, 0);
  c->Barrier();
}

TEST(CommunicatorDeathTest, MismatchedCountsNameTheOp) {
  auto c = SingleProcessCommunicator();
  std::vector<float> v(4), out(4);
  EXPECT_DEATH(c->AllGather(v.data(), {2, 2}, out.data()), "all_gather: 2 counts for 1 ranks");
  EXPECT_DEATH(c->Broadcast(v.data(), 4, 1), "broadcast: root 1 of 1 rank");
}

}  // namespace
}  // namespace siamese
