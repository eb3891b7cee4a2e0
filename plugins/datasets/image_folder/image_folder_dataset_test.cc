// The image_folder dataset through the registry, on PNG and JPEG fixtures
// written in TEST_TMPDIR.
#include "plugins/datasets/image_folder/image_folder_dataset.h"

#include <sys/stat.h>

#include <cstdlib>
#include <cstring>

#include "framework/core/registry.h"
#include "framework/io/atomic_file.h"
#include "framework/io/image_write_testutil.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;
using testing_io::EncodeJpeg;
using testing_io::WriteJpeg;
using testing_io::WritePng;

std::string NewDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = std::string(tmp ? tmp : "/tmp") + "/" + name;
  mkdir(dir.c_str(), 0755);
  return dir;
}

std::vector<uint8_t> Flat(int w, int h, std::vector<uint8_t> color) {
  std::vector<uint8_t> out;
  for (int i = 0; i < w * h; ++i) out.insert(out.end(), color.begin(), color.end());
  return out;
}

// Four classes of two 8x8 images each: a: red PNG, b: gray PNG (value 40),
// c and d: JPEGs of flat colors.
std::string MakeFolder(const std::string& name) {
  const std::string root = NewDir(name);
  for (const char* c : {"a", "b", "c", "d"}) mkdir((root + "/" + c).c_str(), 0755);
  for (int i = 0; i < 2; ++i) {
    const std::string n = std::to_string(i);
    EXPECT_TRUE(WritePng(root + "/a/" + n + ".png", 8, 8, 3, Flat(8, 8, {255, 0, 0})).ok());
    EXPECT_TRUE(WritePng(root + "/b/" + n + ".png", 8, 8, 1, Flat(8, 8, {40})).ok());
    EXPECT_TRUE(WriteJpeg(root + "/c/" + n + ".jpg", 8, 8, 3, Flat(8, 8, {0, 200, 0})).ok());
    EXPECT_TRUE(WriteJpeg(root + "/d/" + n + ".jpeg", 16, 8, 1, Flat(16, 8, {120})).ok());
  }
  return root;
}

absl::StatusOr<std::unique_ptr<Dataset>> Make(const std::string& params, const std::string& split,
                                              uint64_t seed = 1) {
  DatasetConfig c;
  const std::string text = "name: \"image_folder\" [siamese.image_folder] { " + params + " }";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.split = split;
  context.seed = seed;
  return Registry<Dataset>::Create(c, context);
}

std::vector<float> Example(const Dataset& d, int64_t i) {
  std::vector<float> x(3 * 4 * 4);
  d.CopyExample(i, x.data());
  return x;
}

