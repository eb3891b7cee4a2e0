// The layouts on small fixtures written in each benchmark's format (the
// real datasets cannot be downloaded here). Images are empty files: the
// layouts read only the text files and folders.
#include "plugins/datasets/image_folder/layouts.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

#include "framework/io/atomic_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string NewDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = std::string(tmp ? tmp : "/tmp") + "/" + name;
  mkdir(dir.c_str(), 0755);
  return dir;
}

void Write(const std::string& path, const std::string& text) {
  ASSERT_TRUE(WriteFileAtomically(path, text).ok()) << path;
}

ImageFolderParams Params(const std::string& root, ImageFolderParams::Layout layout) {
  ImageFolderParams p;
  p.set_root(root);
  p.set_layout(layout);
  return p;
}

std::set<std::string> NamesOf(const ImageList& l, const std::vector<ImageEntry>& split) {
  std::set<std::string> out;
  for (const ImageEntry& e : split) out.insert(l.class_names[e.label]);
  return out;
}

TEST(LayoutsTest, CubSplitsTheFirstHalfOfClassIdsForTraining) {
  const std::string root = NewDir("CUB_200_2011");
  std::string images, labels;
  for (int i = 1; i <= 8; ++i) {
    const int c = (i + 1) / 2;  // classes 1..4, two images each
    images += std::to_string(i) + " 00" + std::to_string(c) + ".Bird" + std::to_string(c) +
              "/img" + std::to_string(i) + ".jpg\n";
    labels += std::to_string(i) + " " + std::to_string(c) + "\n";
  }
  Write(root + "/images.txt", images);
  Write(root + "/image_class_labels.txt", labels);
  Write(root + "/train_test_split.txt", "1 1\n2 0\n");  // not the metric-learning split
  Write(root + "/classes.txt", "1 001.Bird1\n2 002.Bird2\n3 003.Bird3\n4 004.Bird4\n");
  auto l = ListImages(Params(root, ImageFolderParams::CUB));
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_THAT(l->class_names, ElementsAre("001.Bird1", "002.Bird2", "003.Bird3", "004.Bird4"));
  EXPECT_EQ(NamesOf(*l, l->train), (std::set<std::string>{"001.Bird1", "002.Bird2"}));
  EXPECT_EQ(NamesOf(*l, l->test), (std::set<std::string>{"003.Bird3", "004.Bird4"}));
  ASSERT_EQ(l->train.size(), 4u);
  EXPECT_EQ(l->train[0].path, root + "/images/001.Bird1/img1.jpg");
  EXPECT_EQ(l->test[3].path, root + "/images/004.Bird4/img8.jpg");
  EXPECT_THAT(l->list_files, ElementsAre(root + "/images.txt", root + "/image_class_labels.txt"));

  Write(root + "/image_class_labels.txt", "1 1\n2 x\n");
  auto bad = ListImages(Params(root, ImageFolderParams::CUB));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr(root + "/image_class_labels.txt:2: expected \"<image_id> <class_id>\""));
}

TEST(LayoutsTest, SopTrainsOnEbayTrainAndTestsOnEbayTest) {
  const std::string root = NewDir("Stanford_Online_Products");
  Write(root + "/Ebay_train.txt",
        "image_id class_id super_class_id path\n"
        "1 1 1 bicycle_final/111_0.JPG\n2 1 1 bicycle_final/111_1.JPG\n"
        "3 2 2 chair_final/222_0.JPG\n4 2 2 chair_final/222_1.JPG\n");
  Write(root + "/Ebay_test.txt",
        "image_id class_id super_class_id path\n"
        "5 3 1 bicycle_final/333_0.JPG\n6 3 1 bicycle_final/333_1.JPG\n"
        "7 4 2 chair_final/444_0.JPG\n");
  auto l = ListImages(Params(root, ImageFolderParams::SOP));
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_THAT(l->class_names, ElementsAre("1", "2", "3", "4"));
  EXPECT_EQ(NamesOf(*l, l->train), (std::set<std::string>{"1", "2"}));
  EXPECT_EQ(NamesOf(*l, l->test), (std::set<std::string>{"3", "4"}));
  EXPECT_EQ(l->test.size(), 3u);
  EXPECT_EQ(l->test[2].path, root + "/chair_final/444_0.JPG");

  Write(root + "/Ebay_test.txt", "image_id class_id super_class_id path\n5 2 2 chair_final/x.JPG\n");
  auto bad = ListImages(Params(root, ImageFolderParams::SOP));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr(root + "/Ebay_test.txt:2: class 2 is also in " + root +
                        "/Ebay_train.txt; the splits must be class-disjoint"));
}

