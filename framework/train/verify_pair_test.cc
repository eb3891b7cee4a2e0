#include "framework/train/verify_pair.h"

#include <cstdlib>

#include "framework/io/atomic_file.h"
#include "framework/io/idx.h"
#include "framework/train/tiny_run_testutil.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

TEST(ParseSplitRefTest, SplitsAndPaths) {
  auto r = ParseSplitRef("test:12");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->split, "test");
  EXPECT_EQ((*r)->index, 12);
  r = ParseSplitRef("validation:0");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->split, "validation");
  r = ParseSplitRef("train:3");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->split, "train");
  for (const char* path : {"images/a.png", "testing:1", "/abs/test:1.png"}) {
    r = ParseSplitRef(path);
    ASSERT_TRUE(r.ok()) << path;
    EXPECT_FALSE(r->has_value()) << path;
  }
  for (const char* bad : {"test:", "test:-1", "test:1x", "train:99999999999999999999"}) {
    r = ParseSplitRef(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(std::string(bad) + ": expected "));
  }
}

// End to end on a tiny trained run; test example i has class i % 4.
class VerifyPairTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto ckpt = testing_train::TrainTinyRun(TmpDir(), "verify");
    ASSERT_TRUE(ckpt.ok()) << ckpt.status();
    checkpoint_ = new std::string(*ckpt);
  }
  void SetUp() override {
    ASSERT_NE(checkpoint_, nullptr);
    auto model = TrainedModel::Load(*checkpoint_);
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = std::move(*model);
  }
  static std::string* checkpoint_;
  std::unique_ptr<TrainedModel> model_;
};
std::string* VerifyPairTest::checkpoint_ = nullptr;

TEST_F(VerifyPairTest, SameClassIsSameAndOtherClassIsDifferent) {
  ASSERT_TRUE(model_->threshold().has_value());
  auto same = VerifyPair(model_.get(), "test:0", "test:4");
  ASSERT_TRUE(same.ok()) << same.status();
  auto different = VerifyPair(model_.get(), "test:0", "test:5");
  ASSERT_TRUE(different.ok()) << different.status();
  EXPECT_EQ(same->a.label, 0);
  EXPECT_EQ(same->b.label, 0);
  EXPECT_EQ(different->b.label, 1);
  EXPECT_LT(same->distance, different->distance);
  EXPECT_TRUE(same->same);
  EXPECT_FALSE(different->same);
  EXPECT_EQ(same->threshold, model_->threshold());

  const std::string text = FormatVerifyResult(*model_, *same);
  EXPECT_THAT(text, HasSubstr("a: test:0 (label 0, bar0)\nb: test:4 (label 0, bar0)\n"));
  EXPECT_THAT(text, HasSubstr("distance (euclidean): "));
  EXPECT_THAT(text, HasSubstr("(calibrated on the validation split; same iff distance <= "
                              "threshold)\nsame\n"));
  EXPECT_THAT(FormatVerifyResult(*model_, *different), HasSubstr("\ndifferent\n"));

  // A training example against itself: distance 0.
  auto self = VerifyPair(model_.get(), "train:3", "train:3");
  ASSERT_TRUE(self.ok()) << self.status();
  EXPECT_NEAR(self->distance, 0.0f, 1e-6);
  EXPECT_TRUE(self->same);
}

TEST_F(VerifyPairTest, ImageFileMatchesTheDatasetExample) {
  // Test example 6 (class 2) written as a PGM: the same input as test:6.
  IdxArray labels;
  IdxArray images = testing_train::SyntheticImages(20, 2, &labels);
  std::string pgm = "P5\n8 8\n255\n";
  pgm.append(images.data.begin() + 6 * 64, images.data.begin() + 7 * 64);
  const std::string path = TmpDir() + "/six.pgm";
  ASSERT_TRUE(WriteFileAtomically(path, pgm).ok());
  auto r = VerifyPair(model_.get(), path, "test:6");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->a.description, path);
  EXPECT_FALSE(r->a.label.has_value());
  EXPECT_NEAR(r->distance, 0.0f, 1e-5);
  EXPECT_TRUE(r->same);
}

TEST_F(VerifyPairTest, InputErrorsNameTheInput) {
  auto r = VerifyPair(model_.get(), "test:80", "test:0");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("test:80: the test split has 80 examples (indices 0..79)"));

  const std::string big = TmpDir() + "/big.pgm";
  ASSERT_TRUE(WriteFileAtomically(big, "P5 9 8 255\n" + std::string(72, '\x10')).ok());
  r = VerifyPair(model_.get(), "test:0", big);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr(big + ": the image is 8x9 (height x width) but the model takes 8x8"));

  r = VerifyPair(model_.get(), TmpDir() + "/absent.png", "test:0");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("absent.png"));
}

TEST_F(VerifyPairTest, WithoutAThresholdOnlyTheDistanceIsPrinted) {
  auto ckpt = testing_train::TrainTinyRun(TmpDir(), "unfinished", 3);
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  auto model = TrainedModel::Load(*ckpt);
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_FALSE((*model)->threshold().has_value());
  auto r = VerifyPair(model->get(), "test:0", "test:1");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->same);
  const std::string text = FormatVerifyResult(**model, *r);
  EXPECT_THAT(text, HasSubstr("distance (euclidean): "));
  EXPECT_THAT(text, HasSubstr("threshold: none in the checkpoint"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("same\n")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("different\n")));
}

}  // namespace
}  // namespace siamese
