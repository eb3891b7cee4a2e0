// Dataset "cylinder_bell_funnel": the synthetic Cylinder-Bell-Funnel series
// (Saito 1994), optionally with three further shapes for open-set
// experiments. The exact formulas and the random streams are documented in
// cylinder_bell_funnel.proto. Examples are float tensors [1, n].
#ifndef SIAMESE_PLUGINS_DATASETS_CYLINDER_BELL_FUNNEL_CYLINDER_BELL_FUNNEL_DATASET_H_
#define SIAMESE_PLUGINS_DATASETS_CYLINDER_BELL_FUNNEL_CYLINDER_BELL_FUNNEL_DATASET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/dataset.h"
#include "framework/tensor/rng.h"

namespace siamese {

// Class ids; the first three are the classic set.
enum CbfShape : int {
  kCylinder = 0,
  kBell = 1,
  kFunnel = 2,
  kTriangle = 3,
  kValley = 4,
  kSawtooth = 5,
};
constexpr int kNumClassicCbfShapes = 3;
constexpr int kNumCbfShapes = 6;

// "cylinder", "bell", "funnel", "triangle", "valley", "sawtooth".
// REQUIRES: 0 <= shape < kNumCbfShapes.
const char* CbfShapeName(int shape);

// One generated series with the draws that made it.
struct CbfSeries {
  std::vector<float> values;  // x(t), t in [0, n)
  std::vector<float> noise;   // eps(t); values[t] == noise[t] outside [a, b]
  int64_t a = 0, b = 0;       // the event's first and last step
  float eta = 0;              // amplitude jitter: A = 6 + eta
};

// Draws a, d, eta, eps(0), ..., eps(n - 1) from `rng`, in this order, and
// builds the series of `shape`. REQUIRES: 0 <= shape < kNumCbfShapes,
// length >= 64.
CbfSeries GenerateCbfSeries(int shape, int64_t length, Rng* rng);

struct CbfOptions {
  uint64_t seed = 0;  // the experiment's seed
  uint64_t seed_offset = 0;
  std::string split;        // "train" or "test"
  int64_t per_class = 300;  // >= 1
  int64_t length = 128;     // >= 64
  bool extra_classes = false;
};

class CylinderBellFunnelDataset : public Dataset {
 public:
  // The stream of series j of class c: Rng(seed).Fork(0xCBF).Fork(
  // seed_offset).Fork(split_tag).Fork(c << 32 | j), split_tag 1 for "train",
  // 2 for "test".
  static Rng SeriesStream(const CbfOptions& options, int shape, int64_t j);

  // Errors: InvalidArgument for a split other than "train" or "test".
  // REQUIRES: options.per_class >= 1, options.length >= 64.
  static absl::StatusOr<std::unique_ptr<Dataset>> Generate(const CbfOptions& options);

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Shape example_shape() const override { return {1, length_}; }
  const std::vector<int64_t>& labels() const override { return labels_; }
  std::vector<std::string> class_names() const override { return class_names_; }
  void CopyExample(int64_t i, float* dst) const override;
  // None: the series are generated.
  std::vector<std::string> source_files() const override { return {}; }

 private:
  int64_t length_ = 0;
  std::vector<float> values_;  // [size(), length_]
  std::vector<int64_t> labels_;
  std::vector<std::string> class_names_;
};

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_CYLINDER_BELL_FUNNEL_CYLINDER_BELL_FUNNEL_DATASET_H_
