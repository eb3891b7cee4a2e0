// The MPI backend of Communicator (Debian's OpenMPI 4.1, libopenmpi-dev).
//
// A separate library so that single-process binaries and their tests link no
// MPI. Collectives keep communicator.h's contract (rank-order sums, the same
// bits on every rank) on MPI's own operations: ReduceScatterSum is an
// all-to-all of blocks, each rank summing the blocks it receives in rank
// order (MPI_Reduce_scatter's summation order is unspecified); AllReduceSum
// is that reduce-scatter over an even split followed by an all-gather, the
// bandwidth of a ring all-reduce.
#ifndef SIAMESE_FRAMEWORK_DISTRIBUTED_MPI_COMMUNICATOR_H_
#define SIAMESE_FRAMEWORK_DISTRIBUTED_MPI_COMMUNICATOR_H_

#include <memory>

#include "absl/status/statusor.h"
#include "framework/distributed/communicator.h"

namespace siamese {

// The communicator of MPI_COMM_WORLD. Initializes MPI (MPI_THREAD_FUNNELED:
// only the calling thread communicates) unless it already is.
// The communicator that initialized MPI finalizes it when destroyed: make
// one per process.
// Errors: Unavailable when MPI cannot be initialized.
absl::StatusOr<std::unique_ptr<Communicator>> MpiWorldCommunicator();

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_DISTRIBUTED_MPI_COMMUNICATOR_H_
