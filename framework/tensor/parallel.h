// The framework's own loops on the framework's threads (SetNumThreads in
// dnnl_context.h: the experiment's `threads`), for work outside oneDNN:
// mining, batch assembly, checks over parameters.
//
// Results must never depend on the number of threads. The pattern that
// guarantees it: split rows into contiguous chunks (RowChunks), let each
// chunk write only its own output (one output per chunk, or disjoint
// slices of one buffer), and combine the outputs in chunk order. A row's
// output then never depends on where the chunk boundaries fall, and
// concatenating in chunk order gives exactly the serial loop's result.
#ifndef SIAMESE_FRAMEWORK_TENSOR_PARALLEL_H_
#define SIAMESE_FRAMEWORK_TENSOR_PARALLEL_H_

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace siamese {

// Below this many inner operations in all, a loop runs on the calling
// thread: waking the other threads would cost more than it saves.
inline constexpr int64_t kMinParallelWork = int64_t{1} << 17;

// Contiguous ranges [begin, end) covering [0, rows) in order: one range when
// rows * work_per_row < kMinParallelWork or only one thread is available,
// else up to 4 per thread (small enough to balance uneven rows), never
// empty. `work_per_row`: a rough count of a row's inner operations.
std::vector<std::pair<int64_t, int64_t>> RowChunks(int64_t rows, int64_t work_per_row);

// Runs fn(i) once for each i in [0, count), on the framework's threads
// (OpenMP, dynamic schedule) when count > 1, on the calling thread
// otherwise or when called from inside a parallel region. fn must not
// throw.
void ParallelFor(int64_t count, const std::function<void(int64_t)>& fn);

// fn(begin, end) over RowChunks(rows, work_per_row), in parallel.
void ParallelRows(int64_t rows, int64_t work_per_row,
                  const std::function<void(int64_t begin, int64_t end)>& fn);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TENSOR_PARALLEL_H_
