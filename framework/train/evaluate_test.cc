// The test split's retrieval protocol: leave-one-out, or queries against a
// gallery when the dataset has one (Dataset::gallery(), In-Shop).
#include "framework/train/evaluate.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "framework/core/experiment_file.h"
#include "framework/distributed/communicator.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/train/assembly.h"
#include "framework/train/tiny_run_testutil.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// A dataset as `inner`, whose every third example is a query and the rest
// the gallery.
class WithGallery : public Dataset {
 public:
  explicit WithGallery(std::shared_ptr<const Dataset> inner) : inner_(std::move(inner)) {}
  int64_t size() const override { return inner_->size(); }
  Shape example_shape() const override { return inner_->example_shape(); }
  const std::vector<int64_t>& labels() const override { return inner_->labels(); }
  std::vector<std::string> class_names() const override { return inner_->class_names(); }
  void CopyExample(int64_t i, float* dst) const override { inner_->CopyExample(i, dst); }
  std::vector<std::string> source_files() const override { return inner_->source_files(); }
  std::vector<bool> gallery() const override {
    std::vector<bool> g(inner_->size());
    for (size_t i = 0; i < g.size(); ++i) g[i] = i % 3 != 0;
    return g;
  }

 private:
  std::shared_ptr<const Dataset> inner_;
};

TEST(EvaluateTest, ATestSplitWithAGalleryIsEvaluatedQueriesAgainstGallery) {
  const std::string dir = ::testing::TempDir() + "/gallery";
  ASSERT_EQ(system(("mkdir -p " + dir).c_str()), 0);
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/train", 40, 1).ok());
  ASSERT_TRUE(testing_train::WriteSyntheticIdx(dir + "/test", 20, 2).ok());
  auto file = ExperimentFile::Parse("tiny.pbtxt", testing_train::TinyExperiment(dir, "g"));
  ASSERT_TRUE(file.ok()) << file.status();
  SetNumThreads(1);
  auto c = AssembleTraining(**file);
  ASSERT_TRUE(c.ok()) << c.status();
  Components& k = **c;
  const EvaluationConfig& config = (*file)->config().evaluation();
  auto loo = EvaluateModel(k.model.encoder.get(), k.data, k.model.distance, config, 3);
  ASSERT_TRUE(loo.ok()) << loo.status();
  EXPECT_EQ(loo->test_retrieval.num_queries, 80);

  ExperimentData data = k.data;
  data.test.dataset = std::make_shared<WithGallery>(k.data.test.dataset);
  auto report = EvaluateModel(k.model.encoder.get(), data, k.model.distance, config, 3);
  ASSERT_TRUE(report.ok()) << report.status();
  // What it must be: the queries' rows against the gallery's.
  const Tensor e = EmbedSplit(k.model.encoder.get(), data.test, data.normalization, 32);
  std::vector<float> q, g;
  std::vector<int64_t> ql, gl;
  for (int64_t i = 0; i < data.test.size(); ++i) {
    const bool gallery = data.test.indices[i] % 3 != 0;
    auto& v = gallery ? g : q;
    v.insert(v.end(), e.data() + i * e.dim(1), e.data() + (i + 1) * e.dim(1));
    (gallery ? gl : ql).push_back(data.test.labels[i]);
  }
  auto expected = EvaluateRetrieval(
      Tensor::FromVector({static_cast<int64_t>(ql.size()), e.dim(1)}, q), ql,
      Tensor::FromVector({static_cast<int64_t>(gl.size()), e.dim(1)}, g), gl, false,
      k.model.distance, {1, 2, 4, 8}, config.knn_k(), config.block_rows());
  ASSERT_TRUE(expected.ok()) << expected.status();
  EXPECT_EQ(report->test_retrieval.num_queries, 27);
  EXPECT_EQ(report->test_retrieval.map_at_r, expected->map_at_r);
  EXPECT_EQ(report->test_retrieval.precision_at_1, expected->precision_at_1);
  EXPECT_EQ(report->test_retrieval.recall_at_k, expected->recall_at_k);
  EXPECT_NE(report->test_retrieval.map_at_r, loo->test_retrieval.map_at_r);

  // Over ranks: the same numbers.
  RunOnInProcessRanks(2, [&](Communicator& comm) {
    auto r = EvaluateModel(k.model.encoder.get(), data, k.model.distance, config, 3, &comm);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->test_retrieval.map_at_r, expected->map_at_r);
  });
}

}  // namespace
}  // namespace siamese
