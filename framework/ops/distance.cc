#include "framework/ops/distance.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "framework/ops/elementwise.h"
#include "framework/ops/linear.h"
#include "framework/ops/op_util.h"

namespace siamese {
namespace {

// x . y over n floats, in double with four partial sums.
inline double Dot(const float* x, const float* y, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += static_cast<double>(x[k]) * y[k];
    s1 += static_cast<double>(x[k + 1]) * y[k + 1];
    s2 += static_cast<double>(x[k + 2]) * y[k + 2];
    s3 += static_cast<double>(x[k + 3]) * y[k + 3];
  }
  for (; k < n; ++k) s0 += static_cast<double>(x[k]) * y[k];
  return (s0 + s1) + (s2 + s3);
}

// x[0] + ... + x[n - 1], in double with four partial sums.
inline double Sum(const float* x, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += x[k];
    s1 += x[k + 1];
    s2 += x[k + 2];
    s3 += x[k + 3];
  }
  for (; k < n; ++k) s0 += x[k];
  return (s0 + s1) + (s2 + s3);
}

// ||x_i||^2 for the rows of a plain [N, D] tensor.
std::vector<float> RowSquaredNorms(const Tensor& x) {
  const int64_t n = x.dim(0), d = x.dim(1);
  std::vector<float> out(n);
  for (int64_t i = 0; i < n; ++i) {
    const float* row = x.data() + i * d;
    out[i] = static_cast<float>(Dot(row, row, d));
  }
  return out;
}

// a . b^T (or its variants) on plain tensors, through the MatMul op on
// leaves that record nothing.
Tensor Gemm(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  return MatMul(Variable(a), Variable(b), ta, tb).value();
}

void CheckPairwise(const char* op, const Variable& a, const Variable& b) {
  SIAMESE_CHECK(a.rank() == 2 && b.rank() == 2 && a.dim(1) == b.dim(1))
      << op << ": a " << a.value().ShapeString() << " and b " << b.value().ShapeString()
      << " must be [N, D] and [M, D]";
}

enum class Metric { kSquared, kEuclidean };

// dL/ds_ij, where s is the unclamped squared distance, from g = dL/dd and
// the forward's output d.
Tensor LocalGradient(Metric metric, const Tensor& d, const Tensor& g, float eps) {
  Tensor out = Tensor::Empty(d.shape());
  const float* pd = d.data();
  const float* pg = g.data();
  float* po = out.data();
  const int64_t n = d.numel();
  // Both sides of each select are computed unconditionally so that the
  // loops vectorize (a masked-out 1 / 0 is discarded, never trapped).
  if (metric == Metric::kSquared) {
    for (int64_t i = 0; i < n; ++i) {
      const float g_i = pg[i];
      po[i] = pd[i] > 0.0f ? g_i : 0.0f;
    }
  } else {
    // d == sqrt(eps) exactly (bit for bit) wherever max(s, eps) chose eps.
    const float floor = std::sqrt(eps);
    for (int64_t i = 0; i < n; ++i) {
      const float v = 0.5f * pg[i] / pd[i];
      po[i] = pd[i] > floor ? v : 0.0f;
    }
  }
  return out;
}

// With G = dL/ds (N x M):  dL/da_i = 2 (sum_j G_ij) a_i - 2 (G b)_i and
// dL/db_j = 2 (sum_i G_ij) b_j - 2 (G^T a)_j. When a and b are one Variable
// the two add up to 2 (rowsum(S))_i a_i - 2 (S a)_i with S = G + G^T: one
// GEMM instead of two.
void PairwiseBackward(const Variable& a, const Variable& b, const Tensor& av, const Tensor& bv,
                      const Tensor& G) {
  const int64_t n = G.dim(0), m = G.dim(1), dim = av.dim(1);
  const float* pg = G.data();
  // out = 2 * (sums[i] * x_i - prod_i), in place on the GEMM result prod.
  auto combine = [dim](Tensor prod, const std::vector<double>& sums, const Tensor& x) {
    float* pp = prod.data();
    const float* px = x.data();
    for (size_t i = 0; i < sums.size(); ++i) {
      const float s = static_cast<float>(sums[i]);
      for (int64_t k = 0; k < dim; ++k) {
        pp[i * dim + k] = 2.0f * (s * px[i * dim + k] - pp[i * dim + k]);
      }
    }
    return prod;
  };
  std::vector<double> row_sums(n);
  if (a.SameAs(b)) {
    // S = G + G^T in 32 x 32 tiles (G^T is read column-wise); S is
    // symmetric, so its row sums are rowsum(G) + colsum(G).
    Tensor s = Tensor::Empty({n, n});
    float* ps = s.data();
    constexpr int64_t kTile = 32;
    for (int64_t i0 = 0; i0 < n; i0 += kTile) {
      const int64_t i1 = std::min(n, i0 + kTile);
      for (int64_t j0 = 0; j0 < n; j0 += kTile) {
        const int64_t j1 = std::min(n, j0 + kTile);
        for (int64_t i = i0; i < i1; ++i) {
          for (int64_t j = j0; j < j1; ++j) ps[i * n + j] = pg[i * n + j] + pg[j * n + i];
        }
      }
    }
    for (int64_t i = 0; i < n; ++i) row_sums[i] = Sum(ps + i * n, n);
    a.AccumulateGrad(combine(Gemm(s, av, false, false), row_sums, av));
    return;
  }
  std::vector<double> col_sums(m, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    const float* gr = pg + i * m;
    row_sums[i] = Sum(gr, m);
    for (int64_t j = 0; j < m; ++j) col_sums[j] += gr[j];
  }
  if (a.requires_grad()) a.AccumulateGrad(combine(Gemm(G, bv, false, false), row_sums, av));
  if (b.requires_grad()) b.AccumulateGrad(combine(Gemm(G, av, true, false), col_sums, bv));
}

