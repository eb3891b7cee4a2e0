// Miner: chooses which pairs or triplets of a batch the loss sees.
//
// Mining works on the batch's N x N distance matrix (never on an N^3
// tensor), the labels and, for miners that need them (a memory of past
// embeddings), the embeddings themselves; it returns indices into the batch
// (framework/core/tuples.h). Miners do not take part in differentiation: they
// read plain values.
//
// State. A miner may keep state across steps (e.g. a queue of past
// embeddings). It exposes it as named tensors through State(), which the
// trainer saves in every checkpoint, and takes it back through LoadState()
// when a run resumes, so a resumed run mines exactly as an uninterrupted one.
// Miners without state keep the defaults.
#ifndef SIAMESE_FRAMEWORK_CORE_MINER_H_
#define SIAMESE_FRAMEWORK_CORE_MINER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "framework/core/distance.h"
#include "framework/core/references.h"
#include "framework/core/tuples.h"
#include "framework/proto/experiment.pb.h"
#include "framework/tensor/tensor.h"

namespace siamese {

struct MinerInput {
  const Tensor* embeddings = nullptr;            // [N, D], plain
  const Tensor* distances = nullptr;             // [N, M], plain, computed with `distance`
  const std::vector<int64_t>* labels = nullptr;  // N entries
  Distance distance = Distance::Euclidean();
  // The training step: with the plugin's seed, the only source of
  // randomness, so a resumed run mines exactly as an uninterrupted one.
  int64_t step = 0;
  // The columns of `distances` when they are not the batch itself: a
  // cross-batch memory (framework/core/references.h). Null: M == N, the
  // batch against itself. Only miners whose accepts_references() is true
  // are given references.
  const References* references = nullptr;

  Comparisons comparisons() const { return Comparisons(labels, references); }
};

class Miner {
 public:
  using Config = MinerConfig;
  static constexpr const char* kKind = "miner";

  virtual ~Miner() = default;

  // What Mine() returns.
  virtual TupleKind output() const = 0;
  virtual Tuples Mine(const MinerInput& input) = 0;
  // True when Mine() handles input.references: it loops over
  // comparisons() (rows x columns, skipping !comparable) and, when
  // comparisons().directed(), returns tuples whose first index is a row
  // and whose others are columns. Default: false (the trainer then refuses
  // a cross-batch memory with this miner, naming it).
  virtual bool accepts_references() const { return false; }

  // The state carried from one step to the next; default: none.
  virtual NamedTensors State() const { return {}; }
  // Replaces the state with one State() returned. Default: accepts only an
  // empty state (InvalidArgument naming the first entry otherwise).
  virtual absl::Status LoadState(const NamedTensors& state);
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_MINER_H_
