// Training with init: from another run's checkpoint with frozen prefixes,
// from weights exported by `export_weights` (safetensors and .npz), and from
// PyTorch-made weights (tests/pytorch_fixture) with a name map, each through
// Train(), as `bazel run //:train -- --config=...` runs it.
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/autograd/variable.h"
#include "framework/core/experiment_file.h"
#include "framework/train/assembly.h"
#include "framework/train/checkpoint.h"
#include "framework/train/tiny_run_testutil.h"
#include "framework/train/trained_model.h"
#include "framework/train/trainer.h"
#include "framework/train/weights.h"
#include "framework/train/weights_export.h"
#include "gmock/gmock.h"
#include "framework/train/pytorch_fixture_testutil.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::siamese::testing_train::TinyExperiment;
using ::siamese::testing_train::TrainTinyRun;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

TrainOptions Quiet() {
  TrainOptions o;
  o.verbose = false;
  return o;
}

// The tensors of `archive` by name.
std::map<std::string, std::vector<float>> ByName(const TensorArchive& archive) {
  std::map<std::string, std::vector<float>> out;
  for (const ArchiveTensor& t : archive.tensors) out[t.name] = t.data;
  return out;
}

std::map<std::string, std::vector<float>> CheckpointTensors(const std::string& path) {
  auto checkpoint = ReadCheckpoint(path);
  EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
  if (!checkpoint.ok()) return {};
  return ByName(CheckpointWeights(*checkpoint));
}

std::unique_ptr<ExperimentFile> Experiment(const std::string& name, const std::string& extra,
                                           const std::string& encoder = "",
                                           const std::vector<std::string>& overrides = {}) {
  std::string text = TinyExperiment(TmpDir(), name);
  if (!encoder.empty()) {
    const std::string tiny = "[siamese.cnn] { conv { channels: 4 } fc: 16 }";
    text.replace(text.find(tiny), tiny.size(), encoder);
  }
  auto file = ExperimentFile::Parse(name + ".pbtxt", text + extra, overrides);
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? *std::move(file) : nullptr;
}

// The encoder's output for a fixed batch of the tiny data's shape.
std::vector<float> Embed(Encoder* encoder) {
  std::vector<float> x(6 * 64);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37) % 11) / 5.0f - 1.0f;
  encoder->Eval();
  NoGradScope no_grad;
  return encoder->Forward(Variable(Tensor::FromVector({6, 1, 8, 8}, x))).value().ToVector();
}

class InitTrainingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto checkpoint = TrainTinyRun(TmpDir(), "source");
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    source_ = new std::string(*checkpoint);
  }
  static std::string* source_;
};
std::string* InitTrainingTest::source_ = nullptr;

TEST_F(InitTrainingTest, FromCheckpointStartsThereAndFrozenPrefixesStayBitIdentical) {
  const auto source = CheckpointTensors(*source_);
  ASSERT_EQ(source.count("conv0.weight"), 1u);
  const std::string init =
      absl::StrCat(R"(init { from_checkpoint: ")", *source_, R"(" frozen_prefixes: "conv0" })");
  // The starting weights are the source run's trained ones.
  // A wider margin than the source's: its trained model meets the old one
  // on most triplets, which would leave little to learn.
  auto file = Experiment("target", init, "",
                         {"loss { [siamese.triplet] { margin: 1 } } "
                          "miner { [siamese.semi_hard] { margin: 1 } }"});
  auto components = AssembleTraining(*file);
  ASSERT_TRUE(components.ok()) << components.status();
  for (const auto& [name, v] : (*components)->model.encoder->NamedParameters()) {
    EXPECT_EQ(v.value().ToVector(), source.at(name)) << name;
    EXPECT_EQ(v.requires_grad(), name.rfind("conv0.", 0) != 0) << name;
  }

  auto result = Train(*file, Quiet());
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(result->finished);
  const auto trained = CheckpointTensors(result->run_dir + "/checkpoint.ckpt");
  EXPECT_EQ(trained.at("conv0.weight"), source.at("conv0.weight"));
  EXPECT_EQ(trained.at("conv0.bias"), source.at("conv0.bias"));
  for (const char* name : {"fc0.weight", "fc0.bias", "out.weight", "out.bias"}) {
    EXPECT_NE(trained.at(name), source.at(name)) << name << " was not trained";
  }
}

