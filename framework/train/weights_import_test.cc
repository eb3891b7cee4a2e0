#include "framework/train/weights_import.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "framework/autograd/variable.h"
#include "framework/core/experiment_file.h"
#include "framework/io/npy.h"
#include "framework/train/assembly.h"
#include "framework/train/weights.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "framework/train/pytorch_fixture_testutil.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

// Made by tools/pytorch_fixture/make_fixture.py, whose network mirrors this
// encoder.
constexpr char kDir[] = "tests/pytorch_fixture/";
using testing_train::kPytorchFixtureNameMap;
const char* const kNameMap = kPytorchFixtureNameMap;
std::unique_ptr<Encoder> FixtureEncoder(int embedding_dim = 8, const std::string& fc = "fc: 16") {
  std::string encoder = absl::StrCat("\nencoder {\n  name: \"cnn\"\n  ",
                                     testing_train::kPytorchFixtureCnn, "\n}\n");
  encoder.replace(encoder.find("fc: 16"), 6, fc);
  auto file = ExperimentFile::Parse(
      "fixture.pbtxt", absl::StrCat("name: \"f\" seed: 5 embedding_dim: ", embedding_dim, encoder,
                                    "loss { name: \"triplet\" }"));
  EXPECT_TRUE(file.ok()) << file.status();
  ModelShape shape;
  shape.example_shape = {1, 8, 8};
  shape.num_classes = 4;
  shape.training_classes = {0, 1, 2, 3};
  auto model = AssembleModel(**file, shape);
  EXPECT_TRUE(model.ok()) << model.status();
  return std::move(model->encoder);
}

InitConfig Init(const std::string& text) {
  InitConfig init;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &init)) << text;
  return init;
}

std::vector<float> Values(const Tensor& t) { return t.ToPlain().ToVector(); }

const ArchiveTensor& Find(const TensorArchive& a, const std::string& name) {
  auto it = std::find_if(a.tensors.begin(), a.tensors.end(),
                         [&](const ArchiveTensor& t) { return t.name == name; });
  EXPECT_NE(it, a.tensors.end()) << name;
  return *it;
}

float MaxAbsDiffToPyTorch(Encoder* encoder) {
  auto inputs = ReadNpy(absl::StrCat(kDir, "inputs.npy"));
  auto expected = ReadNpy(absl::StrCat(kDir, "embeddings.npy"));
  EXPECT_TRUE(inputs.ok() && expected.ok());
  encoder->Eval();
  NoGradScope no_grad;
  const std::vector<float> got =
      Values(encoder->Forward(Variable(Tensor::FromVector(inputs->shape, inputs->data))).value());
  EXPECT_EQ(got.size(), expected->data.size());
  float worst = 0;
  for (size_t i = 0; i < got.size() && i < expected->data.size(); ++i) {
    worst = std::max(worst, std::abs(got[i] - expected->data[i]));
  }
  return worst;
}

TEST(WeightsImportTest, ReproducesPyTorchEmbeddingsFromSafetensorsAndNpz) {
  for (const char* file : {"fixture.safetensors", "fixture.npz"}) {
    SCOPED_TRACE(file);
    auto encoder = FixtureEncoder();
    // Untrained, the encoder's embeddings are far from PyTorch's: the
    // comparison below can fail.
    EXPECT_GT(MaxAbsDiffToPyTorch(encoder.get()), 0.1f);
    const std::string path = absl::StrCat(kDir, file);
    auto weights = ReadWeights(path);
    ASSERT_TRUE(weights.ok()) << weights.status();
    auto report = ImportWeights(*weights, path, Init(kNameMap), encoder.get());
    ASSERT_TRUE(report.ok()) << report.status();
    // 4 conv/linear weights, 2 biases, 2 x (gamma, beta, mean, var).
    EXPECT_EQ(report->loaded, 14);
    EXPECT_TRUE(report->missing.empty());
    EXPECT_LE(MaxAbsDiffToPyTorch(encoder.get()), 1e-5f);
    // Values are copied as they are: PyTorch's layouts are the framework's.
    const NamedVariables params = encoder->NamedParameters();
    EXPECT_EQ(params[0].first, "conv0.weight");
    EXPECT_EQ(Values(params[0].second.value()), Find(*weights, "features.0.weight").data);
  }
}

TEST(WeightsImportTest, SafetensorsCountersAreIgnoredAndReported) {
  const std::string path = absl::StrCat(kDir, "fixture.safetensors");
  auto weights = ReadWeights(path);
  ASSERT_TRUE(weights.ok());
  auto report = ImportWeights(*weights, path, Init(kNameMap), FixtureEncoder().get());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->ignored, ::testing::ElementsAre("features.1.num_batches_tracked",
                                                      "features.5.num_batches_tracked"));
  EXPECT_THAT(report->Summary(),
              HasSubstr(absl::StrCat("init: loaded 14 tensors (",
                                     36 + 8 * 2 + 288 + 8 * 4 + 512 + 16 + 128 + 8,
                                     " values) from ", path)));
}

