#include "plugins/datasets/cylinder_bell_funnel/cylinder_bell_funnel_dataset.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "plugins/datasets/cylinder_bell_funnel/cylinder_bell_funnel.pb.h"

namespace siamese {

const char* CbfShapeName(int shape) {
  static constexpr const char* kNames[kNumCbfShapes] = {"cylinder", "bell",   "funnel",
                                                        "triangle", "valley", "sawtooth"};
  SIAMESE_CHECK(shape >= 0 && shape < kNumCbfShapes) << "cylinder_bell_funnel: shape " << shape;
  return kNames[shape];
}

CbfSeries GenerateCbfSeries(int shape, int64_t length, Rng* rng) {
  SIAMESE_CHECK(shape >= 0 && shape < kNumCbfShapes) << "cylinder_bell_funnel: shape " << shape;
  SIAMESE_CHECK(length >= 64) << "cylinder_bell_funnel: length " << length << " < 64";
  CbfSeries s;
  s.a = 16 + rng->UniformInt(17);              // {16, ..., 32}
  const int64_t d = 32 + rng->UniformInt(65);  // {32, ..., 96}
  s.b = std::min(s.a + d, length - 1);
  s.eta = rng->Normal();
  s.noise.resize(length);
  for (float& e : s.noise) e = rng->Normal();
  const double amplitude = 6.0 + s.eta;
  const double span = static_cast<double>(s.b - s.a);
  s.values.resize(length);
  for (int64_t t = 0; t < length; ++t) {
    double x = 0;  // the shape without noise; 0 outside [a, b]
    if (t >= s.a && t <= s.b) {
      const double up = static_cast<double>(t - s.a) / span;    // 0 at a, 1 at b
      const double down = static_cast<double>(s.b - t) / span;  // 1 at a, 0 at b
      switch (shape) {
        case kCylinder:
          x = amplitude;
          break;
        case kBell:
          x = amplitude * up;
          break;
        case kFunnel:
          x = amplitude * down;
          break;
        case kTriangle:
          x = amplitude * (1.0 - std::fabs(2.0 * up - 1.0));
          break;
        case kValley:
          x = amplitude * std::fabs(2.0 * up - 1.0);
          break;
        case kSawtooth:
          x = amplitude * (2.0 * up - (up >= 0.5 ? 1.0 : 0.0));
          break;
      }
    }
    s.values[t] = static_cast<float>(x) + s.noise[t];
  }
  return s;
}

Rng CylinderBellFunnelDataset::SeriesStream(const CbfOptions& options, int shape, int64_t j) {
  const uint64_t split_tag = options.split == "train" ? 1 : 2;
  return Rng(options.seed)
      .Fork(0xCBF)
      .Fork(options.seed_offset)
      .Fork(split_tag)
      .Fork((static_cast<uint64_t>(shape) << 32) | static_cast<uint64_t>(j));
}

absl::StatusOr<std::unique_ptr<Dataset>> CylinderBellFunnelDataset::Generate(
    const CbfOptions& options) {
  SIAMESE_CHECK(options.per_class >= 1 && options.length >= 64)
      << "cylinder_bell_funnel: per_class " << options.per_class << ", length " << options.length;
  if (options.split != "train" && options.split != "test") {
    return absl::InvalidArgumentError(absl::StrCat(
        "cylinder_bell_funnel: split must be \"train\" or \"test\", got \"", options.split, "\""));
  }
  auto d = std::unique_ptr<CylinderBellFunnelDataset>(new CylinderBellFunnelDataset);
  const int classes = options.extra_classes ? kNumCbfShapes : kNumClassicCbfShapes;
  d->length_ = options.length;
  d->values_.reserve(classes * options.per_class * options.length);
  for (int c = 0; c < classes; ++c) {
    d->class_names_.push_back(CbfShapeName(c));
    for (int64_t j = 0; j < options.per_class; ++j) {
      Rng rng = SeriesStream(options, c, j);
      const CbfSeries s = GenerateCbfSeries(c, options.length, &rng);
      d->values_.insert(d->values_.end(), s.values.begin(), s.values.end());
      d->labels_.push_back(c);
    }
  }
  return std::unique_ptr<Dataset>(std::move(d));
}

void CylinderBellFunnelDataset::CopyExample(int64_t i, float* dst) const {
  SIAMESE_CHECK(i >= 0 && i < size()) << "cylinder_bell_funnel: example " << i << " of " << size();
  std::copy_n(values_.data() + i * length_, length_, dst);
}

namespace {

absl::StatusOr<std::unique_ptr<Dataset>> CreateCbf(const CylinderBellFunnelParams& p,
                                                   const PluginContext& context) {
  if (p.train_per_class() < 1) {
    return FieldError("train_per_class", absl::StrCat("must be >= 1, got ", p.train_per_class()));
  }
  if (p.test_per_class() < 1) {
    return FieldError("test_per_class", absl::StrCat("must be >= 1, got ", p.test_per_class()));
  }
  if (p.length() < 64) {
    return FieldError("length", absl::StrCat("must be >= 64, got ", p.length()));
  }
  CbfOptions options;
  options.seed = context.seed;
  options.seed_offset = p.seed_offset();
  options.split = context.split;
  options.per_class = context.split == "train" ? p.train_per_class() : p.test_per_class();
  options.length = p.length();
  options.extra_classes = p.extra_classes();
  return CylinderBellFunnelDataset::Generate(options);
}

SIAMESE_REGISTER_PLUGIN(Dataset, "cylinder_bell_funnel", siamese::cylinder_bell_funnel,
                        CylinderBellFunnelParams,
                        "synthetic Cylinder-Bell-Funnel series (Saito 1994), optionally with "
                        "three more shapes for open-set experiments",
                        &CreateCbf);

}  // namespace
}  // namespace siamese
