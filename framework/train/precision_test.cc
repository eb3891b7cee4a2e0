// `precision: BF16` in an experiment: the run computes its matrix ops in
// bf16 mixed precision where the CPU can (framework/tensor/precision.h),
// says which precision ran, stays reproducible, and learns what float32
// learns to within bf16's rounding.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/core/experiment_file.h"
#include "framework/io/npy.h"
#include "framework/records/records.h"
#include "framework/tensor/precision.h"
#include "framework/train/embed_export.h"
#include "framework/train/tiny_run_testutil.h"
#include "framework/train/trained_model.h"
#include "framework/train/trainer.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

struct TinyRun {
  RunResults results;
  Manifest manifest;
  std::string dir;
};

TinyRun TrainTiny(const std::string& name, const std::string& extra) {
  const std::string dir = ::testing::TempDir();
  EXPECT_TRUE(testing_train::WriteSyntheticIdx(dir + "/train", 40, 1).ok());
  EXPECT_TRUE(testing_train::WriteSyntheticIdx(dir + "/test", 20, 2).ok());
  auto file =
      ExperimentFile::Parse("tiny.pbtxt", testing_train::TinyExperiment(dir, name) + extra);
  EXPECT_TRUE(file.ok()) << file.status();
  TrainOptions options;
  options.verbose = false;
  auto result = Train(**file, options);
  EXPECT_TRUE(result.ok()) << result.status();
  TinyRun run;
  run.results = result->results;
  run.dir = result->run_dir;
  EXPECT_TRUE(ReadJsonFile(run.dir + "/manifest.json", &run.manifest).ok());
  return run;
}

std::vector<float> Embeddings(const TinyRun& run) {
  auto e = ReadNpy(run.dir + "/test_embeddings.npy");
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? e->data : std::vector<float>{};
}

TEST(PrecisionTest, Bf16RunIsReproducibleAndCloseToFloat32) {
  const TinyRun f32 = TrainTiny("f32", "");
  const TinyRun bf16 = TrainTiny("bf16", "precision: BF16\n");
  const TinyRun again = TrainTiny("bf16_again", "precision: BF16\n");
  // The process-wide setting is the default again after a run.
  EXPECT_EQ(CurrentMatrixPrecision(), MatrixPrecision::kFloat32);
  EXPECT_EQ(f32.manifest.precision(), "float32");
  // Same config, seed and threads: the same numbers.
  EXPECT_EQ(Embeddings(again), Embeddings(bf16));
  EXPECT_EQ(again.results.retrieval().map_at_r(), bf16.results.retrieval().map_at_r());
  EXPECT_EQ(again.results.retrieval().precision_at_1(), bf16.results.retrieval().precision_at_1());
  if (CpuHasBf16Instructions()) {
    EXPECT_EQ(bf16.manifest.precision(), "bf16");
    // The embeddings differ (bf16 operands) ...
    EXPECT_NE(Embeddings(bf16), Embeddings(f32));
    // ... and the model is as good.
    EXPECT_NEAR(bf16.results.retrieval().map_at_r(), f32.results.retrieval().map_at_r(), 0.05);
    EXPECT_NEAR(bf16.results.retrieval().precision_at_1(),
                f32.results.retrieval().precision_at_1(), 0.05);
  } else {
    // Float32, with a warning in results.json naming the config line.
    EXPECT_EQ(bf16.manifest.precision(), "float32");
    EXPECT_EQ(bf16.results.retrieval().map_at_r(), f32.results.retrieval().map_at_r());
    ASSERT_GT(bf16.results.warnings_size(), 0);
    EXPECT_NE(bf16.results.warnings(0).find("neither AVX512-BF16 nor AMX"), std::string::npos);
  }
}

TEST(PrecisionTest, EmbedComputesInTheRunsPrecision) {
  // `embed` on a bf16 run's checkpoint gives the run's own test embeddings
  // (evaluated in bf16); float32 ones would differ by about 1e-3.
  const TinyRun bf16 = TrainTiny("bf16_embed", "precision: BF16\n");
  auto model = TrainedModel::Load(bf16.dir + "/checkpoint.ckpt");
  ASSERT_TRUE(model.ok()) << model.status();
  const std::string out = ::testing::TempDir() + "/bf16_embed_out";
  auto exported = ExportEmbeddings(model->get(), "test", out, /*block_rows=*/32);
  ASSERT_TRUE(exported.ok()) << exported.status();
  auto mine = ReadNpy(out + "/embeddings.npy");
  auto runs = ReadNpy(bf16.dir + "/test_embeddings.npy");
  ASSERT_TRUE(mine.ok() && runs.ok());
  ASSERT_EQ(mine->shape, runs->shape);
  for (size_t i = 0; i < mine->data.size(); ++i) {
    ASSERT_NEAR(mine->data[i], runs->data[i], 1e-6f) << "element " << i;
  }
  EXPECT_EQ(CurrentMatrixPrecision(), MatrixPrecision::kFloat32);
}

}  // namespace
}  // namespace siamese
