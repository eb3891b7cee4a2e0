#include "plugins/datasets/image_folder/transform.h"

#include <cstring>
#include <vector>

#include "framework/tensor/rng.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

ColorImage Gray(int w, int h, std::vector<uint8_t> px) {
  return ColorImage{h, w, 1, std::move(px)};
}

TEST(FitImageTest, WideImageIsCenterCropped) {
  // 4 wide, 2 high: the centered 2x2 square is columns 1 and 2.
  const auto out = FitImage(Gray(4, 2, {10, 20, 30, 40, 50, 60, 70, 80}), 1, 2);
  EXPECT_EQ(out, (std::vector<uint8_t>{20, 30, 60, 70}));
}

TEST(FitImageTest, ShrinkingAveragesBlocks) {
  std::vector<uint8_t> px;
  for (int i = 0; i < 16; ++i) px.push_back(static_cast<uint8_t>(4 * i));  // 4 * (4y + x)
  // Block means: (0 + 4 + 16 + 20) / 4 = 10, (8 + 12 + 24 + 28) / 4 = 18, ...
  EXPECT_EQ(FitImage(Gray(4, 4, px), 1, 2), (std::vector<uint8_t>{10, 18, 42, 50}));
}

TEST(FitImageTest, OddCropSplitsPixels) {
  // 3 wide, 2 high: the square starts half a pixel in, so each output
  // column is half of two source columns: (0 + 100) / 2 and (100 + 200) / 2.
  EXPECT_EQ(FitImage(Gray(3, 2, {0, 100, 200, 0, 100, 200}), 1, 2),
            (std::vector<uint8_t>{50, 150, 50, 150}));
}

TEST(FitImageTest, EnlargingRepeatsPixels) {
  EXPECT_EQ(FitImage(Gray(2, 2, {1, 2, 3, 4}), 1, 4),
            (std::vector<uint8_t>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
}

TEST(FitImageTest, ChannelsArePlanarAndConverted) {
  const ColorImage rgb{1, 2, 3, {255, 0, 0, 10, 20, 30}};
  EXPECT_EQ(FitImage(rgb, 3, 1), (std::vector<uint8_t>{133, 10, 15}));  // means of 2 columns
  const ColorImage red{1, 1, 3, {255, 0, 0}};
  EXPECT_EQ(FitImage(red, 1, 1), (std::vector<uint8_t>{76}));  // 0.299 * 255
  EXPECT_EQ(FitImage(Gray(1, 1, {9}), 3, 1), (std::vector<uint8_t>{9, 9, 9}));
}

std::vector<uint8_t> Noise(int n, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint8_t> px(n);
  for (uint8_t& p : px) p = static_cast<uint8_t>(rng.UniformInt(256));
  return px;
}

TEST(AugmentImageTest, SameSeedEpochAndExampleGiveTheSameBytes) {
  const std::vector<uint8_t> px = Noise(3 * 16 * 16, 1);
  ImageAugmentation aug;  // defaults: crop, flip, jitter
  auto run = [&](uint64_t seed, int64_t epoch, int64_t example) {
    std::vector<float> out(px.size());
    AugmentImage(px.data(), 3, 16, aug, seed, epoch, example, out.data());
    return out;
  };
  const std::vector<float> a = run(5, 2, 9);
  const std::vector<float> b = run(5, 2, 9);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  EXPECT_NE(run(5, 3, 9), a);  // another epoch
  EXPECT_NE(run(5, 2, 8), a);  // another example
  EXPECT_NE(run(6, 2, 9), a);  // another seed
  for (float v : a) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
}

TEST(AugmentImageTest, NothingEnabledIsTheImage) {
  const std::vector<uint8_t> px = Noise(2 * 8 * 8, 2);  // 2 planes of 8x8, as 1 channel x 2
  ImageAugmentation aug;
  aug.set_min_crop_area(1);
  aug.set_horizontal_flip(false);
  aug.set_color_jitter(0);
  std::vector<float> out(64);
  AugmentImage(px.data(), 1, 8, aug, 1, 0, 0, out.data());
  for (int k = 0; k < 64; ++k) EXPECT_FLOAT_EQ(out[k], px[k] / 255.0f) << k;
}

TEST(AugmentImageTest, FlipMirrorsRowsInSomeEpochs) {
  const std::vector<uint8_t> px = Noise(8 * 8, 3);
  ImageAugmentation aug;
  aug.set_min_crop_area(1);
  aug.set_color_jitter(0);
  int flipped = 0, kept = 0;
  for (int epoch = 0; epoch < 20; ++epoch) {
    std::vector<float> out(64);
    AugmentImage(px.data(), 1, 8, aug, 1, epoch, 0, out.data());
    auto v = [&](int k) { return px[k] * (1.0f / 255.0f); };  // as the dataset scales
    const bool same = out[0] == v(0) && out[7] == v(7);
    const bool mirrored = out[0] == v(7) && out[7] == v(0) && out[8 * 3 + 2] == v(8 * 3 + 5);
    ASSERT_TRUE(same || mirrored) << epoch;
    (mirrored ? flipped : kept)++;
  }
  EXPECT_GT(flipped, 0);
  EXPECT_GT(kept, 0);
}

}  // namespace
}  // namespace siamese