TEST(LayoutsTest, InShopTestsOnQueryAndGallery) {
  const std::string root = NewDir("InShop");
  Write(root + "/list_eval_partition.txt",
        "6\nimage_name item_id evaluation_status\n"
        "img/WOMEN/Dresses/id_01/01_1_front.jpg id_01 train\n"
        "img/WOMEN/Dresses/id_01/01_2_side.jpg id_01 train\n"
        "img/MEN/Tees/id_02/02_1_front.jpg id_02 train\n"
        "img/MEN/Tees/id_03/03_1_front.jpg id_03 query\n"
        "img/MEN/Tees/id_03/03_2_side.jpg id_03 gallery\n"
        "img/MEN/Tees/id_04/04_1_front.jpg id_04 gallery\n");
  auto l = ListImages(Params(root, ImageFolderParams::INSHOP));
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(NamesOf(*l, l->train), (std::set<std::string>{"id_01", "id_02"}));
  EXPECT_EQ(NamesOf(*l, l->test), (std::set<std::string>{"id_03", "id_04"}));
  EXPECT_EQ(l->test.size(), 3u);
  EXPECT_EQ(l->train[0].path, root + "/img/WOMEN/Dresses/id_01/01_1_front.jpg");
  // The test split is queries and a gallery, as the file says.
  EXPECT_TRUE(l->query_gallery);
  EXPECT_FALSE(l->test[0].gallery);
  EXPECT_TRUE(l->test[1].gallery);
  EXPECT_TRUE(l->test[2].gallery);

  Write(root + "/list_eval_partition.txt", "1\nimage_name item_id evaluation_status\na.jpg id_1 val\n");
  auto bad = ListImages(Params(root, ImageFolderParams::INSHOP));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr(root + "/list_eval_partition.txt:3: evaluation_status \"val\" is not "
                               "train, query or gallery"));
}

TEST(LayoutsTest, ListFileGivesPathLabelAndSplit) {
  auto l = ParseImageList(
      "# path label split\na/1.jpg cat train\na/2.jpg\tcat\ttrain\nb/my photo.png\tdog\ttest\n"
      "c/3.png cow test\n",
      "/r/list.txt", "/r");
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_THAT(l->class_names, ElementsAre("cat", "cow", "dog"));
  EXPECT_EQ(l->train.size(), 2u);
  EXPECT_EQ(l->test[0].path, "/r/b/my photo.png");
  EXPECT_EQ(l->test[0].label, 2);

  auto bad = ParseImageList("a.jpg cat train\nb.jpg dog validation\n", "/r/list.txt", "/r");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(std::string(bad.status().message()),
            "/r/list.txt:2: split \"validation\" is not train or test");
  auto short_line = ParseImageList("a.jpg cat\n", "/r/list.txt", "/r");
  EXPECT_THAT(std::string(short_line.status().message()), HasSubstr("/r/list.txt:1: expected"));
}

TEST(LayoutsTest, FoldersHoldOutTheLastClassesByName) {
  const std::string root = NewDir("photos");
  for (const char* c : {"apple", "banana", "cherry", "date"}) {
    mkdir((root + "/" + c).c_str(), 0755);
    Write(root + "/" + c + "/1.jpg", "");
    Write(root + "/" + c + "/2.PNG", "");
    Write(root + "/" + c + "/notes.txt", "");  // not an image name: ignored
  }
  Write(root + "/README.txt", "");
  auto l = ListImages(Params(root, ImageFolderParams::FOLDERS));
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_THAT(l->class_names, ElementsAre("apple", "banana", "cherry", "date"));
  EXPECT_EQ(NamesOf(*l, l->test), (std::set<std::string>{"cherry", "date"}));
  EXPECT_EQ(l->train.size(), 4u);
  EXPECT_EQ(l->train[1].path, root + "/apple/2.PNG");

  // An unreadable class folder (here a link to nowhere) is named, or
  // skipped and counted.
  ASSERT_EQ(symlink((root + "/gone").c_str(), (root + "/elder").c_str()), 0);
  auto bad = ListImages(Params(root, ImageFolderParams::FOLDERS));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr(root + "/elder: cannot read folder"));
  ImageFolderParams skip = Params(root, ImageFolderParams::FOLDERS);
  skip.set_skip_bad_files(true);
  auto skipped = ListImages(skip);
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  ASSERT_EQ(skipped->skipped.size(), 1u);
  EXPECT_THAT(skipped->skipped[0], HasSubstr(root + "/elder"));
}

TEST(LayoutsTest, TrainAndTestFoldersAreTheSplits) {
  const std::string root = NewDir("given");
  for (const char* d : {"train", "train/a", "train/b", "test", "test/c", "test/a"}) {
    mkdir((root + "/" + d).c_str(), 0755);
  }
  for (const char* f : {"train/a/1.jpg", "train/b/1.jpg", "test/c/1.jpg", "test/a/2.jpg"}) {
    Write(root + "/" + f, "");
  }
  auto l = ListImages(Params(root, ImageFolderParams::FOLDERS));
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_THAT(l->class_names, ElementsAre("a", "b", "c"));
  EXPECT_EQ(NamesOf(*l, l->test), (std::set<std::string>{"a", "c"}));
}

TEST(LayoutsTest, MissingRootAndTooFewClassesAreNamed) {
  auto missing = ListImages(Params("/nonexistent/photos", ImageFolderParams::FOLDERS));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("/nonexistent/photos: cannot read folder"));
  const std::string root = NewDir("one_class");
  mkdir((root + "/only").c_str(), 0755);
  auto one = ListImages(Params(root, ImageFolderParams::FOLDERS));
  ASSERT_FALSE(one.ok());
  EXPECT_THAT(std::string(one.status().message()), HasSubstr(root + ": found 1 class folders"));
}

}  // namespace
}  // namespace siamese
