// Communicator: the collective operations of data-parallel training.
//
// A job runs `size()` ranks, each a process (MPI backend) or a thread (the
// in-process backend, for tests without mpirun). Every rank calls the same
// collectives in the same order with matching sizes; each call returns when
// the rank's part of it is complete.
//
// Results are deterministic and identical on every rank: sums are taken in
// rank order (rank 0's values + rank 1's + ...), never in arrival order, so
// the same job gives the same bits on every rank and every run (the
// reproducibility contract: same config, seed, threads and ranks => same
// numbers). Gathers concatenate in rank order (pytorch-metric-learning #639:
// a gather order that differs between ranks silently pairs the wrong
// labels). Reductions are sums; averaging is the caller's explicit division
// by size() (Horovod #2654, PML #363: a missing or doubled world-size factor).
//
// Float32 only: embeddings, labels (exact in float32 below 2^24) and
// gradients are what crosses ranks.
#ifndef SIAMESE_FRAMEWORK_DISTRIBUTED_COMMUNICATOR_H_
#define SIAMESE_FRAMEWORK_DISTRIBUTED_COMMUNICATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace siamese {

class Communicator {
 public:
  virtual ~Communicator() = default;

  // This rank, in [0, size()).
  virtual int rank() const = 0;
  // Number of ranks, >= 1.
  virtual int size() const = 0;

  // data[i] = sum over ranks r (in rank order) of rank r's data[i].
  // REQUIRES: every rank passes the same n.
  virtual void AllReduceSum(float* data, int64_t n) = 0;

  // out = rank 0's `in` (counts[0] floats), then rank 1's, ... : every rank
  // receives the concatenation. REQUIRES: counts.size() == size(), every
  // rank passes the same counts and its own counts[rank()] floats in `in`;
  // `out` holds sum(counts) floats.
  virtual void AllGather(const float* in, const std::vector<int64_t>& counts, float* out) = 0;

  // The sum over ranks (in rank order) of `in` (sum(counts) floats on every
  // rank), of which rank r receives block r (counts[r] floats, starting at
  // counts[0] + ... + counts[r - 1]) in `out`: the adjoint of AllGather, so
  // the gradient of gathered rows returns to the rank that owns them.
  // REQUIRES: as AllGather.
  virtual void ReduceScatterSum(const float* in, const std::vector<int64_t>& counts,
                                float* out) = 0;

  // data = root's data on every rank. REQUIRES: 0 <= root < size().
  virtual void Broadcast(float* data, int64_t n, int root) = 0;

  // Returns when every rank has called it.
  virtual void Barrier() = 0;
};

// The communicator of a single-process run: size() 1, every collective a
// copy (or nothing).
std::unique_ptr<Communicator> SingleProcessCommunicator();

// `ranks` communicators over threads of this process, rank i at index i;
// each must be used from its own thread (a collective blocks until all
// ranks have called it). For tests of distributed code without mpirun.
// Each rank's thread should call SetNumThreads(1) before its first op:
// oneDNN's OpenMP kernels synchronize their threads with spin barriers, and
// two ranks' kernels sharing one OpenMP runtime can wait on each other
// forever (seen with convolutions; MPI ranks are processes and unaffected).
// REQUIRES: ranks >= 1.
std::vector<std::unique_ptr<Communicator>> InProcessCommunicators(int ranks);

// Runs body(comm) for each of `ranks` in-process ranks, one thread each,
// after SetNumThreads(1) in that thread (as above); returns when every rank
// has returned. REQUIRES: ranks >= 1.
void RunOnInProcessRanks(int ranks, const std::function<void(Communicator&)>& body);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_DISTRIBUTED_COMMUNICATOR_H_
