#include "framework/tensor/parallel.h"

#include <omp.h>

#include <algorithm>

namespace siamese {
namespace {

int64_t min_parallel_work = kMinParallelWork;

}  // namespace

int64_t MinParallelWork() { return min_parallel_work; }
void SetMinParallelWork(int64_t work) { min_parallel_work = std::max<int64_t>(work, 1); }

std::vector<std::pair<int64_t, int64_t>> RowChunks(int64_t rows, int64_t work_per_row) {
  std::vector<std::pair<int64_t, int64_t>> chunks;
  if (rows <= 0) return chunks;
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const int64_t work = rows * std::max<int64_t>(work_per_row, 1);
  int64_t count = 1;
  const int64_t threshold = MinParallelWork();
  if (threads > 1 && work >= threshold) {
    // Chunks of at least a quarter of the threshold each.
    count = std::min<int64_t>({rows, int64_t{4} * threads,
                               std::max<int64_t>(work / std::max<int64_t>(threshold / 4, 1), 1)});
  }
  chunks.reserve(count);
  for (int64_t k = 0; k < count; ++k) chunks.emplace_back(rows * k / count, rows * (k + 1) / count);
  return chunks;
}

void ParallelFor(int64_t count, const std::function<void(int64_t)>& fn) {
  if (count <= 1 || omp_in_parallel() || omp_get_max_threads() <= 1) {
    for (int64_t i = 0; i < count; ++i) fn(i);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t i = 0; i < count; ++i) fn(i);
}

void ParallelRows(int64_t rows, int64_t work_per_row,
                  const std::function<void(int64_t begin, int64_t end)>& fn) {
  const auto chunks = RowChunks(rows, work_per_row);
  ParallelFor(static_cast<int64_t>(chunks.size()),
              [&](int64_t k) { fn(chunks[k].first, chunks[k].second); });
}

}  // namespace siamese
