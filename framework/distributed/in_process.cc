// The single-process and in-process (threads) communicators.
//
// In-process ranks share a Hub. Each collective has the same shape: every
// rank posts pointers to its buffers, all wait, each rank computes its own
// output reading the others' posted inputs (reads only), all wait again so
// no rank frees or overwrites an input another still reads, and in-place
// results are copied back last.
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <numeric>
#include <thread>
#include <utility>

#include "framework/base/check.h"
#include "framework/distributed/communicator.h"
#include "framework/tensor/dnnl_context.h"

namespace siamese {
namespace {

void CheckCounts(const char* op, const std::vector<int64_t>& counts, int size) {
  SIAMESE_CHECK(static_cast<int>(counts.size()) == size)
      << op << ": " << counts.size() << " counts for " << size << " ranks";
  for (int64_t c : counts) SIAMESE_CHECK(c >= 0) << op << ": negative count " << c;
}

class SingleProcess : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void AllReduceSum(float*, int64_t) override {}
  void AllGather(const float* in, const std::vector<int64_t>& counts, float* out) override {
    CheckCounts("all_gather", counts, 1);
    std::copy(in, in + counts[0], out);
  }
  void ReduceScatterSum(const float* in, const std::vector<int64_t>& counts,
                        float* out) override {
    CheckCounts("reduce_scatter", counts, 1);
    std::copy(in, in + counts[0], out);
  }
  void Broadcast(float*, int64_t, int root) override {
    SIAMESE_CHECK(root == 0) << "broadcast: root " << root << " of 1 rank";
  }
  void Barrier() override {}
};

struct Hub {
  explicit Hub(int n) : ranks(n), in(n), io(n) {}

  // Returns when all ranks have called it (a reusable barrier).
  void Wait() {
    std::unique_lock<std::mutex> lock(mu);
    const int64_t generation = generations;
    if (++arrived == ranks) {
      arrived = 0;
      ++generations;
      cv.notify_all();
    } else {
      cv.wait(lock, [&] { return generations != generation; });
    }
  }

  const int ranks;
  std::vector<const float*> in;  // each rank's posted input
  std::vector<float*> io;        // each rank's posted in-place buffer
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  int64_t generations = 0;
};

class InProcess : public Communicator {
 public:
  InProcess(std::shared_ptr<Hub> hub, int rank) : hub_(std::move(hub)), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override { return hub_->ranks; }

  void AllReduceSum(float* data, int64_t n) override {
    hub_->in[rank_] = data;
    hub_->Wait();
    std::vector<float> sum(hub_->in[0], hub_->in[0] + n);
    for (int r = 1; r < hub_->ranks; ++r) {
      const float* x = hub_->in[r];
      for (int64_t i = 0; i < n; ++i) sum[i] += x[i];
    }
    hub_->Wait();  // every rank has read every input
    std::copy(sum.begin(), sum.end(), data);
  }

  void AllGather(const float* in, const std::vector<int64_t>& counts, float* out) override {
    CheckCounts("all_gather", counts, hub_->ranks);
    hub_->in[rank_] = in;
    hub_->Wait();
    int64_t offset = 0;
    for (int r = 0; r < hub_->ranks; ++r) {
      std::copy(hub_->in[r], hub_->in[r] + counts[r], out + offset);
      offset += counts[r];
    }
    hub_->Wait();
  }

  void ReduceScatterSum(const float* in, const std::vector<int64_t>& counts,
                        float* out) override {
    CheckCounts("reduce_scatter", counts, hub_->ranks);
    hub_->in[rank_] = in;
    hub_->Wait();
    const int64_t offset = std::accumulate(counts.begin(), counts.begin() + rank_, int64_t{0});
    const int64_t n = counts[rank_];
    std::copy(hub_->in[0] + offset, hub_->in[0] + offset + n, out);
    for (int r = 1; r < hub_->ranks; ++r) {
      const float* x = hub_->in[r] + offset;
      for (int64_t i = 0; i < n; ++i) out[i] += x[i];
    }
    hub_->Wait();
  }

  void Broadcast(float* data, int64_t n, int root) override {
    SIAMESE_CHECK(root >= 0 && root < hub_->ranks)
        << "broadcast: root " << root << " of " << hub_->ranks << " ranks";
    hub_->io[rank_] = data;
    hub_->Wait();
    if (rank_ != root) std::copy(hub_->io[root], hub_->io[root] + n, data);
    hub_->Wait();
  }

  void Barrier() override { hub_->Wait(); }

 private:
  std::shared_ptr<Hub> hub_;
  const int rank_;
};

}  // namespace

std::unique_ptr<Communicator> SingleProcessCommunicator() {
  return std::make_unique<SingleProcess>();
}

std::vector<std::unique_ptr<Communicator>> InProcessCommunicators(int ranks) {
  SIAMESE_CHECK(ranks >= 1) << "InProcessCommunicators: " << ranks << " ranks";
  auto hub = std::make_shared<Hub>(ranks);
  std::vector<std::unique_ptr<Communicator>> out;
  for (int r = 0; r < ranks; ++r) out.push_back(std::make_unique<InProcess>(hub, r));
  return out;
}

void RunOnInProcessRanks(int ranks, const std::function<void(Communicator&)>& body) {
  auto comms = InProcessCommunicators(ranks);
  std::vector<std::thread> threads;
  for (auto& c : comms) {
    threads.emplace_back([&body, &c] {
      SetNumThreads(1);
      body(*c);
    });
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace siamese
