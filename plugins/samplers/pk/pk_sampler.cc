// Sampler "pk": P classes x K examples per batch.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "framework/tensor/rng.h"
#include "plugins/samplers/pk/pk.pb.h"

namespace siamese {
namespace {

// Fisher-Yates with the framework's Rng (std::shuffle's algorithm varies
// between standard libraries).
void Shuffle(std::vector<int64_t>* v, Rng* rng) {
  for (int64_t i = static_cast<int64_t>(v->size()) - 1; i > 0; --i) {
    std::swap((*v)[i], (*v)[rng->UniformInt(i + 1)]);
  }
}

class PkSampler : public Sampler {
 public:
  explicit PkSampler(int k) : k_(k) {}

  static absl::StatusOr<std::unique_ptr<Sampler>> Create(const PkSamplerParams& p,
                                                         const PluginContext&) {
    if (p.k() < 1) return FieldError("k", absl::StrCat("must be >= 1, got ", p.k()));
    return std::unique_ptr<Sampler>(new PkSampler(p.k()));
  }

  absl::Status Init(const std::vector<int64_t>& labels, int64_t batch_size,
                    uint64_t seed) override {
    seed_ = seed;
    if (batch_size % k_ != 0) {
      return FieldError("k", absl::StrCat("training.batch_size (", batch_size,
                                          ") must be a multiple of k (", k_, ")"));
    }
    p_ = batch_size / k_;
    std::map<int64_t, std::vector<int64_t>> by_class;
    for (int64_t i = 0; i < static_cast<int64_t>(labels.size()); ++i)
      by_class[labels[i]].push_back(i);
    classes_.clear();
    for (auto& [label, members] : by_class) classes_.push_back(std::move(members));
    small_classes_ = 0;
    for (const auto& members : classes_) small_classes_ += static_cast<int>(members.size()) < k_;
    if (p_ > static_cast<int64_t>(classes_.size())) {
      return FieldError("k", absl::StrCat("batch_size / k = ", p_,
                                          " classes per batch, but the "
                                          "training split has only ",
                                          classes_.size(), " classes; raise k"));
    }
    return absl::OkStatus();
  }

  std::vector<std::string> Warnings() const override {
    if (small_classes_ == 0) return {};
    return {absl::StrCat("sampler \"pk\": ", small_classes_, " of ", classes_.size(),
                         " training classes have fewer than k = ", k_,
                         " examples; their groups are topped up with repeats, so an example "
                         "can be its own positive (lower k to avoid it)")};
  }

  std::vector<Batch> EpochBatches(int64_t epoch) const override {
    Rng rng = Rng(seed_).Fork(0x706b0000ULL + static_cast<uint64_t>(epoch));
    // Per class, its shuffled examples cut into groups of K.
    std::vector<std::vector<std::vector<int64_t>>> groups(classes_.size());
    for (size_t c = 0; c < classes_.size(); ++c) {
      std::vector<int64_t> members = classes_[c];
      Shuffle(&members, &rng);
      for (size_t start = 0; start < members.size(); start += k_) {
        std::vector<int64_t> g(members.begin() + start,
                               members.begin() + std::min(members.size(), start + k_));
        // Top up a short last group from the rest of its class.
        while (static_cast<int>(g.size()) < k_) {
          g.push_back(members[rng.UniformInt(static_cast<int64_t>(members.size()))]);
        }
        groups[c].push_back(std::move(g));
      }
    }
    // Each batch takes a group from the P classes with the most groups left
    // (random tie-break): this packs the largest number of full batches.
    std::vector<Batch> batches;
    std::vector<size_t> next(classes_.size(), 0);
    std::vector<std::pair<int64_t, uint64_t>> rank(classes_.size());
    while (true) {
      std::vector<int64_t> order(classes_.size());
      for (size_t c = 0; c < classes_.size(); ++c) order[c] = static_cast<int64_t>(c);
      std::vector<uint64_t> tie(classes_.size());
      for (auto& t : tie) t = rng.NextU64();
      std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        const size_t ra = groups[a].size() - next[a], rb = groups[b].size() - next[b];
        return ra != rb ? ra > rb : tie[a] < tie[b];
      });
      if (groups[order[p_ - 1]].size() - next[order[p_ - 1]] == 0) break;
      Batch b;
      for (int64_t i = 0; i < p_; ++i) {
        const auto& g = groups[order[i]][next[order[i]]++];
        b.indices.insert(b.indices.end(), g.begin(), g.end());
      }
      batches.push_back(std::move(b));
    }
    for (int64_t i = static_cast<int64_t>(batches.size()) - 1; i > 0; --i) {
      std::swap(batches[i], batches[rng.UniformInt(i + 1)]);
    }
    return batches;
  }

 private:
  int small_classes_ = 0;
  int k_;
  int64_t p_ = 0;
  uint64_t seed_ = 0;  // from Init
  std::vector<std::vector<int64_t>> classes_;
};

SIAMESE_REGISTER_PLUGIN(Sampler, "pk", siamese::pk, PkSamplerParams,
                        "class-balanced batches of P classes x K examples", &PkSampler::Create);

}  // namespace
}  // namespace siamese
