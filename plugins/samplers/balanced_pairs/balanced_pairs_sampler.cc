// Sampler "balanced_pairs": half positive, half negative random pairs.
#include <map>

#include "absl/strings/str_cat.h"
#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "framework/tensor/rng.h"
#include "plugins/samplers/balanced_pairs/balanced_pairs.pb.h"

namespace siamese {
namespace {

class BalancedPairsSampler : public Sampler {
 public:
  static absl::StatusOr<std::unique_ptr<Sampler>> Create(const BalancedPairsSamplerParams&,
                                                         const PluginContext&) {
    return std::unique_ptr<Sampler>(new BalancedPairsSampler);
  }

  absl::Status Init(const std::vector<int64_t>& labels, int64_t batch_size,
                    uint64_t seed) override {
    if (batch_size % 2 != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "sampler \"balanced_pairs\": training.batch_size must be even, got ", batch_size));
    }
    labels_ = labels;
    batch_size_ = batch_size;
    seed_ = seed;
    std::map<int64_t, std::vector<int64_t>> by_class;
    for (int64_t i = 0; i < static_cast<int64_t>(labels.size()); ++i)
      by_class[labels[i]].push_back(i);
    if (by_class.size() < 2) {
      return absl::InvalidArgumentError(
          "sampler \"balanced_pairs\": the training split needs at least 2 classes");
    }
    members_.clear();
    for (auto& [label, m] : by_class) {
      if (m.size() < 2) {
        return absl::InvalidArgumentError(absl::StrCat("sampler \"balanced_pairs\": class ", label,
                                                       " has a single example; no positive pair"));
      }
      members_[label] = m;
    }
    return absl::OkStatus();
  }

  bool gives_tuples() const override { return true; }

  std::vector<Batch> EpochBatches(int64_t epoch) const override {
    Rng rng = Rng(seed_).Fork(0x70616972ULL + static_cast<uint64_t>(epoch));
    const int64_t n = static_cast<int64_t>(labels_.size());
    std::vector<int64_t> order(n);
    for (int64_t i = 0; i < n; ++i) order[i] = i;
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.UniformInt(i + 1)]);
    const int64_t pairs_per_batch = batch_size_ / 2;
    std::vector<Batch> batches;
    for (int64_t start = 0; start + pairs_per_batch <= n; start += pairs_per_batch) {
      Batch b;
      Pairs pairs;
      for (int64_t k = 0; k < pairs_per_batch; ++k) {
        const int64_t a = order[start + k];
        const bool positive = k % 2 == 0;
        int64_t partner;
        do {
          partner = rng.UniformInt(n);
          if (positive) {
            const auto& same = members_.at(labels_[a]);
            partner = same[rng.UniformInt(static_cast<int64_t>(same.size()))];
          }
        } while (partner == a || (labels_[partner] == labels_[a]) != positive);
        const int64_t pos = static_cast<int64_t>(b.indices.size());
        b.indices.push_back(a);
        b.indices.push_back(partner);
        (positive ? pairs.pos_a : pairs.neg_a).push_back(pos);
        (positive ? pairs.pos_b : pairs.neg_b).push_back(pos + 1);
      }
      b.given = std::move(pairs);
      batches.push_back(std::move(b));
    }
    return batches;
  }

 private:
  std::vector<int64_t> labels_;
  std::map<int64_t, std::vector<int64_t>> members_;
  int64_t batch_size_ = 0;
  uint64_t seed_ = 0;
};

SIAMESE_REGISTER_PLUGIN(Sampler, "balanced_pairs", siamese::balanced_pairs,
                        BalancedPairsSamplerParams,
                        "random pairs, half same-class and half different-class",
                        &BalancedPairsSampler::Create);

}  // namespace
}  // namespace siamese
