// WorldCommunicator: the communicator of the job this process belongs to,
// chosen when the binary is linked, so that one main() serves both builds:
//   :world_single  a single-process job (size 1); links no MPI
//   :world_mpi     MPI_COMM_WORLD (mpi_communicator.h): the binary runs
//                  under `mpirun -np N` or `srun --mpi=pmix`, and alone as
//                  a job of one rank
// A binary links exactly one of them (e.g. //experiments:train and
// //experiments:train_mpi share train.cc).
#ifndef SIAMESE_FRAMEWORK_DISTRIBUTED_WORLD_H_
#define SIAMESE_FRAMEWORK_DISTRIBUTED_WORLD_H_

#include <memory>

#include "absl/status/statusor.h"
#include "framework/distributed/communicator.h"

namespace siamese {

// Make one per process, before any other thread starts (MPI is initialized
// here in the MPI build), and keep it until the process ends.
// Errors: Unavailable when the MPI build cannot initialize MPI.
absl::StatusOr<std::unique_ptr<Communicator>> WorldCommunicator();

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_DISTRIBUTED_WORLD_H_
