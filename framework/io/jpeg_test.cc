#include "framework/io/jpeg.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "framework/io/atomic_file.h"
#include "framework/io/image.h"
#include "framework/io/image_write_testutil.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;
using testing_io::EncodeJpeg;
using testing_io::EncodePng;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir ? dir : "/tmp";
}

// Flat 8x8 blocks survive JPEG at quality 100 within a level or two.
std::vector<uint8_t> Flat(int width, int height, std::vector<uint8_t> color) {
  std::vector<uint8_t> out;
  for (int i = 0; i < width * height; ++i) out.insert(out.end(), color.begin(), color.end());
  return out;
}

TEST(JpegTest, DecodesRgbColors) {
  // Left 8 columns red, right 8 columns blue: each 8x8 block is one color.
  std::vector<uint8_t> px;
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 16; ++x) {
      const std::vector<uint8_t> c = x < 8 ? std::vector<uint8_t>{200, 30, 40}
                                           : std::vector<uint8_t>{10, 20, 220};
      px.insert(px.end(), c.begin(), c.end());
    }
  }
  auto image = DecodeColorImage(EncodeJpeg(16, 8, 3, px), "rgb.jpg");
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->width, 16);
  EXPECT_EQ(image->height, 8);
  EXPECT_EQ(image->channels, 3);
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(image->pixels[(3 * 16 + 2) * 3 + k], px[(3 * 16 + 2) * 3 + k], 3) << k;
    EXPECT_NEAR(image->pixels[(5 * 16 + 12) * 3 + k], px[(5 * 16 + 12) * 3 + k], 3) << k;
  }
}

TEST(JpegTest, GrayscaleStaysOneChannelAndGrayReaderAcceptsJpeg) {
  const std::string bytes = EncodeJpeg(8, 8, 1, Flat(8, 8, {77}));
  auto image = DecodeColorImage(bytes, "gray.jpg");
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->channels, 1);
  EXPECT_NEAR(image->pixels[27], 77, 1);
  // The gray reader (verify's) converts color JPEGs with BT.601 luma.
  auto gray = DecodeImage(EncodeJpeg(8, 8, 3, Flat(8, 8, {255, 0, 0})), "red.jpg");
  ASSERT_TRUE(gray.ok()) << gray.status();
  EXPECT_NEAR(gray->pixels[0], 76, 3);  // 0.299 * 255
}

TEST(JpegTest, DctScalingKeepsTheMinimumSide) {
  const std::string bytes = EncodeJpeg(64, 40, 3, Flat(64, 40, {9, 99, 199}));
  auto full = DecodeColorImage(bytes, "a.jpg");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->width, 64);
  auto scaled = DecodeColorImage(bytes, "a.jpg", kDefaultMaxPixels, 10);
  ASSERT_TRUE(scaled.ok()) << scaled.status();
  EXPECT_EQ(scaled->width, 16);  // 1/4: 16x10 keeps both sides >= 10; 1/8 would give 8x5
  EXPECT_EQ(scaled->height, 10);
  EXPECT_NEAR(scaled->pixels[1], 99, 3);
}

TEST(JpegTest, TruncatedJpegNamesFileAndOffset) {
  const std::string bytes = EncodeJpeg(32, 32, 3, Flat(32, 32, {1, 2, 3}), 90);
  const std::string cut = bytes.substr(0, bytes.size() / 2);
  const std::string path = TempDir() + "/cut.jpg";
  ASSERT_TRUE(WriteFileAtomically(path, cut).ok());
  auto image = ReadColorImage(path);
  ASSERT_FALSE(image.ok());
  EXPECT_THAT(std::string(image.status().message()), HasSubstr(path + ": bad JPEG: "));
  EXPECT_THAT(std::string(image.status().message()),
              HasSubstr("truncated at byte offset " + std::to_string(cut.size())));
}

TEST(JpegTest, TextFileNamedPngIsRefused) {
  const std::string path = TempDir() + "/notes.png";
  ASSERT_TRUE(WriteFileAtomically(path, "just some text\n").ok());
  auto image = ReadColorImage(path);
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(std::string(image.status().message()),
            path + ": not a PNG, JPEG or binary PGM (P5) image (unrecognized first bytes at "
                   "offset 0)");
}

TEST(JpegTest, HugeHeaderIsRefusedBeforeDecoding) {
  const std::string bytes = EncodeJpeg(64, 64, 1, Flat(64, 64, {0}));
  auto image = DecodeColorImage(bytes, "big.jpg", 1000);
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(std::string(image.status().message()),
            "big.jpg: JPEG of 64x64 pixels is larger than the 1000 pixels allowed here");
}

TEST(JpegTest, PngKeepsColor) {
  auto image = DecodeColorImage(EncodePng(2, 1, 3, {1, 2, 3, 250, 251, 252}), "c.png");
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->channels, 3);
  EXPECT_EQ(image->pixels, (std::vector<uint8_t>{1, 2, 3, 250, 251, 252}));
  auto gray = DecodeColorImage(EncodePng(2, 1, 1, {5, 6}), "g.png");
  ASSERT_TRUE(gray.ok());
  EXPECT_EQ(gray->channels, 1);
  EXPECT_EQ(gray->pixels, (std::vector<uint8_t>{5, 6}));
}

}  // namespace
}  // namespace siamese
