#include "plugins/datasets/cylinder_bell_funnel/cylinder_bell_funnel_dataset.h"

#include <cmath>

#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "plugins/datasets/cylinder_bell_funnel/cylinder_bell_funnel.pb.h"

namespace siamese {
namespace {

using ::testing::ElementsAre;

absl::StatusOr<std::unique_ptr<Dataset>> Make(const std::string& params, const std::string& split,
                                              uint64_t seed = 1) {
  DatasetConfig c;
  const std::string text =
      "name: \"cylinder_bell_funnel\" [siamese.cylinder_bell_funnel] { " + params + " }";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.split = split;
  context.seed = seed;
  return Registry<Dataset>::Create(c, context);
}

std::vector<float> AllValues(const Dataset& d) {
  const int64_t n = NumElements(d.example_shape());
  std::vector<float> x(d.size() * n);
  for (int64_t i = 0; i < d.size(); ++i) d.CopyExample(i, x.data() + i * n);
  return x;
}

TEST(CbfSeriesTest, OutsideTheEventIsPureNoiseAndDrawsAreInRange) {
  Rng rng(7);
  for (int shape = 0; shape < kNumCbfShapes; ++shape) {
    for (int k = 0; k < 200; ++k) {
      const CbfSeries s = GenerateCbfSeries(shape, 128, &rng);
      ASSERT_EQ(s.values.size(), 128u);
      EXPECT_GE(s.a, 16);
      EXPECT_LE(s.a, 32);
      EXPECT_GE(s.b - s.a, 32);
      EXPECT_LE(s.b - s.a, 96);
      EXPECT_LE(s.b, 127);
      for (int64_t t = 0; t < 128; ++t) {
        if (t < s.a || t > s.b) {
          ASSERT_EQ(s.values[t], s.noise[t]) << shape << " t=" << t;
        }
      }
    }
  }
}

TEST(CbfSeriesTest, ShapesInsideTheEventFollowTheFormulas) {
  Rng rng(8);
  for (int shape = 0; shape < kNumCbfShapes; ++shape) {
    const CbfSeries s = GenerateCbfSeries(shape, 128, &rng);
    const double amp = 6.0 + s.eta, span = static_cast<double>(s.b - s.a);
    for (int64_t t = s.a; t <= s.b; ++t) {
      const double up = (t - s.a) / span, down = (s.b - t) / span;
      const double want[kNumCbfShapes] = {amp,
                                          amp * up,
                                          amp * down,
                                          amp * (1 - std::fabs(2 * up - 1)),
                                          amp * std::fabs(2 * up - 1),
                                          amp * (up < 0.5 ? 2 * up : 2 * up - 1)};
      EXPECT_NEAR(s.values[t] - s.noise[t], want[shape], 1e-5) << CbfShapeName(shape) << " t=" << t;
    }
  }
}

TEST(CbfSeriesTest, CylinderMeanInsideIsSixAndNoiseIsStandardNormal) {
  Rng rng(9);
  double inside = 0, noise = 0, noise2 = 0;
  int64_t n_inside = 0, n_noise = 0;
  for (int k = 0; k < 2000; ++k) {
    const CbfSeries s = GenerateCbfSeries(kCylinder, 128, &rng);
    for (int64_t t = 0; t < 128; ++t) {
      if (t >= s.a && t <= s.b) {
        inside += s.values[t];
        ++n_inside;
      } else {
        noise += s.values[t];
        noise2 += s.values[t] * s.values[t];
        ++n_noise;
      }
    }
  }
  // The per-series eta (std 1) dominates: the mean of 2000 series has std ~0.025.
  EXPECT_NEAR(inside / n_inside, 6.0, 0.1);
  EXPECT_NEAR(noise / n_noise, 0.0, 0.02);
  EXPECT_NEAR(noise2 / n_noise, 1.0, 0.03);
}

TEST(CbfDatasetTest, RegisteredWithClassicClassesAndCounts) {
  auto train = Make("", "train");
  ASSERT_TRUE(train.ok()) << train.status();
  EXPECT_EQ((*train)->size(), 900);
  EXPECT_EQ((*train)->example_shape(), (Shape{1, 128}));
  EXPECT_THAT((*train)->class_names(), ElementsAre("cylinder", "bell", "funnel"));
  EXPECT_TRUE((*train)->source_files().empty());
  std::vector<int64_t> counts(3);
  for (int64_t label : (*train)->labels()) ++counts[label];
  EXPECT_THAT(counts, ElementsAre(300, 300, 300));
  EXPECT_EQ((*train)->labels()[299], 0);
  EXPECT_EQ((*train)->labels()[300], 1);

  auto test = Make("test_per_class: 7 length: 200", "test");
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_EQ((*test)->size(), 21);
  EXPECT_EQ((*test)->example_shape(), (Shape{1, 200}));
}

TEST(CbfDatasetTest, ExtraClasses) {
  auto d = Make("train_per_class: 5 extra_classes: true", "train");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)->size(), 30);
  EXPECT_THAT((*d)->class_names(),
              ElementsAre("cylinder", "bell", "funnel", "triangle", "valley", "sawtooth"));
  EXPECT_EQ((*d)->labels()[29], 5);
}

