#include "framework/distributed/mpi_communicator.h"

#include <mpi.h>

#include <climits>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"

namespace siamese {
namespace {

// MPI counts are ints.
int ToInt(const char* op, int64_t v) {
  SIAMESE_CHECK(v >= 0 && v <= INT_MAX) << op << ": count " << v << " exceeds MPI's int";
  return static_cast<int>(v);
}

void CheckMpi(const char* op, int rc) {
  SIAMESE_CHECK(rc == MPI_SUCCESS) << op << ": MPI error " << rc;
}

class Mpi : public Communicator {
 public:
  Mpi(bool finalize, int rank, int size) : finalize_(finalize), rank_(rank), size_(size) {}
  ~Mpi() override {
    if (finalize_) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void AllReduceSum(float* data, int64_t n) override {
    // Reduce-scatter over an even split, then all-gather the sums.
    std::vector<int64_t> counts(size_, n / size_);
    for (int64_t r = 0; r < n % size_; ++r) ++counts[r];
    std::vector<float> mine(counts[rank_]);
    ReduceScatterSum(data, counts, mine.data());
    AllGather(mine.data(), counts, data);
  }

  void AllGather(const float* in, const std::vector<int64_t>& counts, float* out) override {
    std::vector<int> c, displs;
    Layout("all_gather", counts, &c, &displs);
    CheckMpi("all_gather", MPI_Allgatherv(in, c[rank_], MPI_FLOAT, out, c.data(), displs.data(),
                                          MPI_FLOAT, MPI_COMM_WORLD));
  }

  void ReduceScatterSum(const float* in, const std::vector<int64_t>& counts,
                        float* out) override {
    std::vector<int> c, displs;
    Layout("reduce_scatter", counts, &c, &displs);
    // Block r of every rank's input goes to rank r, which sums them in rank
    // order.
    const int mine = c[rank_];
    std::vector<float> received(static_cast<size_t>(mine) * size_);
    std::vector<int> recv_counts(size_, mine), recv_displs(size_);
    for (int r = 0; r < size_; ++r) recv_displs[r] = r * mine;
    CheckMpi("reduce_scatter",
             MPI_Alltoallv(in, c.data(), displs.data(), MPI_FLOAT, received.data(),
                           recv_counts.data(), recv_displs.data(), MPI_FLOAT, MPI_COMM_WORLD));
    std::copy(received.begin(), received.begin() + mine, out);
    for (int r = 1; r < size_; ++r) {
      const float* x = received.data() + static_cast<size_t>(r) * mine;
      for (int i = 0; i < mine; ++i) out[i] += x[i];
    }
  }

  void Broadcast(float* data, int64_t n, int root) override {
    SIAMESE_CHECK(root >= 0 && root < size_)
        << "broadcast: root " << root << " of " << size_ << " ranks";
    CheckMpi("broadcast",
             MPI_Bcast(data, ToInt("broadcast", n), MPI_FLOAT, root, MPI_COMM_WORLD));
  }

  void Barrier() override { CheckMpi("barrier", MPI_Barrier(MPI_COMM_WORLD)); }

 private:
  void Layout(const char* op, const std::vector<int64_t>& counts, std::vector<int>* c,
              std::vector<int>* displs) const {
    SIAMESE_CHECK(static_cast<int>(counts.size()) == size_)
        << op << ": " << counts.size() << " counts for " << size_ << " ranks";
    int64_t offset = 0;
    for (int64_t v : counts) {
      c->push_back(ToInt(op, v));
      displs->push_back(ToInt(op, offset));
      offset += v;
    }
  }

  const bool finalize_;
  const int rank_, size_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Communicator>> MpiWorldCommunicator() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  bool finalize = false;
  if (!initialized) {
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
      return absl::UnavailableError("MPI_Init_thread failed; run under mpirun or srun");
    }
    finalize = true;
  }
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<Communicator>(new Mpi(finalize, rank, size));
}

}  // namespace siamese
