// Data-parallel equivalence: N in-process ranks, each embedding its share of
// a global batch and computing the loss on the gathered batch, end with the
// one-process gradient of that loss on the concatenated batch.
#include "framework/distributed/gather.h"

#include <vector>

#include "framework/autograd/gradient_check.h"
#include "framework/ops/ops.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

constexpr int64_t kRows = 7, kIn = 5, kOut = 4;

Tensor Rows(const Tensor& t, int64_t begin, int64_t count) {
  std::vector<float> v = t.ToVector();
  const int64_t w = t.numel() / t.dim(0);
  return Tensor::FromVector({count, w},
                            std::vector<float>(v.begin() + begin * w, v.begin() + (begin + count) * w));
}

// A loss that mixes every pair of rows (as pair and triplet losses do):
// sum_ij m_ij (e_i . e_j)^2.
Variable PairLoss(const Variable& e, const Tensor& m) {
  return SumAll(Mul(Square(MatMul(e, e, false, true)), Variable(m)));
}

class GatherTest : public ::testing::TestWithParam<int> {};

TEST_P(GatherTest, GradientOnRanksEqualsOneProcessGradient) {
  const int n = GetParam();
  const Tensor x = RandomTensor({kRows, kIn}, 1), w = RandomTensor({kOut, kIn}, 2);
  const Tensor m = RandomTensor({kRows, kRows}, 3);
  Variable w_ref(w.Clone(), true);
  Variable loss_ref = PairLoss(Linear(Variable(x), w_ref, Variable()), m);
  loss_ref.Backward();

  const std::vector<int64_t> rows = RowsPerRank(kRows, n);
  std::vector<float> losses(n);
  std::vector<Tensor> grads(n);
  RunOnInProcessRanks(n, [&](Communicator& c) {
      const int r = c.rank();
      Communicator* comm = &c;
      int64_t begin = 0;
      for (int q = 0; q < r; ++q) begin += rows[q];
      Variable w_r(w.Clone(), true);
      Variable local = Linear(Variable(Rows(x, begin, rows[r])), w_r, Variable());
      Variable loss = PairLoss(GatherRows(local, rows, comm), m);
      loss.Backward();
      AllReduceGradients({w_r}, comm);
      losses[r] = loss.value().item();
      grads[r] = w_r.grad().ToPlain();
  });
  for (int r = 0; r < n; ++r) {
    EXPECT_NEAR(losses[r], loss_ref.value().item(), 1e-4f * std::abs(loss_ref.value().item()));
    EXPECT_TRUE(TensorsNear(grads[r], w_ref.grad().ToPlain(), 1e-4f, 1e-5f)) << "rank " << r;
    // Every rank holds the same bits (rank-order sums).
    EXPECT_EQ(grads[r].ToVector(), grads[0].ToVector()) << "rank " << r;
  }
}

TEST_P(GatherTest, LabelsGatheredInRankOrder) {
  const int n = GetParam();
  const std::vector<int64_t> rows = RowsPerRank(kRows, n);
  std::vector<std::vector<int64_t>> got(n);
  RunOnInProcessRanks(n, [&](Communicator& c) {
    std::vector<int64_t> mine;
    for (int64_t i = 0; i < rows[c.rank()]; ++i) mine.push_back(10 * c.rank() + i);
    got[c.rank()] = GatherLabels(mine, rows, &c);
  });
  std::vector<int64_t> expected;
  for (int r = 0; r < n; ++r) {
    for (int64_t i = 0; i < rows[r]; ++i) expected.push_back(10 * r + i);
  }
  for (int r = 0; r < n; ++r) EXPECT_EQ(got[r], expected);
}

INSTANTIATE_TEST_SUITE_P(Ranks, GatherTest, ::testing::Values(1, 2, 3));

TEST(RowsPerRankTest, FirstRanksTakeTheRemainder) {
  EXPECT_EQ(RowsPerRank(7, 3), (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(RowsPerRank(6, 3), (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(RowsPerRank(2, 3), (std::vector<int64_t>{1, 1, 0}));
}

}  // namespace
}  // namespace siamese
