// Sampler "hierarchical": batches of a few super-classes, P classes x K
// examples within each (PML's HierarchicalSampler; rule in the proto).
#include <algorithm>
#include <map>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "framework/tensor/rng.h"
#include "plugins/samplers/hierarchical/hierarchical.pb.h"

namespace siamese {
namespace {

constexpr uint64_t kEpochTag = 0x68696572;  // "hier"
constexpr int64_t kMaxBatchesPerEpoch = 100000;

// Fisher-Yates with the framework's Rng (std::shuffle's algorithm varies
// between standard libraries).
template <typename T>
void Shuffle(std::vector<T>* v, Rng* rng) {
  for (int64_t i = static_cast<int64_t>(v->size()) - 1; i > 0; --i) {
    std::swap((*v)[i], (*v)[rng->UniformInt(i + 1)]);
  }
}

// C(n, k), or -1 when it exceeds `cap`.
int64_t BinomialUpTo(int64_t n, int64_t k, int64_t cap) {
  k = std::min(k, n - k);  // the intermediate values then only grow
  int64_t c = 1;
  for (int64_t i = 0; i < k; ++i) {
    c = c * (n - i) / (i + 1);  // exact: C(n, i) * (n - i) / (i + 1) = C(n, i + 1)
    if (c > cap) return -1;
  }
  return c;
}

class HierarchicalSampler : public Sampler {
 public:
  explicit HierarchicalSampler(const HierarchicalSamplerParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Sampler>> Create(const HierarchicalSamplerParams& p,
                                                         const PluginContext&) {
    if (p.samples_per_class() < 0) {
      return FieldError("samples_per_class",
                        absl::StrCat("must be >= 1, or 0 for every example of a class (PML's "
                                     "\"all\"), got ",
                                     p.samples_per_class()));
    }
    if (p.batches_per_super_tuple() < 1) {
      return FieldError("batches_per_super_tuple",
                        absl::StrCat("must be >= 1, got ", p.batches_per_super_tuple()));
    }
    if (p.super_classes_per_batch() < 1) {
      return FieldError("super_classes_per_batch",
                        absl::StrCat("must be >= 1, got ", p.super_classes_per_batch()));
    }
    return std::unique_ptr<Sampler>(new HierarchicalSampler(p));
  }

  absl::Status Init(const std::vector<int64_t>& labels, int64_t batch_size,
                    uint64_t seed) override {
    SamplerInput input;
    input.labels = labels;
    return Init(input, batch_size, seed);
  }

  absl::Status Init(const SamplerInput& input, int64_t batch_size, uint64_t seed) override {
    seed_ = seed;
    const std::vector<int64_t>& labels = input.labels;
    const std::string dataset = input.dataset.empty()
                                    ? "the training data"
                                    : absl::StrCat("dataset \"", input.dataset, "\"");
    if (input.super_labels.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "sampler \"hierarchical\" draws each batch from a few super-classes, but ", dataset,
          " has no super-classes (Dataset::super_classes() is empty); use a dataset that has "
          "them (e.g. \"glyphs\" with labeling \"character\": a letter's script) or another "
          "sampler (\"pk\", \"m_per_class\")"));
    }
    if (input.super_labels.size() != labels.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("sampler \"hierarchical\": ", dataset, " gives ", input.super_labels.size(),
                       " super-class labels for ", labels.size(), " examples"));
    }
    const int64_t s = p_.super_classes_per_batch();
    const int64_t k = p_.samples_per_class();
    if (batch_size % s != 0) {
      return FieldError("super_classes_per_batch",
                        absl::StrCat("training.batch_size (", batch_size,
                                     ") must be a multiple of super_classes_per_batch (", s, ")"));
    }
    share_ = batch_size / s;
    if (k > 0 && share_ % k != 0) {
      return FieldError(
          "samples_per_class",
          absl::StrCat("training.batch_size / super_classes_per_batch (", batch_size, " / ", s,
                       " = ", share_, ") must be a multiple of samples_per_class (", k, ")"));
    }

