#include "framework/train/cross_batch_memory.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"

namespace siamese {
namespace {

constexpr int64_t kLargestLabel = int64_t{1} << 24;  // exact as a float

}  // namespace

CrossBatchMemory::CrossBatchMemory(int64_t size, int64_t dim)
    : size_(size), dim_(dim), embeddings_(size * dim, 0.0f), labels_(size, 0) {
  SIAMESE_CHECK(size >= 1 && dim >= 1)
      << "cross_batch_memory: size " << size << ", width " << dim;
}

void CrossBatchMemory::Enqueue(const Tensor& embeddings, const std::vector<int64_t>& labels) {
  const int64_t n = static_cast<int64_t>(labels.size());
  SIAMESE_CHECK(embeddings.rank() == 2 && embeddings.dim(0) == n && embeddings.dim(1) == dim_ &&
                n <= size_)
      << "cross_batch_memory: enqueue [" << embeddings.dim(0) << ", "
      << (embeddings.rank() == 2 ? embeddings.dim(1) : 0) << "] with " << n
      << " labels into a memory of " << size_ << " x " << dim_;
  references_.self.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    SIAMESE_CHECK(labels[i] >= 0 && labels[i] < kLargestLabel)
        << "cross_batch_memory: label " << labels[i] << " outside [0, 2^24)";
    const int64_t slot = next_;
    std::memcpy(&embeddings_[slot * dim_], embeddings.data() + i * dim_, dim_ * sizeof(float));
    labels_[slot] = labels[i];
    references_.self[i] = slot;
    next_ = (next_ + 1) % size_;
    if (next_ == 0) full_ = true;
  }
  references_.labels.assign(labels_.begin(), labels_.begin() + filled());
}

Tensor CrossBatchMemory::Embeddings() const {
  const int64_t m = filled();
  return Tensor::FromVector({m, dim_},
                            std::vector<float>(embeddings_.begin(), embeddings_.begin() + m * dim_));
}

NamedTensors CrossBatchMemory::State() const {
  std::vector<float> labels(labels_.begin(), labels_.end());
  return {{"memory.embeddings", Tensor::FromVector({size_, dim_}, embeddings_)},
          {"memory.labels", Tensor::FromVector({size_}, labels)},
          {"memory.position",
           Tensor::FromVector({2}, {static_cast<float>(next_), full_ ? 1.0f : 0.0f})}};
}

absl::Status CrossBatchMemory::LoadState(const NamedTensors& state) {
  const NamedTensors expected = State();
  if (state.size() != expected.size()) {
    return absl::InvalidArgumentError(absl::StrCat("cross_batch_memory: ", state.size(),
                                                   " tensors, expected ", expected.size()));
  }
  for (size_t i = 0; i < state.size(); ++i) {
    if (state[i].first != expected[i].first ||
        state[i].second.shape() != expected[i].second.shape()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cross_batch_memory: entry ", i, " is \"", state[i].first, "\" ",
          state[i].second.ShapeString(), ", expected \"", expected[i].first, "\" ",
          expected[i].second.ShapeString(),
          " (a checkpoint of another memory size or embedding width?)"));
    }
  }
  const Tensor e = state[0].second.ToPlain(), l = state[1].second.ToPlain(),
               p = state[2].second.ToPlain();
  const int64_t next = static_cast<int64_t>(p.data()[0]);
  if (next < 0 || next >= size_ || p.data()[0] != static_cast<float>(next)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cross_batch_memory: position ", p.data()[0], " outside [0, ", size_, ")"));
  }
  embeddings_.assign(e.data(), e.data() + size_ * dim_);
  for (int64_t i = 0; i < size_; ++i) labels_[i] = static_cast<int64_t>(l.data()[i]);
  next_ = next;
  full_ = p.data()[1] != 0;
  references_.labels.assign(labels_.begin(), labels_.begin() + filled());
  references_.self.clear();
  return absl::OkStatus();
}

Variable MemoryLoss(CrossBatchMemory* memory, Loss* loss, Miner* miner, const Distance& distance,
                    const Variable& embeddings, const std::vector<int64_t>& labels, int64_t step,
                    int64_t* tuple_count) {
  memory->Enqueue(embeddings.value().ToPlain(), labels);
  return LossAgainstMemory(*memory, loss, miner, distance, embeddings, labels, step, tuple_count);
}

Variable LossAgainstMemory(const CrossBatchMemory& memory, Loss* loss, Miner* miner,
                           const Distance& distance, const Variable& embeddings,
                           const std::vector<int64_t>& labels, int64_t step, int64_t* tuple_count) {
  SIAMESE_CHECK(loss->accepts_references() && (miner == nullptr || miner->accepts_references()))
      << "cross_batch_memory: a loss or miner that does not accept references";
  const References& refs = memory.references();
  SIAMESE_CHECK(refs.self.size() == labels.size())
      << "cross_batch_memory: a batch of " << labels.size() << " against a memory whose last batch had "
      << refs.self.size();
  const Tensor e = embeddings.value().ToPlain();
  const Variable columns(memory.Embeddings());  // constants: no gradient
  const Variable distances = distance.Matrix(embeddings, columns);
  const Tensor d = distances.value().ToPlain();
  const MinerInput mine{&e, &d, &labels, distance, step, &refs};
  Tuples tuples;
  if (miner != nullptr) {
    tuples = miner->Mine(mine);
  } else {
    const Comparisons c = mine.comparisons();
    Pairs all;
    for (int64_t i = 0; i < c.rows(); ++i) {
      for (int64_t j = 0; j < c.columns(); ++j) {
        if (!c.comparable(i, j)) continue;
        (c.same_class(i, j) ? all.pos_a : all.neg_a).push_back(i);
        (c.same_class(i, j) ? all.pos_b : all.neg_b).push_back(j);
      }
    }
    tuples = std::move(all);
  }
  tuples = ConvertTuples(std::move(tuples), loss->input(), /*directed=*/true);
  *tuple_count = tuples.size();
  LossInput in{embeddings, distances, &labels, &tuples, distance};
  in.reference_embeddings = columns;
  in.references = &refs;
  return loss->Compute(in);
}

}  // namespace siamese
