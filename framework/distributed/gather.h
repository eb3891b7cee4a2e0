// The global batch of data-parallel training as an autograd op.
//
// Each rank embeds its share of the global batch; miners and losses then
// need every rank's embeddings and labels, in one order that every rank
// agrees on (rank 0's rows first, then rank 1's, ...). GatherRows returns
// that global matrix; its backward hands each rank the gradient of its own
// rows.
//
// Scaling, the trap of pytorch-metric-learning #363 and Horovod #2654: every
// rank computes the same global loss L on the same global batch, so the sum
// over ranks of dL/d(gathered) is size() times the gradient. The backward
// therefore reduce-scatters the gradient and divides by size(): rank r gets
// exactly dL/d(its rows). Parameter gradients computed from those are then
// summed over ranks (Communicator::AllReduceSum, not averaged) to give the
// one-process gradient of L on the concatenated batch.
#ifndef SIAMESE_FRAMEWORK_DISTRIBUTED_GATHER_H_
#define SIAMESE_FRAMEWORK_DISTRIBUTED_GATHER_H_

#include <cstdint>
#include <vector>

#include "framework/autograd/variable.h"
#include "framework/distributed/communicator.h"

namespace siamese {

// Rows per rank of a global batch of `rows` split as evenly as possible,
// the first rows % size ranks one row more (the order GatherRows uses).
std::vector<int64_t> RowsPerRank(int64_t rows, int size);

// [sum over ranks of local rows, cols...]: every rank's x in rank order.
// REQUIRES: x has rank >= 1, the same trailing dims on every rank, and
// every rank calls it (a collective). rows_per_rank: each rank's x.dim(0).
Variable GatherRows(const Variable& x, const std::vector<int64_t>& rows_per_rank,
                    Communicator* comm);

// Labels (or any per-row integers below 2^24) gathered the same way.
std::vector<int64_t> GatherLabels(const std::vector<int64_t>& labels,
                                  const std::vector<int64_t>& rows_per_rank, Communicator* comm);

// Sums each gradient over ranks in place: after backward through
// GatherRows, every rank holds the one-process gradient of the global loss.
void AllReduceGradients(const std::vector<Variable>& parameters, Communicator* comm);

// Replaces each of `buffers` by its mean over ranks (one flat all-reduce,
// summed in rank order, then divided by size()): batch norm's running
// statistics, which each rank updates from its own share of the batch, are
// then the same on every rank after every step (so evaluation, checkpoints
// and resumption see one model), the running mean being that of the
// ranks' batch means. REQUIRES: every rank passes buffers of the same
// sizes in the same order.
void AverageBuffers(const std::vector<Tensor*>& buffers, Communicator* comm);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_DISTRIBUTED_GATHER_H_