TEST_F(InitTrainingTest, ExportedWeightsImportToTheSameEmbeddings) {
  auto model = TrainedModel::Load(*source_);
  ASSERT_TRUE(model.ok()) << model.status();
  const std::vector<float> expected = Embed((*model)->encoder());
  for (const char* ext : {"safetensors", "npz"}) {
    SCOPED_TRACE(ext);
    const std::string path = absl::StrCat(TmpDir(), "/source.", ext);
    auto summary = ExportWeights(*source_, path);
    ASSERT_TRUE(summary.ok()) << summary.status();
    EXPECT_THAT(*summary, HasSubstr("wrote 6 tensors (1216 values) of encoder \"cnn\""));
    auto weights = ReadWeights(path);
    ASSERT_TRUE(weights.ok()) << weights.status();
    EXPECT_EQ(ByName(*weights), CheckpointTensors(*source_));
    if (std::string(ext) == "safetensors") {
      EXPECT_EQ(weights->metadata.at("encoder"), "cnn");
      EXPECT_EQ(weights->metadata.at("example_shape"), "1,8,8");
      EXPECT_THAT(weights->metadata.at("experiment"), HasSubstr("name: \"source\""));
    }
    auto file = Experiment(absl::StrCat("imported_", ext),
                           absl::StrCat(R"(init { from_weights: ")", path, R"(" })"));
    auto components = AssembleTraining(*file);
    ASSERT_TRUE(components.ok()) << components.status();
    EXPECT_EQ(Embed((*components)->model.encoder.get()), expected);  // exactly
  }
}

TEST_F(InitTrainingTest, PyTorchWeightsWithANameMapTrainWithAFrozenBackbone) {
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  const std::string fixture = absl::StrCat(cwd, "/tests/pytorch_fixture/fixture.safetensors");
  const std::string init = absl::StrCat(R"(init {
  from_weights: ")",
                                        fixture, R"("
  )", testing_train::kPytorchFixtureNameMap, R"(
  include_prefixes: "conv0" include_prefixes: "bn0" include_prefixes: "conv1" include_prefixes: "bn1"
  frozen_prefixes: "conv0" frozen_prefixes: "bn0" frozen_prefixes: "conv1" frozen_prefixes: "bn1"
})");
  auto file = Experiment("pytorch", init, testing_train::kPytorchFixtureCnn);
  auto weights = ReadWeights(fixture);
  ASSERT_TRUE(weights.ok()) << weights.status();
  const auto pytorch = ByName(*weights);
  auto result = Train(*file, Quiet());
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(result->finished);
  const auto trained = CheckpointTensors(result->run_dir + "/checkpoint.ckpt");
  EXPECT_EQ(trained.at("conv0.weight"), pytorch.at("features.0.weight"));
  EXPECT_EQ(trained.at("bn0.gamma"), pytorch.at("features.1.weight"));
  EXPECT_EQ(trained.at("bn1.beta"), pytorch.at("features.5.bias"));
  EXPECT_EQ(trained.at("conv1.weight"), pytorch.at("features.4.weight"));
  // The head was not in the file's selection: initialized, then trained.
  EXPECT_NE(trained.at("fc0.weight"), pytorch.at("head.1.weight"));
}

TEST_F(InitTrainingTest, InitErrorsAreLocatedInTheExperiment) {
  auto file = Experiment("both", absl::StrCat(R"(init { from_checkpoint: ")", *source_,
                                              R"(" from_weights: "x.npz" })"));
  EXPECT_THAT(AssembleTraining(*file).status().ToString(),
              HasSubstr("init: set from_checkpoint or from_weights, not both"));
  file = Experiment("bad_ext", R"(init { from_weights: "/nonexistent/w.pt" })");
  EXPECT_THAT(AssembleTraining(*file).status().ToString(),
              HasSubstr("/nonexistent/w.pt: unknown weight file format: the name must end in "
                        ".safetensors or .npz"));
  file = Experiment("wide", absl::StrCat(R"(init { from_checkpoint: ")", *source_, R"(" })"),
                    "[siamese.cnn] { conv { channels: 4 } fc: 24 }");
  EXPECT_THAT(AssembleTraining(*file).status().ToString(),
              AllOf(HasSubstr("wide.pbtxt:"),
                    HasSubstr("tensor \"fc0.weight\" has shape [16, 64]; "
                              "the encoder's \"fc0.weight\" has shape [24, 64]")));
}

}  // namespace
}  // namespace siamese
