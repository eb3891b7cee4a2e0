#include "plugins/datasets/idx_images/idx_images_dataset.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "framework/core/registry.h"
#include "framework/io/idx.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "plugins/datasets/idx_images/idx_images.pb.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// Two 2x3 images with labels 1 and 0.
void WriteTiny(const std::string& images, const std::string& labels) {
  IdxArray im{{2, 2, 3}, {0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 0}};
  ASSERT_TRUE(WriteIdx(images, im).ok());
  ASSERT_TRUE(WriteIdx(labels, IdxArray{{2}, {1, 0}}).ok());
}

absl::StatusOr<std::unique_ptr<Dataset>> Make(const std::string& text, const std::string& split) {
  DatasetConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.split = split;
  return Registry<Dataset>::Create(c, context);
}

TEST(IdxImagesDatasetTest, ReadsScaledPixelsAndLabels) {
  const std::string im = TempPath("im.idx"), lb = TempPath("lb.idx");
  WriteTiny(im, lb);
  auto d = Make("name: \"idx_images\" [siamese.idx_images] { test_images: \"" + im +
                    "\" test_labels: \"" + lb + "\" }",
                "test");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)->size(), 2);
  EXPECT_EQ((*d)->example_shape(), (Shape{1, 2, 3}));
  EXPECT_EQ((*d)->labels(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ((*d)->class_names(), (std::vector<std::string>{"0", "1"}));
  float x[6];
  (*d)->CopyExample(0, x);
  EXPECT_FLOAT_EQ(x[0], 0.0f);
  EXPECT_FLOAT_EQ(x[1], 0.2f);
  EXPECT_FLOAT_EQ(x[5], 1.0f);
}

TEST(IdxImagesDatasetTest, MissingFileIsNamed) {
  auto d =
      Make(R"(name: "fashion_mnist" [siamese.idx_images] { train_images: "/nope/x.gz" })", "train");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("/nope/x.gz"));
}

TEST(IdxImagesDatasetTest, TruncatedFileNamesFileAndOffset) {
  const std::string im = TempPath("im2.idx"), lb = TempPath("lb2.idx");
  WriteTiny(im, lb);
  ASSERT_EQ(truncate(im.c_str(), 16 + 7), 0);  // header + 7 of 12 pixel bytes
  auto d = Make("name: \"idx_images\" [siamese.idx_images] { train_images: \"" + im +
                    "\" train_labels: \"" + lb + "\" }",
                "train");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(std::string(d.status().message()), HasSubstr(im));
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("truncated at byte offset 23"));
}

TEST(IdxImagesDatasetTest, LabelCountMismatchIsAnError) {
  const std::string im = TempPath("im3.idx"), lb = TempPath("lb3.idx");
  WriteTiny(im, lb);
  ASSERT_TRUE(WriteIdx(lb, IdxArray{{3}, {1, 0, 1}}).ok());
  auto d = Make("name: \"idx_images\" [siamese.idx_images] { train_images: \"" + im +
                    "\" train_labels: \"" + lb + "\" }",
                "train");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("expected 2 labels"));
}

// More than 256 classes: int32 labels (IDX type 0x0C).
TEST(IdxImagesDatasetTest, Int32LabelsAbove255) {
  const std::string im = TempPath("im4.idx"), lb = TempPath("lb4.idx");
  WriteTiny(im, lb);
  ASSERT_TRUE(WriteIdx(lb, IdxArray{{2}, {}, kIdxInt32, {299, 7}}).ok());
  auto d = Make("name: \"idx_images\" [siamese.idx_images] { train_images: \"" + im +
                    "\" train_labels: \"" + lb + "\" }",
                "train");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)->labels(), (std::vector<int64_t>{299, 7}));
  EXPECT_EQ((*d)->class_names().size(), 300u);
  EXPECT_EQ((*d)->class_names()[299], "299");
}

TEST(IdxImagesDatasetTest, NegativeInt32LabelIsNamed) {
  const std::string im = TempPath("im5.idx"), lb = TempPath("lb5.idx");
  WriteTiny(im, lb);
  ASSERT_TRUE(WriteIdx(lb, IdxArray{{2}, {}, kIdxInt32, {3, -1}}).ok());
  auto d = Make("name: \"idx_images\" [siamese.idx_images] { train_images: \"" + im +
                    "\" train_labels: \"" + lb + "\" }",
                "train");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(std::string(d.status().message()), lb + ": label 1 (0-based) is -1, expected >= 0");
}

TEST(IdxImagesDatasetTest, RealFashionMnistTestSplit) {
  if (!std::ifstream("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  auto d = Make(R"(name: "fashion_mnist")", "test");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)->size(), 10000);
  EXPECT_EQ((*d)->example_shape(), (Shape{1, 28, 28}));
  EXPECT_EQ((*d)->class_names()[9], "ankle boot");
}

}  // namespace
}  // namespace siamese
