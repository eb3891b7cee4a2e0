// Sampler "m_per_class": random classes, m examples each, a fixed number of
// batches per epoch (PML's MPerClassSampler; rule in the proto).
#include <map>

#include "absl/strings/str_cat.h"
#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "framework/tensor/rng.h"
#include "plugins/samplers/m_per_class/m_per_class.pb.h"

namespace siamese {
namespace {

constexpr uint64_t kEpochTag = 0x6d706300;  // "mpc"

class MPerClassSampler : public Sampler {
 public:
  explicit MPerClassSampler(const MPerClassSamplerParams& p) : p_(p) {}

  static absl::StatusOr<std::unique_ptr<Sampler>> Create(const MPerClassSamplerParams& p,
                                                         const PluginContext&) {
    if (p.m() < 1) return FieldError("m", absl::StrCat("must be >= 1, got ", p.m()));
    if (p.batches_per_epoch() < 0) {
      return FieldError(
          "batches_per_epoch",
          absl::StrCat("must be >= 0 (0: examples / batch_size), got ", p.batches_per_epoch()));
    }
    return std::unique_ptr<Sampler>(new MPerClassSampler(p));
  }

  absl::Status Init(const std::vector<int64_t>& labels, int64_t batch_size,
                    uint64_t seed) override {
    seed_ = seed;
    if (batch_size % p_.m() != 0) {
      return FieldError("m", absl::StrCat("training.batch_size (", batch_size,
                                          ") must be a multiple of m (", p_.m(), ")"));
    }
    classes_per_batch_ = batch_size / p_.m();
    std::map<int64_t, std::vector<int64_t>> by_class;
    for (int64_t i = 0; i < static_cast<int64_t>(labels.size()); ++i) {
      by_class[labels[i]].push_back(i);
    }
    classes_.clear();
    for (auto& [label, members] : by_class) classes_.push_back(std::move(members));
    if (classes_per_batch_ > static_cast<int64_t>(classes_.size())) {
      return FieldError("m", absl::StrCat("batch_size / m = ", classes_per_batch_,
                                          " classes per batch, but the training split has "
                                          "only ",
                                          classes_.size(), " classes; raise m"));
    }
    small_classes_ = 0;
    for (const auto& members : classes_) {
      small_classes_ += static_cast<int64_t>(members.size()) < p_.m();
    }
    batches_ = p_.batches_per_epoch() > 0
                   ? p_.batches_per_epoch()
                   : std::max<int64_t>(1, static_cast<int64_t>(labels.size()) / batch_size);
    return absl::OkStatus();
  }

  std::vector<std::string> Warnings() const override {
    if (small_classes_ == 0) return {};
    return {absl::StrCat("sampler \"m_per_class\": ", small_classes_, " of ", classes_.size(),
                         " training classes have fewer than m = ", p_.m(),
                         " examples; they are drawn with repeats, so an example can be its own "
                         "positive (lower m to avoid it)")};
  }

  std::vector<Batch> EpochBatches(int64_t epoch) const override {
    Rng rng = Rng(seed_).Fork(kEpochTag).Fork(static_cast<uint64_t>(epoch));
    const int64_t num_classes = static_cast<int64_t>(classes_.size());
    std::vector<Batch> batches(batches_);
    std::vector<int64_t> order(num_classes);
    for (Batch& b : batches) {
      // batch_size / m distinct classes: the first of a partial Fisher-Yates.
      for (int64_t c = 0; c < num_classes; ++c) order[c] = c;
      for (int64_t i = 0; i < classes_per_batch_; ++i) {
        std::swap(order[i], order[i + rng.UniformInt(num_classes - i)]);
      }
      for (int64_t i = 0; i < classes_per_batch_; ++i) {
        std::vector<int64_t> members = classes_[order[i]];
        const int64_t size = static_cast<int64_t>(members.size());
        if (size >= p_.m()) {
          for (int64_t j = 0; j < p_.m(); ++j) {  // m without repeats
            std::swap(members[j], members[j + rng.UniformInt(size - j)]);
            b.indices.push_back(members[j]);
          }
        } else {
          for (int64_t j = 0; j < p_.m(); ++j) b.indices.push_back(members[rng.UniformInt(size)]);
        }
      }
    }
    return batches;
  }

 private:
  MPerClassSamplerParams p_;
  uint64_t seed_ = 0;
  int64_t classes_per_batch_ = 0;
  int64_t batches_ = 0;
  int64_t small_classes_ = 0;
  std::vector<std::vector<int64_t>> classes_;
};

SIAMESE_REGISTER_PLUGIN(Sampler, "m_per_class", siamese::m_per_class, MPerClassSamplerParams,
                        "random classes, m examples each, a fixed number of batches per epoch "
                        "(PML's MPerClassSampler)",
                        &MPerClassSampler::Create);

}  // namespace
}  // namespace siamese
