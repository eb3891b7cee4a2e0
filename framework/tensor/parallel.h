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

// Below MinParallelWork() inner operations in all (default
// kMinParallelWork, about a millisecond of simple work on one core), a loop
// runs on the calling thread. Waking the other threads costs microseconds
// on an idle machine but can cost a scheduler time slice on a busy one
// (measured: batch_hard at 512, 0.9 ms serial, took 7.6 ms on 2 threads of
// a loaded 2-core machine), so only work that long is split.
inline constexpr int64_t kMinParallelWork = int64_t{1} << 20;
int64_t MinParallelWork();
// Process-wide; tests lower it (to 1: every loop of more than one row is
// split) to run small inputs through the threaded path. Not thread-safe
// against concurrent loops.
void SetMinParallelWork(int64_t work);

// Contiguous ranges [begin, end) covering [0, rows) in order: one range when
// rows * work_per_row < MinParallelWork() or only one thread is available,
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