TEST(CbfDatasetTest, DeterministicPerSeedAndSplit) {
  const auto a = AllValues(**Make("train_per_class: 20", "train", 3));
  EXPECT_EQ(a, AllValues(**Make("train_per_class: 20", "train", 3)));
  EXPECT_NE(a, AllValues(**Make("train_per_class: 20", "train", 4)));
  EXPECT_NE(a, AllValues(**Make("train_per_class: 20 seed_offset: 1", "train", 3)));
  EXPECT_NE(a, AllValues(**Make("test_per_class: 20", "test", 3)));
  // Series j of class c does not depend on how many series each class has.
  const auto more = AllValues(**Make("train_per_class: 30", "train", 3));
  EXPECT_TRUE(std::equal(a.begin(), a.begin() + 20 * 128, more.begin()));
  EXPECT_TRUE(std::equal(a.begin() + 20 * 128, a.begin() + 40 * 128, more.begin() + 30 * 128));
  // The classic classes are unchanged by extra_classes.
  const auto extra = AllValues(**Make("train_per_class: 20 extra_classes: true", "train", 3));
  EXPECT_TRUE(std::equal(a.begin(), a.end(), extra.begin()));
}

TEST(CbfDatasetTest, ExampleStreamIsTheDocumentedFork) {
  CbfOptions options;
  options.seed = 5;
  options.seed_offset = 2;
  options.split = "test";
  Rng rng = Rng(5).Fork(0xCBF).Fork(2).Fork(2).Fork((uint64_t{1} << 32) | 3);
  const CbfSeries s = GenerateCbfSeries(kBell, 128, &rng);
  auto d = Make("test_per_class: 4 seed_offset: 2", "test", 5);
  ASSERT_TRUE(d.ok()) << d.status();
  std::vector<float> x(128);
  (*d)->CopyExample(4 + 3, x.data());
  EXPECT_EQ(x, s.values);
  Rng same = CylinderBellFunnelDataset::SeriesStream(options, kBell, 3);
  EXPECT_EQ(GenerateCbfSeries(kBell, 128, &same).values, s.values);
}

TEST(CbfDatasetTest, ParameterErrorsNameTheField) {
  EXPECT_EQ(ErrorField(Make("train_per_class: 0", "train").status()), "train_per_class");
  EXPECT_EQ(ErrorField(Make("test_per_class: -1", "test").status()), "test_per_class");
  EXPECT_EQ(ErrorField(Make("length: 63", "train").status()), "length");
  EXPECT_FALSE(Make("", "validation").ok());
}

}  // namespace
}  // namespace siamese
