// Collectives built on Communicator (communicator.h) for the trainer's
// bookkeeping: bytes from one rank to all, a decision every rank agrees on,
// and the time spent communicating.
#ifndef SIAMESE_FRAMEWORK_DISTRIBUTED_COLLECTIVES_H_
#define SIAMESE_FRAMEWORK_DISTRIBUTED_COLLECTIVES_H_

#include <memory>
#include <string>

#include "framework/distributed/communicator.h"

namespace siamese {

// *bytes = root's *bytes on every rank (any length, any content: the bytes
// travel as opaque 4-byte words, never as arithmetic). E.g. a serialized
// checkpoint that rank 0 read from the run folder.
// REQUIRES: every rank calls it with the same root.
void BroadcastBytes(Communicator& comm, std::string* bytes, int root);

// True on every rank when `mine` is true on at least one: a decision (stop
// after this step) that every rank must take at the same step.
bool AnyRank(Communicator& comm, bool mine);

// Forwards every collective to `inner` and adds its wall time to seconds().
// The time includes waiting for the slowest rank to arrive, so it is the
// step's communication plus its load imbalance: what data parallelism costs
// over one process. REQUIRES: inner outlives this.
class TimedCommunicator : public Communicator {
 public:
  explicit TimedCommunicator(Communicator* inner) : inner_(inner) {}
  int rank() const override { return inner_->rank(); }
  int size() const override { return inner_->size(); }
  void AllReduceSum(float* data, int64_t n) override;
  void AllGather(const float* in, const std::vector<int64_t>& counts, float* out) override;
  void ReduceScatterSum(const float* in, const std::vector<int64_t>& counts, float* out) override;
  void Broadcast(float* data, int64_t n, int root) override;
  void Barrier() override;

  double seconds() const { return seconds_; }

 private:
  Communicator* inner_;
  double seconds_ = 0;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_DISTRIBUTED_COLLECTIVES_H_
