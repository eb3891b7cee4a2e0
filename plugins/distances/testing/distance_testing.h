// Checks shared by the distance plugins' tests.
#ifndef SIAMESE_PLUGINS_DISTANCES_TESTING_DISTANCE_TESTING_H_
#define SIAMESE_PLUGINS_DISTANCES_TESTING_DISTANCE_TESTING_H_

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "framework/autograd/gradient_check.h"
#include "framework/autograd/variable.h"
#include "framework/core/distance.h"
#include "gtest/gtest.h"

namespace siamese {
namespace distance_testing {

// The distance registered as `name` (fails the test if there is none).
inline Distance Named(const std::string& name) {
  auto d = Distance::FromName(name);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *d : Distance::Euclidean();
}

// d(a_i, b_j) by the double-precision reference formula.
inline double Reference(const Distance& d, const Tensor& a, int64_t i, const Tensor& b,
                        int64_t j) {
  const int64_t dim = a.dim(1);
  std::vector<double> x(a.data() + i * dim, a.data() + (i + 1) * dim);
  std::vector<double> y(b.data() + j * dim, b.data() + (j + 1) * dim);
  return d.function().Pair(x.data(), y.data(), dim);
}

// Matrix(a, b), Paired(a, b') (b' = b's first rows), evaluation's Block
// (whole, and one row at a time) and RankingBlock's order agree with Pair,
// within tol relative (at least tol absolute). a, b: plain [N, D], [M, D].
inline void ExpectFormsAgree(const Distance& d, const Tensor& a, const Tensor& b,
                             double tol = 1e-5) {
  const int64_t n = a.dim(0), m = b.dim(0);
  auto near = [tol](double got, double want) {
    return std::fabs(got - want) <= tol * std::max(1.0, std::fabs(want));
  };
  const std::vector<float> matrix = d.Matrix(Variable(a), Variable(b)).value().ToVector();
  auto pa = d.function().Prepare(a);
  auto pb = d.function().Prepare(b);
  ASSERT_TRUE(pa.ok()) << pa.status();
  ASSERT_TRUE(pb.ok()) << pb.status();
  std::vector<float> block(n * m), ranking(n * m), row(m);
  d.function().Block(**pa, 0, n, **pb, block.data());
  d.function().RankingBlock(**pa, 0, n, **pb, ranking.data());
  for (int64_t i = 0; i < n; ++i) {
    d.function().Block(**pa, i, 1, **pb, row.data());
    for (int64_t j = 0; j < m; ++j) {
      const double want = Reference(d, a, i, b, j);
      EXPECT_TRUE(near(matrix[i * m + j], want))
          << d.name() << " Matrix(" << i << ", " << j << ") " << matrix[i * m + j] << " vs "
          << want;
      EXPECT_TRUE(near(block[i * m + j], want))
          << d.name() << " Block(" << i << ", " << j << ") " << block[i * m + j] << " vs " << want;
      EXPECT_EQ(row[j], block[i * m + j]) << "a block of one row differs at " << i << ", " << j;
      for (int64_t k = 0; k < m; ++k) {
        if (ranking[i * m + j] < ranking[i * m + k]) {
          EXPECT_LE(block[i * m + j], block[i * m + k]) << "RankingBlock misorders row " << i;
        }
      }
    }
  }
  const int64_t rows = std::min(n, m);
  const Tensor a_rows = Tensor::FromVector(
      {rows, a.dim(1)}, std::vector<float>(a.data(), a.data() + rows * a.dim(1)));
  const Tensor b_rows = Tensor::FromVector(
      {rows, b.dim(1)}, std::vector<float>(b.data(), b.data() + rows * b.dim(1)));
  const std::vector<float> paired = d.Paired(Variable(a_rows), Variable(b_rows)).value().ToVector();
  ASSERT_EQ(static_cast<int64_t>(paired.size()), rows);
  for (int64_t i = 0; i < rows; ++i) {
    EXPECT_TRUE(near(paired[i], Reference(d, a, i, b, i)))
        << d.name() << " Paired(" << i << ") " << paired[i] << " vs " << Reference(d, a, i, b, i);
  }
}

// Finite-difference checks of Matrix (two inputs, one of them, the same
// Variable for both) and Paired.
inline void ExpectGradients(const Distance& d, const Tensor& a, const Tensor& b) {
  auto matrix = [&](const std::vector<Variable>& in) { return d.Matrix(in[0], in[1]); };
  EXPECT_TRUE(CheckGradients(matrix, {Variable(a.Clone(), true), Variable(b.Clone(), true)}))
      << d.name() << " Matrix(a, b)";
  EXPECT_TRUE(CheckGradients(matrix, {Variable(a.Clone(), false), Variable(b.Clone(), true)}))
      << d.name() << " Matrix(a, b), b only";
  EXPECT_TRUE(CheckGradients([&](const std::vector<Variable>& in) { return d.Matrix(in[0], in[0]); },
                             {Variable(a.Clone(), true)}))
      << d.name() << " Matrix(a, a)";
  const int64_t rows = std::min(a.dim(0), b.dim(0));
  const Tensor a_rows = Tensor::FromVector(
      {rows, a.dim(1)}, std::vector<float>(a.data(), a.data() + rows * a.dim(1)));
  const Tensor b_rows = Tensor::FromVector(
      {rows, b.dim(1)}, std::vector<float>(b.data(), b.data() + rows * b.dim(1)));
  EXPECT_TRUE(CheckGradients([&](const std::vector<Variable>& in) { return d.Paired(in[0], in[1]); },
                             {Variable(a_rows, true), Variable(b_rows, true)}))
      << d.name() << " Paired";
}

}  // namespace distance_testing
}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DISTANCES_TESTING_DISTANCE_TESTING_H_
