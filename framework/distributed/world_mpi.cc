#include "framework/distributed/mpi_communicator.h"
#include "framework/distributed/world.h"

namespace siamese {

absl::StatusOr<std::unique_ptr<Communicator>> WorldCommunicator() {
  return MpiWorldCommunicator();
}

}  // namespace siamese
