// MpiWorldCommunicator under mpirun (mpi_communicator_test.sh runs it on 2
// and 3 ranks): the collectives of communicator.h, with the same contract
// as the in-process backend. Every rank runs every test; a failure on any
// rank fails mpirun.
#include "framework/distributed/mpi_communicator.h"

#include <numeric>
#include <vector>

#include "gtest/gtest.h"

namespace siamese {
namespace {

Communicator* comm = nullptr;

std::vector<int64_t> Counts(int ranks) {  // uneven: rank r has r + 1 values
  std::vector<int64_t> c(ranks);
  std::iota(c.begin(), c.end(), 1);
  return c;
}

TEST(MpiCommunicatorTest, WorldHasTheLaunchedRanks) {
  const char* expected = std::getenv("SIAMESE_EXPECT_RANKS");
  ASSERT_NE(expected, nullptr);
  EXPECT_EQ(comm->size(), std::atoi(expected));
}

TEST(MpiCommunicatorTest, AllReduceSumsInRankOrder) {
  const int n = comm->size();
  // 1e8 on rank 0 and 1 elsewhere: the float sum depends on the order.
  std::vector<float> v(1001);
  for (size_t i = 0; i < v.size(); ++i) v[i] = comm->rank() == 0 ? 1e8f : 1.0f + i;
  comm->AllReduceSum(v.data(), static_cast<int64_t>(v.size()));
  for (size_t i = 0; i < v.size(); ++i) {
    float expected = 1e8f;
    for (int r = 1; r < n; ++r) expected += 1.0f + i;
    ASSERT_EQ(v[i], expected) << "element " << i;
  }
}

TEST(MpiCommunicatorTest, AllGatherAndReduceScatter) {
  const int n = comm->size();
  const std::vector<int64_t> counts = Counts(n);
  const int64_t total = std::accumulate(counts.begin(), counts.end(), int64_t{0});
  std::vector<float> mine(counts[comm->rank()]);
  for (size_t i = 0; i < mine.size(); ++i) mine[i] = 100.0f * comm->rank() + i;
  std::vector<float> all(total);
  comm->AllGather(mine.data(), counts, all.data());
  int64_t k = 0;
  for (int r = 0; r < n; ++r) {
    for (int64_t i = 0; i < counts[r]; ++i) EXPECT_EQ(all[k++], 100.0f * r + i);
  }
  std::vector<float> y(total);
  for (int64_t i = 0; i < total; ++i) y[i] = (comm->rank() + 1) * (i + 1);
  std::vector<float> block(counts[comm->rank()]);
  comm->ReduceScatterSum(y.data(), counts, block.data());
  const int64_t offset =
      std::accumulate(counts.begin(), counts.begin() + comm->rank(), int64_t{0});
  for (size_t i = 0; i < block.size(); ++i) {
    EXPECT_EQ(block[i], n * (n + 1) / 2.0f * (offset + i + 1));
  }
}

TEST(MpiCommunicatorTest, BroadcastAndBarrier) {
  const int root = comm->size() - 1;
  std::vector<float> v = {static_cast<float>(comm->rank()), 7.0f};
  comm->Broadcast(v.data(), 2, root);
  EXPECT_EQ(v, (std::vector<float>{static_cast<float>(root), 7.0f}));
  comm->Barrier();
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto world = siamese::MpiWorldCommunicator();
  if (!world.ok()) {
    std::fprintf(stderr, "%s\n", std::string(world.status().message()).c_str());
    return 1;
  }
  siamese::comm = world->get();
  // Only rank 0 prints; every rank's result decides the exit code.
  if (siamese::comm->rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int rc = RUN_ALL_TESTS();
  float failed = rc != 0 ? 1.0f : 0.0f;
  siamese::comm->AllReduceSum(&failed, 1);
  return failed > 0 ? 1 : 0;
}
