// Sampler: how training batches are drawn from the training labels.
//
// EpochBatches(e) is a pure function of (SamplerInput, batch size, seed, e):
// the same arguments always give the same batches. This makes runs reproducible
// and resuming trivial (recompute the epoch, skip the batches already done).
#ifndef SIAMESE_FRAMEWORK_CORE_SAMPLER_H_
#define SIAMESE_FRAMEWORK_CORE_SAMPLER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "framework/core/tuples.h"
#include "framework/proto/experiment.pb.h"

namespace siamese {

// One training batch: indices into the training split and, for samplers that
// choose tuples themselves (e.g. balanced random pairs), those tuples as
// positions in `indices`; they are used when the experiment has no miner.
struct Batch {
  std::vector<int64_t> indices;
  Tuples given;
};

// The training split as a sampler sees it.
struct SamplerInput {
  // One class id per training example.
  std::vector<int64_t> labels;
  // One super-class id per training example (Dataset::super_classes() of its
  // class: every example of a class has the same one), or empty when the
  // dataset has no super-classes (the default of Dataset).
  std::vector<int64_t> super_labels;
  // The dataset plugin's name (data.dataset.name), for error messages.
  std::string dataset;
};

class Sampler {
 public:
  using Config = SamplerConfig;
  static constexpr const char* kKind = "sampler";

  virtual ~Sampler() = default;

  // Called once before EpochBatches; the framework calls this one. Returns
  // InvalidArgument when the input cannot support the sampler (e.g. fewer
  // than K examples in every class). Default: Init(input.labels, ...) below,
  // for samplers that need only the labels. A sampler that needs
  // super-classes overrides it and refuses an input without them
  // (input.super_labels empty) with InvalidArgument naming itself and
  // input.dataset.
  // REQUIRES: input.super_labels is empty or as long as input.labels.
  virtual absl::Status Init(const SamplerInput& input, int64_t batch_size, uint64_t seed) {
    return Init(input.labels, batch_size, seed);
  }
  // The same from the labels alone (no super-classes).
  virtual absl::Status Init(const std::vector<int64_t>& labels, int64_t batch_size,
                            uint64_t seed) = 0;
  // The batches of epoch `epoch` (indices into the labels given to Init).
  // Every epoch has as many batches as epoch 0.
  virtual std::vector<Batch> EpochBatches(int64_t epoch) const = 0;
  // Whether every batch carries its own tuples (Batch::given), so that the
  // experiment may go without a miner. Default: false.
  virtual bool gives_tuples() const { return false; }
  // After Init: what the user should know about how the labels were
  // sampled (e.g. classes too small for a batch's share, topped up with
  // repeats); the trainer prints them and records them in results.json.
  // Default: none.
  virtual std::vector<std::string> Warnings() const { return {}; }
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_SAMPLER_H_