Variable Pairwise(const char* op, Metric metric, const Variable& a, const Variable& b, float eps) {
  CheckPairwise(op, a, b);
  const Tensor& a_in = a.value();
  const Tensor& b_in = b.value();
  // Same values: the same Variable or tensors sharing storage and layout.
  const bool same = a.SameAs(b) || (a_in.raw() == b_in.raw() && a_in.shape() == b_in.shape() &&
                                    a_in.desc() == b_in.desc());
  const Tensor av = a_in.ToPlain();
  const Tensor bv = same ? av : b_in.ToPlain();
  const std::vector<float> na = RowSquaredNorms(av);
  const std::vector<float> nb = same ? na : RowSquaredNorms(bv);
  const int64_t n = av.dim(0), m = bv.dim(0);
  // d starts as a . b^T and is overwritten row by row.
  Tensor d = Gemm(av, bv, false, true);
  float* pd = d.data();
  for (int64_t i = 0; i < n; ++i) {
    float* row = pd + i * m;
    const float ni = na[i];
    if (metric == Metric::kSquared) {
      for (int64_t j = 0; j < m; ++j) row[j] = std::max(ni + nb[j] - 2.0f * row[j], 0.0f);
      if (same) row[i] = 0.0f;
    } else {
      for (int64_t j = 0; j < m; ++j) row[j] = std::sqrt(std::max(ni + nb[j] - 2.0f * row[j], eps));
      if (same) row[i] = std::sqrt(eps);
    }
  }
  return RecordOp(op, {a, b}, d, [a, b, av, bv, d, metric, eps](const Tensor& g) {
    PairwiseBackward(a, b, av, bv, LocalGradient(metric, d, g.ToPlain(), eps));
  });
}

}  // namespace

Variable L2Normalize(const Variable& x, float eps) {
  SIAMESE_CHECK(x.rank() >= 1) << "l2_normalize: input " << x.value().ShapeString()
                               << " has no axis to normalize";
  SIAMESE_CHECK(eps > 0.0f) << "l2_normalize: eps " << eps << " must be > 0";
  const Tensor xv = x.value().ToPlain();
  const int64_t dim = x.dim(-1);
  const int64_t rows = dim > 0 ? xv.numel() / dim : 0;
  Tensor y = Tensor::Empty(xv.shape());
  // Per row: 1 / max(||x_i||, eps) and whether eps was the larger.
  struct RowScale {
    float inv;
    bool clamped;
  };
  auto scales = std::make_shared<std::vector<RowScale>>(rows);
  const float* px = xv.data();
  float* py = y.data();
  for (int64_t i = 0; i < rows; ++i) {
    const float* xr = px + i * dim;
    const double norm = std::sqrt(Dot(xr, xr, dim));
    const bool clamped = !(norm > eps);
    const float r = static_cast<float>(1.0 / (clamped ? static_cast<double>(eps) : norm));
    (*scales)[i] = {r, clamped};
    for (int64_t k = 0; k < dim; ++k) py[i * dim + k] = xr[k] * r;
  }
  return RecordOp("l2_normalize", {x}, y, [x, y, scales, dim](const Tensor& g_any) {
    const Tensor g = g_any.ToPlain();
    Tensor dx = Tensor::Empty(g.shape());
    const float* pg = g.data();
    const float* py = y.data();
    float* pdx = dx.data();
    for (size_t i = 0; i < scales->size(); ++i) {
      const float* gr = pg + i * dim;
      const float* yr = py + i * dim;
      float* dr = pdx + i * dim;
      const float r = (*scales)[i].inv;
      if ((*scales)[i].clamped) {  // y = x / eps is linear in x
        for (int64_t k = 0; k < dim; ++k) dr[k] = r * gr[k];
      } else {  // (I - y y^T) g / ||x||
        const float yg = static_cast<float>(Dot(yr, gr, dim));
        for (int64_t k = 0; k < dim; ++k) dr[k] = r * (gr[k] - yr[k] * yg);
      }
    }
    x.AccumulateGrad(dx);
  });
}

Variable PairwiseSquaredEuclidean(const Variable& a, const Variable& b) {
  return Pairwise("pairwise_squared_euclidean", Metric::kSquared, a, b, 0.0f);
}

Variable PairwiseEuclidean(const Variable& a, const Variable& b, float eps) {
  SIAMESE_CHECK(eps >= 0.0f) << "pairwise_euclidean: eps " << eps << " must be >= 0";
  return Pairwise("pairwise_euclidean", Metric::kEuclidean, a, b, eps);
}

Variable PairwiseCosineSimilarity(const Variable& a, const Variable& b, float eps) {
  CheckPairwise("pairwise_cosine_similarity", a, b);
  const Variable an = L2Normalize(a, eps);
  const Variable bn = a.SameAs(b) ? an : L2Normalize(b, eps);
  return MatMul(an, bn, false, true);
}

Variable PairwiseCosineDistance(const Variable& a, const Variable& b, float eps) {
  CheckPairwise("pairwise_cosine_distance", a, b);
  return RSubScalar(PairwiseCosineSimilarity(a, b, eps), 1.0f);
}

}  // namespace siamese
