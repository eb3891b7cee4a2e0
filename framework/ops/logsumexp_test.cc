#include "framework/ops/logsumexp.h"

#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// Row 1 keeps nothing; the others keep about half their entries.
std::vector<char> TestMask(int64_t n, int64_t m) {
  std::vector<char> mask(n * m);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) mask[i * m + j] = i != 1 && (i + 2 * j) % 3 != 0;
  return mask;
}

TEST(MaskedLogSumExpTest, HandComputedRows) {
  // Row 0 keeps {0, log 3}: log(1 + 3) = log 4, and log(1 + 1 + 3) = log 5
  // with add_one. Row 1 keeps nothing: 0 either way.
  Tensor x = Tensor::FromVector({2, 3}, {0.0f, std::log(3.0f), 7.0f, 1.0f, 2.0f, 3.0f});
  const std::vector<char> mask = {1, 1, 0, 0, 0, 0};
  Tensor y = MaskedLogSumExp(Variable(x), mask, false).value();
  EXPECT_NEAR(y.data()[0], std::log(4.0f), 1e-6);
  EXPECT_EQ(y.data()[1], 0.0f);
  Tensor y1 = MaskedLogSumExp(Variable(x), mask, true).value();
  EXPECT_NEAR(y1.data()[0], std::log(5.0f), 1e-6);
  EXPECT_EQ(y1.data()[1], 0.0f);
}

TEST(MaskedLogSumExpTest, MatchesDoublePrecisionReference) {
  const int64_t n = 4, m = 6;
  Tensor x = RandomTensor({n, m}, 3, -4.0f, 4.0f);
  const std::vector<char> mask = TestMask(n, m);
  for (bool add_one : {false, true}) {
    Tensor y = MaskedLogSumExp(Variable(x), mask, add_one).value();
    for (int64_t i = 0; i < n; ++i) {
      double sum = add_one ? 1.0 : 0.0;
      bool any = false;
      for (int64_t j = 0; j < m; ++j) {
        if (!mask[i * m + j]) continue;
        any = true;
        sum += std::exp(static_cast<double>(x.data()[i * m + j]));
      }
      EXPECT_NEAR(y.data()[i], any ? std::log(sum) : 0.0, 1e-5) << i << " " << add_one;
    }
  }
}

TEST(MaskedLogSumExpTest, LargeValuesDoNotOverflow) {
  // exp(100 * 50) overflows float and double; the shifted form does not.
  Tensor x = Tensor::FromVector({1, 2}, {5000.0f, 5000.0f});
  Tensor y = MaskedLogSumExp(Variable(x), {1, 1}, true).value();
  EXPECT_NEAR(y.data()[0], 5000.0f + std::log(2.0f), 1e-2);
  Tensor small = Tensor::FromVector({1, 2}, {-5000.0f, -5000.0f});
  EXPECT_NEAR(MaskedLogSumExp(Variable(small), {1, 1}, true).value().data()[0], 0.0f, 1e-6);
}

TEST(MaskedLogSumExpTest, GradientsMatchFiniteDifferences) {
  const int64_t n = 4, m = 6;
  const std::vector<char> mask = TestMask(n, m);
  GradCheckOptions options;
  options.eps = 1e-3f;
  for (bool add_one : {false, true}) {
    EXPECT_TRUE(CheckGradients(
        [&](const std::vector<Variable>& in) { return MaskedLogSumExp(in[0], mask, add_one); },
        {Variable(RandomTensor({n, m}, 5, -2.0f, 2.0f), true)}, options));
  }
}

}  // namespace
}  // namespace siamese
