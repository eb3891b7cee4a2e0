// MineRows: a miner's loop over rows (anchors) on the framework's threads,
// returning exactly the tuples of the serial loop.
//
//   Triplets t = MineRows<Triplets>(c.rows(), work_per_row,
//       [&](int64_t begin, int64_t end, Triplets* out) {
//         for (int64_t a = begin; a < end; ++a) ...   // append row a's tuples
//       });
//
// Rows are split into contiguous chunks (framework/tensor/parallel.h); each
// chunk appends its rows' tuples, in row order, to its own output, and the
// outputs are concatenated in chunk order. As long as a row's tuples depend
// only on that row (not on state shared across rows, such as one random
// stream), the result is the serial loop's, whatever the thread count.
// Small batches (rows * work_per_row < MinParallelWork()) run on the
// calling thread, in one chunk.
#ifndef SIAMESE_FRAMEWORK_CORE_PARALLEL_MINING_H_
#define SIAMESE_FRAMEWORK_CORE_PARALLEL_MINING_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "framework/core/tuples.h"
#include "framework/tensor/parallel.h"

namespace siamese {

namespace parallel_mining_internal {

inline void Append(std::vector<int64_t>* to, const std::vector<int64_t>& from) {
  to->insert(to->end(), from.begin(), from.end());
}

inline Triplets Concatenate(std::vector<Triplets> parts) {
  size_t total = 0;
  for (const Triplets& p : parts) total += p.anchors.size();
  Triplets t = std::move(parts[0]);
  t.anchors.reserve(total);
  t.positives.reserve(total);
  t.negatives.reserve(total);
  for (size_t k = 1; k < parts.size(); ++k) {
    Append(&t.anchors, parts[k].anchors);
    Append(&t.positives, parts[k].positives);
    Append(&t.negatives, parts[k].negatives);
  }
  return t;
}

inline Pairs Concatenate(std::vector<Pairs> parts) {
  size_t pos = 0, neg = 0;
  for (const Pairs& p : parts) {
    pos += p.pos_a.size();
    neg += p.neg_a.size();
  }
  Pairs t = std::move(parts[0]);
  t.pos_a.reserve(pos);
  t.pos_b.reserve(pos);
  t.neg_a.reserve(neg);
  t.neg_b.reserve(neg);
  for (size_t k = 1; k < parts.size(); ++k) {
    Append(&t.pos_a, parts[k].pos_a);
    Append(&t.pos_b, parts[k].pos_b);
    Append(&t.neg_a, parts[k].neg_a);
    Append(&t.neg_b, parts[k].neg_b);
  }
  return t;
}

}  // namespace parallel_mining_internal

// T: Triplets or Pairs. fn(begin, end, T* out) appends the tuples of rows
// [begin, end), in row order, to *out (empty on entry). `work_per_row`: a
// rough count of one row's inner operations (e.g. the number of columns).
template <typename T, typename Fn>
T MineRows(int64_t rows, int64_t work_per_row, const Fn& fn) {
  const std::vector<std::pair<int64_t, int64_t>> chunks = RowChunks(rows, work_per_row);
  if (chunks.empty()) return T();
  if (chunks.size() == 1) {
    T t;
    fn(chunks[0].first, chunks[0].second, &t);
    return t;
  }
  std::vector<T> parts(chunks.size());
  ParallelFor(static_cast<int64_t>(chunks.size()),
              [&](int64_t k) { fn(chunks[k].first, chunks[k].second, &parts[k]); });
  return parallel_mining_internal::Concatenate(std::move(parts));
}

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_PARALLEL_MINING_H_