TEST(WeightsImportTest, MismatchesAreErrorsNamingTensorsAndShapes) {
  const std::string path = absl::StrCat(kDir, "fixture.safetensors");
  auto weights = ReadWeights(path);
  ASSERT_TRUE(weights.ok());
  auto encoder = FixtureEncoder(/*embedding_dim=*/6);
  const std::vector<float> before = Values(encoder->NamedParameters()[0].second.value());
  absl::Status s = ImportWeights(*weights, path, Init(kNameMap), encoder.get()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.ToString(),
              HasSubstr(absl::StrCat(path,
                                     ": tensor \"head.3.weight\" (as \"out.weight\") has shape [8, "
                                     "16]; the encoder's \"out.weight\" has shape [6, 16]")));
  // Nothing was loaded, not even the tensors before the mismatch.
  EXPECT_EQ(Values(encoder->NamedParameters()[0].second.value()), before);

  s = ImportWeights(*weights, path, InitConfig(), FixtureEncoder().get()).status();
  EXPECT_THAT(s.ToString(), HasSubstr("tensor \"features.0.weight\" matches no parameter or "
                                      "buffer of the encoder"));
  EXPECT_THAT(s.ToString(), HasSubstr("the encoder has: conv0.weight, bn0.gamma, bn0.beta"));

  s = ImportWeights(*weights, path, Init("allow_unused: true"), FixtureEncoder().get()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.ToString(), HasSubstr("no tensor for the encoder's \"conv0.weight\""));

  s = ImportWeights(
          *weights, path,
          Init(absl::StrCat(kNameMap, "name_map { from_prefix: \"head.1.w\" to_prefix: \"out.w\" }")),
          FixtureEncoder().get())
          .status();
  EXPECT_THAT(s.ToString(), HasSubstr("tensors \"head.1.weight\" and \"head.3.weight\" are both "
                                      "mapped to \"out.weight\""));
  s = ImportWeights(*weights, path,
                    Init(absl::StrCat(kNameMap, "name_map { from_prefix: \"head.3.\" }")),
                    FixtureEncoder().get())
          .status();
  EXPECT_THAT(s.ToString(), HasSubstr("init.name_map: from_prefix \"head.3.\" is given twice"));

  s = ImportWeights(*weights, path, Init(absl::StrCat(kNameMap, "include_prefixes: \"conv9\"")),
                    FixtureEncoder().get())
          .status();
  EXPECT_THAT(s.ToString(), HasSubstr("init.include_prefixes: \"conv9\" matches no parameter"));
}

TEST(WeightsImportTest, IncludePrefixesLoadABackboneIntoABiggerModel) {
  const std::string path = absl::StrCat(kDir, "fixture.safetensors");
  auto weights = ReadWeights(path);
  ASSERT_TRUE(weights.ok());
  // A different head: two hidden layers and another embedding width.
  auto encoder = FixtureEncoder(/*embedding_dim=*/6, "fc: 24 fc: 12");
  auto fresh = FixtureEncoder(/*embedding_dim=*/6, "fc: 24 fc: 12");
  auto report =
      ImportWeights(*weights, path,
                    Init(absl::StrCat(kNameMap, R"(include_prefixes: "conv0" include_prefixes: "bn0"
                                     include_prefixes: "conv1" include_prefixes: "bn1")")),
                    encoder.get());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->loaded, 10);
  EXPECT_THAT(report->skipped, ::testing::ElementsAre("fc0.weight", "fc0.bias", "fc1.weight",
                                                      "fc1.bias", "out.weight", "out.bias"));
  const NamedVariables got = encoder->NamedParameters(), init = fresh->NamedParameters();
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(got[i].first);
    if (got[i].first.rfind("fc", 0) == 0 || got[i].first.rfind("out", 0) == 0) {
      EXPECT_EQ(Values(got[i].second.value()), Values(init[i].second.value()));
    } else {
      EXPECT_NE(Values(got[i].second.value()), Values(init[i].second.value()));
    }
  }
  EXPECT_EQ(Values(*encoder->NamedBuffers()[1].second),
            Find(*weights, "features.1.running_var").data);
}

TEST(WeightsImportTest, AllowMissingKeepsInitializationAndSaysSo) {
  TensorArchive partial;
  auto encoder = FixtureEncoder();
  partial.tensors.push_back({"conv0.weight", {4, 1, 3, 3}, "F32", std::vector<float>(36, 0.5f)});
  auto report = ImportWeights(partial, "p.npz", Init("allow_missing: true"), encoder.get());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->loaded, 1);
  EXPECT_EQ(Values(encoder->NamedParameters()[0].second.value()), std::vector<float>(36, 0.5f));
  EXPECT_THAT(report->Summary(), HasSubstr("kept initialization (not in the file): bn0.gamma"));
  partial.tensors[0].data[3] = NAN;
  EXPECT_THAT(ImportWeights(partial, "p.npz", Init("allow_missing: true"), encoder.get())
                  .status()
                  .ToString(),
              HasSubstr("p.npz: tensor \"conv0.weight\" holds nan at element 3"));
}

TEST(WeightsImportTest, MapWeightNameUsesTheLongestPrefix) {
  const InitConfig init = Init(kNameMap);
  EXPECT_EQ(MapWeightName("features.1.weight", init), "bn0.gamma");
  EXPECT_EQ(MapWeightName("features.1.running_mean", init), "bn0.running_mean");
  EXPECT_EQ(MapWeightName("unmapped.x", init), "unmapped.x");
}

}  // namespace
}  // namespace siamese
