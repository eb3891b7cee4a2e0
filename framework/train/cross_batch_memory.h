// The queue behind loss.cross_batch_memory (experiment.proto's
// CrossBatchMemoryConfig; Wang et al. 2020): the last `size` training
// embeddings and their labels, as constants, which each step's batch is
// compared with (framework/core/references.h).
//
// Slots fill in order from 0 and then wrap around, overwriting the oldest,
// as pytorch-metric-learning's CrossBatchMemory: until the queue is full its
// columns are slots [0, filled), afterwards all `size` slots. The batch just
// enqueued is among them; references().self[i] is batch example i's slot.
#ifndef SIAMESE_FRAMEWORK_TRAIN_CROSS_BATCH_MEMORY_H_
#define SIAMESE_FRAMEWORK_TRAIN_CROSS_BATCH_MEMORY_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "framework/autograd/variable.h"
#include "framework/core/distance.h"
#include "framework/core/loss.h"
#include "framework/core/miner.h"
#include "framework/core/references.h"
#include "framework/tensor/tensor.h"

namespace siamese {

class CrossBatchMemory {
 public:
  // REQUIRES: size >= 1, dim >= 1.
  CrossBatchMemory(int64_t size, int64_t dim);

  // Writes the batch's embeddings [N, D] (plain) and labels into the next N
  // slots. REQUIRES: N <= size, D == dim, labels in [0, 2^24) (they are
  // checkpointed as floats).
  void Enqueue(const Tensor& embeddings, const std::vector<int64_t>& labels);

  // The memory's columns: [filled(), dim] embeddings, their labels, and the
  // last batch's own slots.
  Tensor Embeddings() const;
  const References& references() const { return references_; }
  int64_t filled() const { return full_ ? size_ : next_; }

  // "memory.embeddings" [size, dim], "memory.labels" [size] and
  // "memory.position" {next slot, 1 if full}: what a resumed run needs to
  // continue the queue exactly.
  NamedTensors State() const;
  // Takes back what State() gave; InvalidArgument naming the entry when a
  // name or shape differs (a checkpoint of another memory size or width).
  absl::Status LoadState(const NamedTensors& state);

 private:
  int64_t size_, dim_;
  std::vector<float> embeddings_;  // [size, dim]
  std::vector<int64_t> labels_;    // [size]
  int64_t next_ = 0;
  bool full_ = false;
  References references_;  // labels of the filled slots, the last batch's slots
};

// The memory's term of a step: enqueues the batch, then `loss` of the
// batch's rows [N, D] against every column of the memory (the batch
// included, never an example against itself), on the tuples `miner` mines
// from the [N, M] distances or, when `miner` is null, on every (row,
// column) pair. Sets *tuple_count to the tuples the loss saw.
// REQUIRES: loss->accepts_references(); miner null or
// miner->accepts_references().
Variable MemoryLoss(CrossBatchMemory* memory, Loss* loss, Miner* miner, const Distance& distance,
                    const Variable& embeddings, const std::vector<int64_t>& labels, int64_t step,
                    int64_t* tuple_count);

// MemoryLoss without the enqueue: the batch's rows against the memory as it
// is. REQUIRES: the batch (these labels) was the last one enqueued.
Variable LossAgainstMemory(const CrossBatchMemory& memory, Loss* loss, Miner* miner,
                           const Distance& distance, const Variable& embeddings,
                           const std::vector<int64_t>& labels, int64_t step, int64_t* tuple_count);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_CROSS_BATCH_MEMORY_H_
