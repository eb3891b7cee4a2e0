#include "framework/train/embed_export.h"

#include <cstdlib>

#include "framework/io/npy.h"
#include "framework/io/tsv.h"
#include "framework/train/tiny_run_testutil.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

TEST(WriteEmbeddingFilesTest, WritesNpyAndProjectorTsv) {
  const std::string dir = TmpDir() + "/unit/out";  // created, parents included
  Tensor e = Tensor::FromVector({3, 2}, {0.5f, -1.25f, 3.0f, 1e-8f, 0.0f, 123456.7f});
  ASSERT_TRUE(WriteEmbeddingFiles(dir, e, {2, 0, 7}, {"zero", "one", "two words"}).ok());

  auto npy = ReadNpy(dir + "/embeddings.npy");
  ASSERT_TRUE(npy.ok()) << npy.status();
  EXPECT_EQ(npy->shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(npy->data, e.ToVector());
  auto labels = ReadNpyInt64(dir + "/labels.npy");
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_EQ(labels->shape, (std::vector<int64_t>{3}));
  EXPECT_THAT(labels->data, ElementsAre(2, 0, 7));

  auto vectors = ReadTsv(dir + "/vectors.tsv", 2);
  ASSERT_TRUE(vectors.ok()) << vectors.status();
  ASSERT_EQ(vectors->size(), 3u);  // no header
  EXPECT_THAT((*vectors)[0], ElementsAre("0.5", "-1.25"));
  EXPECT_THAT((*vectors)[1], ElementsAre("3", "1e-08"));
  EXPECT_THAT((*vectors)[2], ElementsAre("0", "123456.7"));

  auto metadata = ReadTsv(dir + "/metadata.tsv", 2);
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  ASSERT_EQ(metadata->size(), 4u);
  EXPECT_THAT((*metadata)[0], ElementsAre("label", "class"));
  EXPECT_THAT((*metadata)[1], ElementsAre("2", "two words"));
  EXPECT_THAT((*metadata)[2], ElementsAre("0", "zero"));
  EXPECT_THAT((*metadata)[3], ElementsAre("7", "7"));  // no name: its number
}

TEST(WriteEmbeddingFilesTest, RefusesMismatchAndTabsInNames) {
  const std::string dir = TmpDir() + "/unit_bad";
  auto s = WriteEmbeddingFiles(dir, Tensor::Zeros({2, 4}), {0}, {"a"});
  EXPECT_THAT(std::string(s.message()), HasSubstr("embeddings [2, 4] do not match 1 labels"));
  s = WriteEmbeddingFiles(dir, Tensor::Zeros({1, 4}), {0}, {"a\tb"});
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("metadata.tsv"));
}

TEST(FindSplitTest, NamesTheThreeSplits) {
  ExperimentData data;
  EXPECT_EQ(*FindSplit(data, "train"), &data.train);
  EXPECT_EQ(*FindSplit(data, "validation"), &data.validation);
  EXPECT_EQ(*FindSplit(data, "test"), &data.test);
  auto bad = FindSplit(data, "val");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("unknown split \"val\"; the splits are train, validation and test"));
}

// End to end: a tiny trained run, then its test and validation splits.
class ExportEmbeddingsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto ckpt = testing_train::TrainTinyRun(TmpDir(), "export");
    ASSERT_TRUE(ckpt.ok()) << ckpt.status();
    checkpoint_ = new std::string(*ckpt);
  }
  static std::string* checkpoint_;
};
std::string* ExportEmbeddingsTest::checkpoint_ = nullptr;

TEST_F(ExportEmbeddingsTest, WritesEverySplitExampleWithItsLabel) {
  ASSERT_NE(checkpoint_, nullptr);
  auto model = TrainedModel::Load(*checkpoint_);
  ASSERT_TRUE(model.ok()) << model.status();
  const std::string out = TmpDir() + "/export_test";
  auto r = ExportEmbeddings(model->get(), "test", out, /*block_rows=*/7);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->num_examples, 80);
  EXPECT_EQ(r->dim, 8);
  EXPECT_THAT(r->files, ElementsAre(out + "/embeddings.npy", out + "/labels.npy",
                                    out + "/vectors.tsv", out + "/metadata.tsv"));
  EXPECT_EQ(ExportSummary(**model, *r),
            "embedded 80 test examples of export (8-D, euclidean) into " + out +
                "/: embeddings.npy labels.npy vectors.tsv metadata.tsv");

  auto npy = ReadNpy(out + "/embeddings.npy");
  ASSERT_TRUE(npy.ok()) << npy.status();
  EXPECT_EQ(npy->shape, (std::vector<int64_t>{80, 8}));
  auto labels = ReadNpyInt64(out + "/labels.npy");
  ASSERT_TRUE(labels.ok()) << labels.status();
  ASSERT_EQ(labels->data.size(), 80u);
  for (int i = 0; i < 80; ++i) EXPECT_EQ(labels->data[i], i % 4) << i;  // dataset order
  auto vectors = ReadTsv(out + "/vectors.tsv", 8);
  ASSERT_TRUE(vectors.ok()) << vectors.status();
  EXPECT_EQ(vectors->size(), 80u);
  auto metadata = ReadTsv(out + "/metadata.tsv", 2);
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  ASSERT_EQ(metadata->size(), 81u);
  EXPECT_THAT((*metadata)[0], ElementsAre("label", "class"));
  EXPECT_THAT((*metadata)[4], ElementsAre("3", "bar3"));

  // Blocks do not change the numbers; same-class rows are closer (the bars
  // are easy): each row's nearest other row has its class for most rows.
  auto whole = ExportEmbeddings(model->get(), "test", out + "_whole", /*block_rows=*/1000);
  ASSERT_TRUE(whole.ok());
  auto npy_whole = ReadNpy(out + "_whole/embeddings.npy");
  ASSERT_TRUE(npy_whole.ok());
  for (size_t i = 0; i < npy->data.size(); ++i) {
    EXPECT_NEAR(npy->data[i], npy_whole->data[i], 1e-5);
  }
  int correct = 0;
  for (int i = 0; i < 80; ++i) {
    int best = -1;
    double best_d = 1e30;
    for (int j = 0; j < 80; ++j) {
      if (j == i) continue;
      double d = 0;
      for (int k = 0; k < 8; ++k) {
        const double t = npy->data[i * 8 + k] - npy->data[j * 8 + k];
        d += t * t;
      }
      if (d < best_d) best_d = d, best = j;
    }
    correct += (best % 4 == i % 4);
  }
  EXPECT_GT(correct, 64);
}

TEST_F(ExportEmbeddingsTest, ValidationSplitIsTheTrainingHoldOut) {
  ASSERT_NE(checkpoint_, nullptr);
  auto model = TrainedModel::Load(*checkpoint_);
  ASSERT_TRUE(model.ok()) << model.status();
  auto r = ExportEmbeddings(model->get(), "validation", TmpDir() + "/export_val");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->num_examples, 40);  // 25% of 160
  auto bad = ExportEmbeddings(model->get(), "dev", TmpDir() + "/export_dev");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("unknown split \"dev\""));
}

}  // namespace
}  // namespace siamese
