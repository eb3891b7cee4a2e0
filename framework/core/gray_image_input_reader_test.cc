#include "framework/core/gray_image_input_reader.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

TEST(GrayImageToExampleTest, ScalesPixelsLikeTheDataset) {
  GrayImage image{1, 3, {0, 51, 255}};
  auto v = GrayImageToExample(image, "x.png", {1, 1, 3});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, (std::vector<float>{0.0f, 51 * (1.0f / 255.0f), 1.0f}));
}

TEST(GrayImageToExampleTest, WrongSizeNamesFileAndBothSizes) {
  GrayImage image{32, 30, std::vector<uint8_t>(32 * 30)};
  auto v = GrayImageToExample(image, "dir/img.png", {1, 28, 28});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(std::string(v.status().message()),
            "dir/img.png: the image is 32x30 (height x width) but the model takes 28x28 images "
            "(example shape [1, 28, 28]); images are not resized");
  v = GrayImageToExample(image, "dir/img.png", {3, 32, 30});
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(std::string(v.status().message()),
              HasSubstr("dir/img.png: the model takes examples of shape [3, 32, 30], not "
                        "grayscale images"));
}

TEST(GrayImageInputReaderTest, AMissingFileIsNamed) {
  auto reader = NewGrayImageInputReader();
  auto inputs = reader->ReadFile("/nonexistent/a.png", {1, 2, 2});
  ASSERT_FALSE(inputs.ok());
  EXPECT_THAT(std::string(inputs.status().message()), HasSubstr("/nonexistent/a.png"));
  auto text = reader->ParseText("a sentence", {1, 2, 2});
  EXPECT_THAT(std::string(text.status().message()),
              HasSubstr("\"a sentence\" is not a file, and this model's inputs are grayscale"));
}

}  // namespace
}  // namespace siamese