    // super-class -> class -> examples, in ascending ids.
    std::map<int64_t, std::map<int64_t, std::vector<int64_t>>> tree;
    std::map<int64_t, int64_t> super_of;
    for (int64_t i = 0; i < static_cast<int64_t>(labels.size()); ++i) {
      const int64_t label = labels[i], super = input.super_labels[i];
      auto [it, inserted] = super_of.emplace(label, super);
      if (!inserted && it->second != super) {
        return absl::InvalidArgumentError(absl::StrCat(
            "sampler \"hierarchical\": ", dataset, " puts class ", label, " in super-classes ",
            it->second, " and ", super, "; every class must have one super-class"));
      }
      tree[super][label].push_back(i);
    }
    supers_.clear();
    for (auto& [super, classes] : tree) {
      std::vector<std::vector<int64_t>> members;
      for (auto& [label, examples] : classes) members.push_back(std::move(examples));
      supers_.push_back(std::move(members));
    }
    const int64_t g = static_cast<int64_t>(supers_.size());
    if (s > g) {
      return FieldError("super_classes_per_batch",
                        absl::StrCat(s, " super-classes per batch, but the training split of ",
                                     dataset, " has only ", g, " super-classes"));
    }

    // The epoch: every tuple of s super-classes, batches_per_super_tuple times.
    const int64_t b = p_.batches_per_super_tuple();
    const int64_t tuples = BinomialUpTo(g, s, kMaxBatchesPerEpoch);
    if (tuples < 0 || tuples * b > kMaxBatchesPerEpoch) {
      const bool tuples_alone = tuples < 0 || tuples > kMaxBatchesPerEpoch;
      return FieldError(
          tuples_alone ? "super_classes_per_batch" : "batches_per_super_tuple",
          absl::StrCat("an epoch of C(", g, ", ", s, ") tuples of super-classes x ", b,
                       " batches each is more than ", kMaxBatchesPerEpoch, " batches; lower ",
                       tuples_alone ? "super_classes_per_batch" : "batches_per_super_tuple"));
    }
    tuples_.clear();
    std::vector<int64_t> t(s);
    std::iota(t.begin(), t.end(), 0);
    while (true) {  // lexicographic order
      tuples_.push_back(t);
      int64_t i = s - 1;
      while (i >= 0 && t[i] == g - s + i) --i;
      if (i < 0) break;
      ++t[i];
      for (int64_t j = i + 1; j < s; ++j) t[j] = t[j - 1] + 1;
    }

    // What the user should know (Warnings()).
    short_supers_ = small_classes_ = large_classes_ = 0;
    classes_ = 0;
    for (const auto& classes : supers_) {
      classes_ += static_cast<int64_t>(classes.size());
      int64_t fitting = 0;
      for (const auto& members : classes) {
        const int64_t size = static_cast<int64_t>(members.size());
        small_classes_ += k > 0 && size < k;
        large_classes_ += k == 0 && size > share_;
        fitting += k == 0 && size <= share_;
      }
      if (k > 0) {
        short_supers_ += static_cast<int64_t>(classes.size()) < share_ / k;
      } else if (fitting == 0) {
        return FieldError("samples_per_class",
                          absl::StrCat("0 (every example of a class): a super-class of ", dataset,
                                       " has no class of at most ", share_,
                                       " examples (batch_size / super_classes_per_batch), so it "
                                       "would give no example; set samples_per_class"));
      }
    }
    return absl::OkStatus();
  }

