// Sampler "scaffold_sampler_example": see scaffold_sampler_example.proto for the rule.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "framework/tensor/rng.h"
#include "plugins/testing/scaffold/scaffold_sampler_example/scaffold_sampler_example.pb.h"

namespace siamese {
namespace {

class ScaffoldSamplerExampleSampler : public Sampler {
 public:
  explicit ScaffoldSamplerExampleSampler(const ScaffoldSamplerExampleSamplerParams& p) : p_(p) {}

  // Checks every parameter; an error names its field.
  static absl::StatusOr<std::unique_ptr<Sampler>> Create(
      const ScaffoldSamplerExampleSamplerParams& p, const PluginContext&) {
    if (p.k() < 1) return FieldError("k", absl::StrCat("must be >= 1, got ", p.k()));
    return std::unique_ptr<Sampler>(new ScaffoldSamplerExampleSampler(p));
  }

  // Everything EpochBatches needs is fixed here, from the labels, the batch
  // size and the seed; what the labels cannot support is an error.
  absl::Status Init(const std::vector<int64_t>& labels, int64_t batch_size,
                    uint64_t seed) override {
    seed_ = seed;
    if (batch_size % p_.k() != 0) {
      return FieldError("k", absl::StrCat("training.batch_size (", batch_size,
                                          ") must be a multiple of k (", p_.k(), ")"));
    }
    classes_per_batch_ = batch_size / p_.k();
    std::map<int64_t, std::vector<int64_t>> by_class;
    for (int64_t i = 0; i < static_cast<int64_t>(labels.size()); ++i) {
      by_class[labels[i]].push_back(i);
    }
    classes_.clear();
    skipped_ = 0;
    for (auto& [label, members] : by_class) {
      if (static_cast<int64_t>(members.size()) >= p_.k()) {
        classes_.push_back(std::move(members));
      } else {
        ++skipped_;
      }
    }
    if (classes_per_batch_ > static_cast<int64_t>(classes_.size())) {
      return FieldError("k", absl::StrCat("a batch needs batch_size / k = ", classes_per_batch_,
                                          " classes of k examples, but the training split has ",
                                          classes_.size()));
    }
    batches_ = std::max<int64_t>(1, static_cast<int64_t>(labels.size()) / batch_size);
    return absl::OkStatus();
  }

  // Printed by the trainer and recorded in results.json.
  std::vector<std::string> Warnings() const override {
    if (skipped_ == 0) return {};
    return {absl::StrCat("sampler \"scaffold_sampler_example\": ", skipped_,
                         " training classes have fewer than k = ", p_.k(),
                         " examples and are never drawn")};
  }

  // A pure function of the epoch: a resumed run recomputes it.
  std::vector<Batch> EpochBatches(int64_t epoch) const override {
    Rng rng = Rng(seed_).Fork(static_cast<uint64_t>(epoch));
    const int64_t num_classes = static_cast<int64_t>(classes_.size());
    std::vector<int64_t> order(num_classes);
    std::vector<Batch> batches(batches_);
    for (Batch& b : batches) {
      // P distinct classes, then k distinct examples of each: the first
      // draws of a Fisher-Yates shuffle (the framework's Rng; std::shuffle
      // differs between standard libraries).
      for (int64_t c = 0; c < num_classes; ++c) order[c] = c;
      for (int64_t i = 0; i < classes_per_batch_; ++i) {
        std::swap(order[i], order[i + rng.UniformInt(num_classes - i)]);
        std::vector<int64_t> members = classes_[order[i]];
        const int64_t size = static_cast<int64_t>(members.size());
        for (int64_t j = 0; j < p_.k(); ++j) {
          std::swap(members[j], members[j + rng.UniformInt(size - j)]);
          b.indices.push_back(members[j]);
        }
      }
    }
    return batches;
  }

 private:
  ScaffoldSamplerExampleSamplerParams p_;
  uint64_t seed_ = 0;
  int64_t classes_per_batch_ = 0;
  int64_t batches_ = 0;
  int64_t skipped_ = 0;
  std::vector<std::vector<int64_t>> classes_;  // the drawable classes' examples
};

SIAMESE_REGISTER_PLUGIN(Sampler, "scaffold_sampler_example", siamese::scaffold_sampler_example,
                        ScaffoldSamplerExampleSamplerParams,
                        "one line on how it draws batches (shown by train --list_plugins)",
                        &ScaffoldSamplerExampleSampler::Create);

}  // namespace
}  // namespace siamese
