// No training or model-selection decision depends on the test split:
// relabeling the test examples changes the test metrics and nothing else
// (not a weight, not the selected step, not the calibrated threshold).
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "framework/core/experiment_file.h"
#include "framework/io/idx.h"
#include "framework/io/run_dir.h"
#include "framework/train/bundle.h"
#include "framework/train/tiny_run_testutil.h"
#include "framework/train/trainer.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

// The tiny data in `dir`; with `relabel`, test example i's label c becomes
// (c + i % 3) % 4, so the test split's classes no longer match its images.
void WriteData(const std::string& dir, bool relabel) {
  ASSERT_TRUE(MakeDirs(dir).ok());
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/train", 40, 1).ok());
  IdxArray labels;
  IdxArray images = testing_train::SyntheticImages(20, 2, &labels);
  if (relabel) {
    for (size_t i = 0; i < labels.data.size(); ++i) {
      labels.data[i] = static_cast<uint8_t>((labels.data[i] + i % 3) % 4);
    }
  }
  ASSERT_TRUE(WriteIdx(dir + "/test-images.idx", images).ok());
  ASSERT_TRUE(WriteIdx(dir + "/test-labels.idx", labels).ok());
}

struct Outcome {
  TrainResult result;
  Checkpoint final_checkpoint;
};

Outcome TrainOn(const std::string& dir) {
  // Class-disjoint validation (2 of the 4 classes), selection every 3 steps.
  auto file = ExperimentFile::Parse(
      "independence.pbtxt", testing_train::TinyExperiment(dir, "run"),
      {"data { validation_class_count: 2 }", "sampler { [siamese.pk] { k: 8 } }",
       "training { eval_every: 3 epochs: 4 }", "selection { metric: \"map_at_r\" patience: 3 }",
       "evaluation { few_shot { ways: 2 episodes: 50 } }"});
  EXPECT_TRUE(file.ok()) << file.status();
  Outcome out;
  if (!file.ok()) return out;
  TrainOptions options;
  options.verbose = false;
  auto result = Train(**file, options);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return out;
  out.result = *result;
  auto ckpt = LoadBundle(result->run_dir + "/checkpoint.ckpt");
  EXPECT_TRUE(ckpt.ok()) << ckpt.status();
  if (ckpt.ok()) out.final_checkpoint = *ckpt;
  return out;
}

TEST(TestSplitIndependenceTest, RelabelingTheTestSplitChangesOnlyTestMetrics) {
  const std::string a = TmpDir() + "/original", b = TmpDir() + "/relabeled";
  WriteData(a, false);
  WriteData(b, true);
  const Outcome x = TrainOn(a), y = TrainOn(b);
  ASSERT_TRUE(x.result.finished && y.result.finished);

  // The test metrics do see the labels...
  EXPECT_NE(x.result.results.retrieval().map_at_r(), y.result.results.retrieval().map_at_r());
  // ...and nothing training decided does.
  const RunResults &rx = x.result.results, &ry = y.result.results;
  ASSERT_TRUE(rx.has_selection());
  EXPECT_EQ(rx.selection().step(), ry.selection().step());
  EXPECT_EQ(rx.selection().validation_score(), ry.selection().validation_score());
  EXPECT_EQ(rx.steps(), ry.steps());
  ASSERT_TRUE(x.final_checkpoint.has_threshold());
  EXPECT_EQ(x.final_checkpoint.threshold(), y.final_checkpoint.threshold());
  EXPECT_EQ(rx.verification().threshold(), ry.verification().threshold());
  EXPECT_EQ(rx.verification().validation_accuracy(), ry.verification().validation_accuracy());
  EXPECT_EQ(x.final_checkpoint.model_step(), y.final_checkpoint.model_step());
  ASSERT_EQ(x.final_checkpoint.parameters_size(), y.final_checkpoint.parameters_size());
  for (int i = 0; i < x.final_checkpoint.parameters_size(); ++i) {
    EXPECT_EQ(x.final_checkpoint.parameters(i).SerializeAsString(),
              y.final_checkpoint.parameters(i).SerializeAsString())
        << x.final_checkpoint.parameters(i).name();
  }
  EXPECT_EQ(x.final_checkpoint.selection().SerializeAsString(),
            y.final_checkpoint.selection().SerializeAsString());
}

}  // namespace
}  // namespace siamese
