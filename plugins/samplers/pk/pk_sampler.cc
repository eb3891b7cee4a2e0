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
  PkSampler(int k, uint64_t seed) : k_(k), seed_(seed) {}

  static absl::StatusOr<std::unique_ptr<Sampler>> Create(const PkSamplerParams& p,
                                                         const PluginContext& context) {
    if (p.k() < 1) return FieldError("k", absl::StrCat("must be >= 1, got ", p.k()));
    return std::unique_ptr<Sampler>(new PkSampler(p.k(), context.seed));
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
    for (int64_t i = 0; i < static_cast<int64_t>(labels.size()); ++i) by_class[labels[i]].push_back(i);
    classes_.clear();
    for (auto& [label, members] : by_class) classes_.push_back(std::move(members));
    if (p_ > static_cast<int64_t>(classes_.size())) {
      return FieldError("k", absl::StrCat("batch_size / k = ", p_, " classes per batch, but the "
                                          "training split has only ", classes_.size(),
                                          " classes; raise k"));
    }
    return absl::OkStatus();
  }

  std::vector<Batch> EpochBatches(int64_t epoch) const override {
    Rng rng = Rng(seed_).Fork(0x706b0000ULL + static_cast<uint64_t>(epoch));
    struct Group {
      int64_t cls;
      std::vector<int64_t> members;
    };
    std::vector<Group> groups;
    for (int64_t c = 0; c < static_cast<int64_t>(classes_.size()); ++c) {
      std::vector<int64_t> members = classes_[c];
      Shuffle(&members, &rng);
      for (size_t start = 0; start < members.size(); start += k_) {
        Group g{c, {}};
        for (size_t i = start; i < std::min(members.size(), start + k_); ++i) g.members.push_back(members[i]);
        // Top up a short last group from the rest of its class.
        while (static_cast<int>(g.members.size()) < k_) {
          g.members.push_back(members[rng.UniformInt(static_cast<int64_t>(members.size()))]);
        }
        groups.push_back(std::move(g));
      }
    }
    std::vector<int64_t> order(groups.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
    Shuffle(&order, &rng);
    // Pack: each batch takes the first groups (in shuffled order) of classes
    // not yet in it.
    std::vector<Batch> batches;
    std::vector<bool> used(groups.size(), false);
    size_t first_unused = 0;
    while (true) {
      while (first_unused < order.size() && used[order[first_unused]]) ++first_unused;
      std::vector<int64_t> chosen, classes_in;
      for (size_t i = first_unused; i < order.size() && static_cast<int64_t>(chosen.size()) < p_; ++i) {
        const Group& g = groups[order[i]];
        if (used[order[i]] ||
            std::find(classes_in.begin(), classes_in.end(), g.cls) != classes_in.end()) {
          continue;
        }
        chosen.push_back(order[i]);
        classes_in.push_back(g.cls);
      }
      if (static_cast<int64_t>(chosen.size()) < p_) break;
      Batch b;
      for (int64_t gi : chosen) {
        used[gi] = true;
        b.indices.insert(b.indices.end(), groups[gi].members.begin(), groups[gi].members.end());
      }
      batches.push_back(std::move(b));
    }
    return batches;
  }

 private:
  int k_;
  int64_t p_ = 0;
  uint64_t seed_;
  std::vector<std::vector<int64_t>> classes_;
};

SIAMESE_REGISTER_PLUGIN(Sampler, "pk", siamese::pk, PkSamplerParams,
                        "class-balanced batches of P classes x K examples", &PkSampler::Create);

}  // namespace
}  // namespace siamese
