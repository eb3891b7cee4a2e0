#include "framework/distributed/gather.h"

#include <algorithm>

#include "framework/base/check.h"

namespace siamese {
namespace {

// Elements per row of x (product of its trailing dims).
int64_t RowWidth(const Shape& shape) {
  int64_t w = 1;
  for (size_t i = 1; i < shape.size(); ++i) w *= shape[i];
  return w;
}

std::vector<int64_t> Scaled(const std::vector<int64_t>& rows, int64_t width) {
  std::vector<int64_t> out(rows);
  for (int64_t& v : out) v *= width;
  return out;
}

}  // namespace

std::vector<int64_t> RowsPerRank(int64_t rows, int size) {
  SIAMESE_CHECK(size >= 1 && rows >= 0) << "RowsPerRank: " << rows << " rows over " << size
                                        << " ranks";
  std::vector<int64_t> out(size, rows / size);
  for (int64_t r = 0; r < rows % size; ++r) ++out[r];
  return out;
}

Variable GatherRows(const Variable& x, const std::vector<int64_t>& rows_per_rank,
                    Communicator* comm) {
  const Shape& shape = x.shape();
  SIAMESE_CHECK(!shape.empty() && static_cast<int>(rows_per_rank.size()) == comm->size() &&
                rows_per_rank[comm->rank()] == shape[0])
      << "gather_rows: x " << ShapeToString(shape) << " on rank " << comm->rank() << " of "
      << comm->size() << " with " << rows_per_rank.size() << " row counts";
  const int64_t width = RowWidth(shape);
  int64_t total = 0;
  for (int64_t r : rows_per_rank) total += r;
  Shape out_shape = shape;
  out_shape[0] = total;
  const std::vector<int64_t> counts = Scaled(rows_per_rank, width);
  Tensor local = x.value().ToPlain();
  Tensor y = Tensor::Empty(out_shape);
  comm->AllGather(local.data(), counts, y.data());
  return RecordOp("gather_rows", {x}, y, [x, counts, comm](const Tensor& dy_any) {
    const Tensor dy = dy_any.ToPlain();
    Tensor dx = Tensor::Empty(x.shape());
    comm->ReduceScatterSum(dy.data(), counts, dx.data());
    // Every rank took the same loss: the sum over ranks is size() times
    // the gradient of its rows.
    const float scale = 1.0f / static_cast<float>(comm->size());
    float* d = dx.data();
    for (int64_t i = 0; i < dx.numel(); ++i) d[i] *= scale;
    x.AccumulateGrad(dx);
  });
}

std::vector<int64_t> GatherLabels(const std::vector<int64_t>& labels,
                                  const std::vector<int64_t>& rows_per_rank, Communicator* comm) {
  SIAMESE_CHECK(static_cast<int64_t>(labels.size()) == rows_per_rank[comm->rank()])
      << "gather_labels: " << labels.size() << " labels on rank " << comm->rank() << ", expected "
      << rows_per_rank[comm->rank()];
  std::vector<float> mine(labels.begin(), labels.end());
  for (int64_t l : labels) {
    SIAMESE_CHECK(l >= 0 && l < (int64_t{1} << 24)) << "gather_labels: label " << l
                                                    << " is not exact in float32";
  }
  int64_t total = 0;
  for (int64_t r : rows_per_rank) total += r;
  std::vector<float> all(total);
  comm->AllGather(mine.data(), rows_per_rank, all.data());
  return std::vector<int64_t>(all.begin(), all.end());
}

void AllReduceGradients(const std::vector<Variable>& parameters, Communicator* comm) {
  // One flat buffer, one collective (a call per parameter costs a latency
  // each on a real network).
  int64_t total = 0;
  for (const Variable& p : parameters) total += p.numel();
  std::vector<float> flat(total, 0.0f);
  int64_t offset = 0;
  for (const Variable& p : parameters) {
    if (p.grad().defined()) {
      const Tensor g = p.grad().ToPlain();
      std::copy(g.data(), g.data() + p.numel(), flat.begin() + offset);
    }
    offset += p.numel();
  }
  comm->AllReduceSum(flat.data(), total);
  offset = 0;
  for (const Variable& p : parameters) {
    Tensor g = Tensor::Empty(p.shape());
    std::copy(flat.begin() + offset, flat.begin() + offset + p.numel(), g.data());
    Variable shared = p;  // the same variable
    shared.ZeroGrad();
    shared.AccumulateGrad(g);
    offset += p.numel();
  }
}

void AverageBuffers(const std::vector<Tensor*>& buffers, Communicator* comm) {
  int64_t total = 0;
  for (const Tensor* b : buffers) total += b->numel();
  if (total == 0) return;
  std::vector<float> flat(total);
  int64_t offset = 0;
  for (const Tensor* b : buffers) {
    const Tensor plain = b->ToPlain();
    std::copy(plain.data(), plain.data() + plain.numel(), flat.begin() + offset);
    offset += plain.numel();
  }
  comm->AllReduceSum(flat.data(), total);
  const float ranks = static_cast<float>(comm->size());
  offset = 0;
  for (Tensor* b : buffers) {
    Tensor mean = Tensor::Empty(b->shape());
    for (int64_t i = 0; i < mean.numel(); ++i) mean.data()[i] = flat[offset + i] / ranks;
    offset += mean.numel();
    *b = mean;
  }
}

}  // namespace siamese