TEST(ImageFolderDatasetTest, DecodesPngAndJpegToKnownValues) {
  const std::string root = MakeFolder("known");
  auto train = Make("root: \"" + root + "\" size: 4", "train");
  ASSERT_TRUE(train.ok()) << train.status();
  EXPECT_EQ((*train)->size(), 4);
  EXPECT_EQ((*train)->example_shape(), (Shape{3, 4, 4}));
  EXPECT_EQ((*train)->labels(), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ((*train)->class_names(), (std::vector<std::string>{"a", "b", "c", "d"}));
  const std::vector<float> red = Example(**train, 0);
  EXPECT_FLOAT_EQ(red[0], 1.0f);        // R plane
  EXPECT_FLOAT_EQ(red[16 + 5], 0.0f);   // G plane
  EXPECT_FLOAT_EQ(red[32 + 15], 0.0f);  // B plane
  const std::vector<float> gray = Example(**train, 2);
  for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(gray[c * 16 + 3], 40 / 255.0f);  // gray -> RGB

  auto test = Make("root: \"" + root + "\" size: 4", "test");
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_EQ((*test)->labels(), (std::vector<int64_t>{2, 2, 3, 3}));
  const std::vector<float> green = Example(**test, 0);
  EXPECT_NEAR(green[16 + 6] * 255, 200, 3);
  EXPECT_NEAR(green[6] * 255, 0, 3);
  const std::vector<float> wide = Example(**test, 2);  // 16x8 gray JPEG, center-cropped
  EXPECT_NEAR(wide[10] * 255, 120, 2);
  // Listed for the manifest: every image of the split.
  EXPECT_EQ((*test)->source_files().size(), 4u);
}

TEST(ImageFolderDatasetTest, GrayscaleExamplesFromColor) {
  const std::string root = MakeFolder("grayscale");
  auto train = Make("root: \"" + root + "\" size: 4 channels: 1", "train");
  ASSERT_TRUE(train.ok()) << train.status();
  EXPECT_EQ((*train)->example_shape(), (Shape{1, 4, 4}));
  std::vector<float> x(16);
  (*train)->CopyExample(0, x.data());
  EXPECT_FLOAT_EQ(x[7], 76 / 255.0f);  // red's BT.601 luma
}

TEST(ImageFolderDatasetTest, AugmentsTrainingCopiesOnlyDeterministically) {
  const std::string root = MakeFolder("augment");
  // A textured image, so crops and flips change it.
  std::vector<uint8_t> px;
  for (int i = 0; i < 64; ++i) px.insert(px.end(), {uint8_t(i * 4), uint8_t(255 - i), 7});
  ASSERT_TRUE(WritePng(root + "/a/0.png", 8, 8, 3, px).ok());
  auto d = Make("root: \"" + root + "\" size: 8 augment {}", "train", 42);
  ASSERT_TRUE(d.ok()) << d.status();
  const int64_t n = 3 * 8 * 8;
  std::vector<float> plain(n), e1(n), e1again(n), e2(n);
  (*d)->CopyExample(0, plain.data());
  (*d)->CopyTrainingExample(0, 1, e1.data());
  (*d)->CopyTrainingExample(0, 1, e1again.data());
  (*d)->CopyTrainingExample(0, 2, e2.data());
  EXPECT_EQ(std::memcmp(e1.data(), e1again.data(), n * sizeof(float)), 0);
  EXPECT_NE(e1, e2);
  EXPECT_NE(e1, plain);
  // Evaluation's copy is the decoded image, whatever training did.
  std::vector<float> after(n);
  (*d)->CopyExample(0, after.data());
  EXPECT_EQ(after, plain);
  EXPECT_FLOAT_EQ(plain[1], 4 / 255.0f);
  // A dataset opened alike (a resumed run) augments alike.
  auto again = Make("root: \"" + root + "\" size: 8 augment {}", "train", 42);
  ASSERT_TRUE(again.ok());
  std::vector<float> resumed(n);
  (*again)->CopyTrainingExample(0, 2, resumed.data());
  EXPECT_EQ(resumed, e2);
  // Without augment, training copies are the plain ones.
  auto none = Make("root: \"" + root + "\" size: 8", "train", 42);
  ASSERT_TRUE(none.ok());
  std::vector<float> unaugmented(n);
  (*none)->CopyTrainingExample(0, 2, unaugmented.data());
  EXPECT_EQ(unaugmented, plain);
}

TEST(ImageFolderDatasetTest, BadFilesAreNamedOrSkippedAndCounted) {
  const std::string root = MakeFolder("bad");
  const std::string jpeg = EncodeJpeg(16, 16, 3, Flat(16, 16, {1, 2, 3}), 90);
  const std::string cut = root + "/a/cut.jpg", text = root + "/b/notes.png";
  ASSERT_TRUE(WriteFileAtomically(cut, jpeg.substr(0, jpeg.size() / 2)).ok());
  ASSERT_TRUE(WriteFileAtomically(text, "shopping list: eggs\n").ok());
  auto d = Make("root: \"" + root + "\" size: 4", "train");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(std::string(d.status().message()), HasSubstr(cut + ": bad JPEG: "));
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("truncated at byte offset"));
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("skip_bad_files"));

  ASSERT_TRUE(WriteJpeg(cut, 8, 8, 3, Flat(8, 8, {9, 9, 9})).ok());  // only the text file is bad
  auto t = Make("root: \"" + root + "\" size: 4", "train");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()),
              HasSubstr(text + ": not a PNG, JPEG or binary PGM (P5) image"));

  ASSERT_TRUE(WriteFileAtomically(cut, jpeg.substr(0, jpeg.size() / 2)).ok());
  auto skipped = Make("root: \"" + root + "\" size: 4 skip_bad_files: true", "train");
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ((*skipped)->size(), 4);
  ASSERT_EQ((*skipped)->skipped_files().size(), 2u);
  EXPECT_THAT((*skipped)->skipped_files()[0], HasSubstr(cut));
  EXPECT_THAT((*skipped)->skipped_files()[1], HasSubstr(text));
}

TEST(ImageFolderDatasetTest, BadParametersAreNamed) {
  auto empty = Make("", "train");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(std::string(empty.status().message()), HasSubstr("root"));
  auto small = Make("root: \"/x\" size: 2", "train");
  ASSERT_FALSE(small.ok());
  EXPECT_THAT(std::string(small.status().message()), HasSubstr("must be in [4, 1024]"));
  auto channels = Make("root: \"/x\" channels: 2", "train");
  EXPECT_THAT(std::string(channels.status().message()), HasSubstr("must be 1 (grayscale) or 3"));
  auto missing = Make("root: \"/nonexistent/photos\"", "train");
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("/nonexistent/photos: cannot read folder"));
}

}  // namespace
}  // namespace siamese