  std::vector<std::string> Warnings() const override {
    std::vector<std::string> out;
    const int64_t k = p_.samples_per_class();
    if (short_supers_ > 0) {
      out.push_back(absl::StrCat(
          "sampler \"hierarchical\": ", short_supers_, " of ", supers_.size(),
          " super-classes of the training split have fewer than ", share_ / k,
          " classes (batch_size / super_classes_per_batch / samples_per_class); their share of a "
          "batch is short, so the batches with them have fewer than batch_size examples (as in "
          "PML)"));
    }
    if (small_classes_ > 0) {
      out.push_back(absl::StrCat("sampler \"hierarchical\": ", small_classes_, " of ", classes_,
                                 " training classes have fewer than samples_per_class = ", k,
                                 " examples; they are drawn with repeats, so an example can be "
                                 "its own positive"));
    }
    if (large_classes_ > 0) {
      out.push_back(absl::StrCat(
          "sampler \"hierarchical\": ", large_classes_, " of ", classes_,
          " training classes have more than batch_size / super_classes_per_batch = ", share_,
          " examples; with samples_per_class 0 (every example) they are never drawn"));
    }
    return out;
  }

  std::vector<Batch> EpochBatches(int64_t epoch) const override {
    const Rng epoch_rng = Rng(seed_).Fork(kEpochTag).Fork(static_cast<uint64_t>(epoch));
    const Rng batch_rngs = epoch_rng.Fork(1);
    const int64_t b = p_.batches_per_super_tuple();
    const int64_t k = p_.samples_per_class();
    std::vector<Batch> batches;
    batches.reserve(tuples_.size() * b);
    for (size_t t = 0; t < tuples_.size(); ++t) {
      for (int64_t r = 0; r < b; ++r) {
        Rng rng = batch_rngs.Fork(static_cast<uint64_t>(t * b + r));
        Batch batch;
        for (int64_t super : tuples_[t]) AddShare(supers_[super], k, &rng, &batch.indices);
        Shuffle(&batch.indices, &rng);
        batches.push_back(std::move(batch));
      }
    }
    Rng order = epoch_rng.Fork(2);
    Shuffle(&batches, &order);
    return batches;
  }

 private:
  // One super-class's share of a batch (proto: the rule).
  void AddShare(const std::vector<std::vector<int64_t>>& classes, int64_t k, Rng* rng,
                std::vector<int64_t>* out) const {
    const int64_t n = static_cast<int64_t>(classes.size());
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    if (k == 0) {  // every example of each class that still fits
      Shuffle(&order, rng);
      int64_t filled = 0;
      for (int64_t c : order) {
        const int64_t size = static_cast<int64_t>(classes[c].size());
        if (filled + size > share_) continue;
        out->insert(out->end(), classes[c].begin(), classes[c].end());
        filled += size;
        if (filled == share_) break;
      }
      return;
    }
    const int64_t p = std::min(n, share_ / k);
    for (int64_t i = 0; i < p; ++i) std::swap(order[i], order[i + rng->UniformInt(n - i)]);
    for (int64_t i = 0; i < p; ++i) {
      std::vector<int64_t> members = classes[order[i]];
      const int64_t size = static_cast<int64_t>(members.size());
      if (size >= k) {
        for (int64_t j = 0; j < k; ++j) {  // k without repeats
          std::swap(members[j], members[j + rng->UniformInt(size - j)]);
          out->push_back(members[j]);
        }
      } else {
        for (int64_t j = 0; j < k; ++j) out->push_back(members[rng->UniformInt(size)]);
      }
    }
  }

  HierarchicalSamplerParams p_;
  uint64_t seed_ = 0;
  int64_t share_ = 0;  // batch_size / super_classes_per_batch
  // super-class (ascending id) -> class (ascending id) -> example indices.
  std::vector<std::vector<std::vector<int64_t>>> supers_;
  std::vector<std::vector<int64_t>> tuples_;  // indices into supers_
  int64_t classes_ = 0, short_supers_ = 0, small_classes_ = 0, large_classes_ = 0;
};

SIAMESE_REGISTER_PLUGIN(Sampler, "hierarchical", siamese::hierarchical, HierarchicalSamplerParams,
                        "batches of a few super-classes, P classes x K examples within each, so "
                        "negatives share a super-class (PML's HierarchicalSampler)",
                        &HierarchicalSampler::Create);

}  // namespace
}  // namespace siamese
