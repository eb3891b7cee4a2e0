#include "framework/distributed/collectives.h"

#include <chrono>
#include <cstring>
#include <vector>

namespace siamese {
namespace {

// Runs fn and adds its wall time to *seconds.
template <typename Fn>
void Timed(double* seconds, Fn fn) {
  const auto start = std::chrono::steady_clock::now();
  fn();
  *seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

void BroadcastBytes(Communicator& comm, std::string* bytes, int root) {
  if (comm.size() == 1) return;
  // The length as two 4-byte words, then the bytes padded to whole words.
  static_assert(sizeof(float) == 4, "float words");
  float header[2];
  const uint64_t length = comm.rank() == root ? bytes->size() : 0;
  std::memcpy(header, &length, sizeof(length));
  comm.Broadcast(header, 2, root);
  uint64_t n = 0;
  std::memcpy(&n, header, sizeof(n));
  std::vector<float> words((n + 3) / 4, 0.0f);
  if (comm.rank() == root && n > 0) std::memcpy(words.data(), bytes->data(), n);
  comm.Broadcast(words.data(), static_cast<int64_t>(words.size()), root);
  if (comm.rank() != root) bytes->assign(reinterpret_cast<const char*>(words.data()), n);
}

bool AnyRank(Communicator& comm, bool mine) {
  float flag = mine ? 1.0f : 0.0f;
  comm.AllReduceSum(&flag, 1);
  return flag > 0;
}

void TimedCommunicator::AllReduceSum(float* data, int64_t n) {
  Timed(&seconds_, [&] { inner_->AllReduceSum(data, n); });
}

void TimedCommunicator::AllGather(const float* in, const std::vector<int64_t>& counts,
                                  float* out) {
  Timed(&seconds_, [&] { inner_->AllGather(in, counts, out); });
}

void TimedCommunicator::ReduceScatterSum(const float* in, const std::vector<int64_t>& counts,
                                         float* out) {
  Timed(&seconds_, [&] { inner_->ReduceScatterSum(in, counts, out); });
}

void TimedCommunicator::Broadcast(float* data, int64_t n, int root) {
  Timed(&seconds_, [&] { inner_->Broadcast(data, n, root); });
}

void TimedCommunicator::Barrier() {
  Timed(&seconds_, [&] { inner_->Barrier(); });
}

}  // namespace siamese
