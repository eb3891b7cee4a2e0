#include "framework/distributed/collectives.h"

#include <string>

#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(BroadcastBytesTest, EveryRankGetsTheRootsBytesWhateverTheirLengthAndContent) {
  // Lengths that are and are not whole words; bytes that would be NaN or
  // denormal floats.
  for (const std::string& payload :
       {std::string(), std::string("a"), std::string("abcd"), std::string("\xff\xff\xff\x7f\x01", 5),
        std::string(10001, '\0') + "end"}) {
    for (int root : {0, 1}) {
      RunOnInProcessRanks(3, [&](Communicator& comm) {
        std::string bytes = comm.rank() == root ? payload : std::string("stale on other ranks");
        BroadcastBytes(comm, &bytes, root);
        EXPECT_EQ(bytes, payload) << "rank " << comm.rank() << " root " << root;
      });
    }
  }
}

TEST(AnyRankTest, TrueEverywhereWhenTrueOnOneRank) {
  RunOnInProcessRanks(3, [](Communicator& comm) {
    EXPECT_FALSE(AnyRank(comm, false));
    EXPECT_TRUE(AnyRank(comm, comm.rank() == 2));
    EXPECT_TRUE(AnyRank(comm, true));
  });
}

TEST(TimedCommunicatorTest, ForwardsAndCountsTime) {
  RunOnInProcessRanks(2, [](Communicator& comm) {
    TimedCommunicator timed(&comm);
    EXPECT_EQ(timed.size(), 2);
    EXPECT_EQ(timed.rank(), comm.rank());
    float x = static_cast<float>(comm.rank() + 1);
    timed.AllReduceSum(&x, 1);
    EXPECT_EQ(x, 3.0f);
    timed.Barrier();
    EXPECT_GT(timed.seconds(), 0.0);
  });
}

}  // namespace
}  // namespace siamese
