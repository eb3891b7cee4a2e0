#include "framework/io/image.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <string>
#include <vector>

#include "framework/io/atomic_file.h"
#include "framework/io/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Writes a non-interlaced PNG with libpng. `samples` holds width * channels
// samples per row (16-bit samples as values 0..65535).
bool WritePngWith(std::FILE* f, png_structp png, png_infop info, int width, int height,
                  int color_type, int bit_depth, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, f);
  png_set_IHDR(png, info, width, height, bit_depth, color_type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

void WritePng(const std::string& path, int width, int height, int color_type, int bit_depth,
              const std::vector<int>& samples) {
  const int channels = color_type == PNG_COLOR_TYPE_GRAY         ? 1
                       : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                       : color_type == PNG_COLOR_TYPE_RGB        ? 3
                                                                 : 4;
  const int bytes_per_sample = bit_depth == 16 ? 2 : 1;
  ASSERT_EQ(samples.size(), static_cast<size_t>(width * height * channels));
  std::vector<png_byte> data;
  for (int v : samples) {
    if (bytes_per_sample == 2) data.push_back(static_cast<png_byte>(v >> 8));  // big-endian
    data.push_back(static_cast<png_byte>(v & 0xff));
  }
  std::vector<png_bytep> rows(height);
  for (int y = 0; y < height; ++y) rows[y] = &data[y * width * channels * bytes_per_sample];
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  const bool ok = WritePngWith(f, png, info, width, height, color_type, bit_depth, rows.data());
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
  ASSERT_TRUE(ok) << path;
}

// Rounded ITU-R BT.601 luma, computed in floating point.
int Luma(int r, int g, int b) { return static_cast<int>(0.299 * r + 0.587 * g + 0.114 * b + 0.5); }

class ImageTest : public ::testing::Test {
 protected:
  std::string dir_ = testing_io::NewTestDir();
};

TEST_F(ImageTest, ReadsGrayscalePng) {
  const std::string path = dir_ + "/gray.png";
  WritePng(path, 3, 2, PNG_COLOR_TYPE_GRAY, 8, {0, 1, 2, 128, 254, 255});
  auto image = ReadImage(path);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->height, 2);
  EXPECT_EQ(image->width, 3);
  EXPECT_THAT(image->pixels, ElementsAre(0, 1, 2, 128, 254, 255));
}

TEST_F(ImageTest, ConvertsRgbPngWithBt601Luma) {
  const std::string path = dir_ + "/rgb.png";
  WritePng(path, 2, 2, PNG_COLOR_TYPE_RGB, 8,
           {255, 0, 0, /**/ 0, 255, 0, /**/ 0, 0, 255, /**/ 10, 200, 30});
  auto image = ReadImage(path);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->height, 2);
  EXPECT_EQ(image->width, 2);
  EXPECT_THAT(image->pixels,
              ElementsAre(Luma(255, 0, 0), Luma(0, 255, 0), Luma(0, 0, 255), Luma(10, 200, 30)));
  EXPECT_THAT(image->pixels, ElementsAre(76, 150, 29, 124));
}

TEST_F(ImageTest, IgnoresAlpha) {
  const std::string path = dir_ + "/rgba.png";
  WritePng(path, 2, 1, PNG_COLOR_TYPE_RGBA, 8, {100, 50, 25, 0, /**/ 7, 7, 7, 255});
  auto image = ReadImage(path);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_THAT(image->pixels, ElementsAre(Luma(100, 50, 25), 7));
}

TEST_F(ImageTest, Reduces16BitPngTo8) {
  const std::string path = dir_ + "/gray16.png";
  WritePng(path, 4, 1, PNG_COLOR_TYPE_GRAY, 16, {0, 257 * 100, 65535, 257 * 37});
  auto image = ReadImage(path);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_THAT(image->pixels, ElementsAre(0, 100, 255, 37));
}

TEST_F(ImageTest, ReadsBinaryPgmWithComments) {
  const std::string path = dir_ + "/a.pgm";
  std::string bytes = "P5\n# made by hand\n3 2\n255\n";
  for (int v : {0, 10, 20, 200, 250, 255}) bytes.push_back(static_cast<char>(v));
  ASSERT_TRUE(WriteFileAtomically(path, bytes).ok());
  auto image = ReadImage(path);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->height, 2);
  EXPECT_EQ(image->width, 3);
  EXPECT_THAT(image->pixels, ElementsAre(0, 10, 20, 200, 250, 255));
}

