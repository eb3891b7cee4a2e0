// Pins the numbers of shipped configs (experiments/configs/) as they were
// before the trainer was split into parts, to every digit results.json
// printed then ("%.6g"): a refactor of the training floor must not move
// them. Regenerate a row only for a change meant to alter results, and say
// so in its commit. nmi and ami (k-means of the test embeddings) were pinned
// when they were added; adding them moved none of the other numbers.
#include <cstdlib>
#include <map>
#include <string>

#include "absl/strings/str_format.h"
#include "framework/core/experiment_file.h"
#include "framework/records/records.h"
#include "framework/train/trainer.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

// results.json's metrics after training `config` (relative to the
// workspace) into a temporary folder.
std::map<std::string, double> Train(const std::string& config) {
  auto file =
      ExperimentFile::Load(config, {absl::StrFormat("output_dir: \"%s/pinned\"", TmpDir())});
  EXPECT_TRUE(file.ok()) << file.status();
  if (!file.ok()) return {};
  TrainOptions options;
  options.verbose = false;
  auto result = siamese::Train(**file, options);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return {};
  EXPECT_TRUE(result->finished);
  return MetricValues(result->results);
}

void ExpectPrinted(const std::map<std::string, double>& got,
                   const std::map<std::string, std::string>& printed) {
  for (const auto& [metric, want] : printed) {
    auto it = got.find(metric);
    ASSERT_NE(it, got.end()) << metric;
    EXPECT_EQ(absl::StrFormat("%.6g", it->second), want) << metric;
  }
}

TEST(PinnedResultsTest, CylinderBellFunnelCnn1d) {
  ExpectPrinted(Train("experiments/configs/cbf_cnn1d.pbtxt"), {{"precision_at_1", "0.997778"},
                                                               {"r_precision", "0.991174"},
                                                               {"map_at_r", "0.989949"},
                                                               {"recall_at_2", "0.998889"},
                                                               {"knn_accuracy", "0.998889"},
                                                               {"num_queries", "900"},
                                                               {"roc_auc", "0.998936"},
                                                               {"eer", "0.007"},
                                                               {"tar_at_far_1e-3", "0.9686"},
                                                               {"tar_at_far_1e-2", "0.9944"},
                                                               {"verification_accuracy", "0.9929"},
                                                               {"threshold", "0.576707"},
                                                               {"validation_accuracy", "1"},
                                                               {"nmi", "0.99322"},
                                                               {"ami", "0.993206"}});
}

// Fashion-MNIST from Debian's dataset-fashion-mnist (tools/setup.sh).
TEST(PinnedResultsTest, FashionMnistOpenSetContrastive) {
  ExpectPrinted(Train("experiments/configs/fashion_mnist_open_set_contrastive.pbtxt"),
                {{"precision_at_1", "0.8404"},
                 {"r_precision", "0.378171"},
                 {"map_at_r", "0.237074"},
                 {"recall_at_8", "0.9692"},
                 {"knn_accuracy", "0.8548"},
                 {"roc_auc", "0.639996"},
                 {"eer", "0.3865"},
                 {"tar_at_far_1e-3", "0.0323"},
                 {"verification_accuracy", "0.53345"},
                 {"threshold", "0.718805"},
                 {"validation_accuracy", "0.93185"},
                 {"nmi", "0.218823"},
                 {"ami", "0.218036"}});
}

}  // namespace
}  // namespace siamese