TEST_F(ImageTest, ScalesPgmWithSmallMaxval) {
  const std::string path = dir_ + "/small.pgm";
  std::string bytes = "P5 3 1 15 ";
  for (int v : {0, 1, 15}) bytes.push_back(static_cast<char>(v));
  ASSERT_TRUE(WriteFileAtomically(path, bytes).ok());
  auto image = ReadImage(path);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_THAT(image->pixels, ElementsAre(0, 17, 255));
}

TEST_F(ImageTest, TruncatedPngIsAnErrorNamingTheFile) {
  const std::string path = dir_ + "/whole.png";
  std::vector<int> samples(20 * 20);
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<int>(i * 7 % 256);
  WritePng(path, 20, 20, PNG_COLOR_TYPE_GRAY, 8, samples);
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  const std::string cut = dir_ + "/cut.png";
  ASSERT_TRUE(WriteFileAtomically(cut, bytes->substr(0, bytes->size() / 2)).ok());
  auto image = ReadImage(cut);
  ASSERT_FALSE(image.ok());
  EXPECT_THAT(std::string(image.status().message()), HasSubstr(cut + ": bad PNG"));
  EXPECT_THAT(std::string(image.status().message()), HasSubstr("truncated"));
}

TEST_F(ImageTest, BadPgmHeaderIsAnErrorNamingTheFile) {
  const std::string path = dir_ + "/bad.pgm";
  ASSERT_TRUE(WriteFileAtomically(path, "P5\n4 x\n255\n0123").ok());
  auto image = ReadImage(path);
  ASSERT_FALSE(image.ok());
  EXPECT_THAT(std::string(image.status().message()),
              HasSubstr(path + ": bad PGM header: expected the height at byte offset 5"));
}

TEST_F(ImageTest, PgmErrors) {
  struct Case {
    std::string bytes, message;
  };
  for (const Case& c : std::vector<Case>{
           {"P5 2 2 255\n\x01\x02\x03", "PGM truncated at byte offset 14"},
           {"P5 2 2 65535\n", "maxval 65535 is not supported"},
           {"P5 0 2 255\n", "PGM of 0x2 pixels"},
           {"P5 1 1 255", "expected one whitespace character after maxval"},
           {"P5 2 1 3\n\x01\x09", "pixel 9 exceeds maxval 3 at byte offset 10"},
           {"P2 1 1 255\n0\n", "ASCII PGM (P2) is not supported"},
           {"\xff\xd8\xff\xe0 JFIF", "bad JPEG"},
           {"GIF89a", "not a PNG, JPEG or binary PGM (P5) image"},
       }) {
    const std::string path = dir_ + "/case.pgm";
    ASSERT_TRUE(WriteFileAtomically(path, c.bytes).ok());
    auto image = ReadImage(path);
    ASSERT_FALSE(image.ok()) << c.message;
    EXPECT_THAT(std::string(image.status().message()), HasSubstr(path + ": "));
    EXPECT_THAT(std::string(image.status().message()), HasSubstr(c.message));
  }
}

TEST_F(ImageTest, MissingFileIsNamed) {
  auto image = ReadImage(dir_ + "/absent.png");
  ASSERT_FALSE(image.ok());
  EXPECT_THAT(std::string(image.status().message()), HasSubstr(dir_ + "/absent.png"));
}

// Issue 10: a 30000 x 30000 PNG was decoded (1.8 GB) before its size was
// checked. Its header alone is refused now.
TEST_F(ImageTest, AHugeImageIsRefusedFromItsHeader) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  const unsigned char ihdr[] = {0, 0, 0,    13,   'I', 'H', 'D', 'R', 0, 0, 0x75, 0x30,  // 30000
                                0, 0, 0x75, 0x30, 8,   0,   0,   0,   0, 0, 0,    0,    0};
  png.append(reinterpret_cast<const char*>(ihdr), sizeof(ihdr));
  auto image = DecodeImage(png, "huge.png");
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(std::string(image.status().message()),
            "huge.png: PNG of 30000x30000 pixels is larger than the 67108864 pixels allowed here");
  // Found by the image fuzzer: sizes whose product overflows 64 bits.
  std::string overflow = png;
  overflow[16] = overflow[20] = static_cast<char>(0xff);
  auto big = DecodeImage(overflow, "overflow.png");
  ASSERT_FALSE(big.ok());
  EXPECT_THAT(std::string(big.status().message()), ::testing::HasSubstr("larger than"));
  auto pgm = DecodeImage("P5 30000 30000 255\n", "huge.pgm");
  ASSERT_FALSE(pgm.ok());
  EXPECT_THAT(std::string(pgm.status().message()), ::testing::HasSubstr("larger than"));
}

}  // namespace
}  // namespace siamese
