#include "framework/train/trained_model.h"

#include <cmath>
#include <cstdlib>

#include "framework/core/registry.h"
#include "framework/io/atomic_file.h"
#include "framework/tensor/rng.h"
#include "framework/train/checkpoint.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

constexpr char kExperiment[] = R"(name: "hand_made"
seed: 7
distance: "cosine"
encoder {
  name: "cnn"
  [siamese.cnn] { conv { channels: 3 } fc: 10 }
}
embedding_dim: 5
loss { name: "triplet" }
)";

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

// An encoder built from kExperiment with another seed than the stored one
// (so loading must overwrite every weight), saved with the given extras.
class TrainedModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto file = ExperimentFile::Parse("x.pbtxt", kExperiment);
    ASSERT_TRUE(file.ok()) << file.status();
    PluginContext context;
    context.seed = 99;
    context.input_shape = {1, 6, 6};
    context.embedding_dim = 5;
    auto encoder = Registry<Encoder>::Create((*file)->config().encoder(), context);
    ASSERT_TRUE(encoder.ok()) << encoder.status();
    reference_ = std::move(*encoder);
    SaveModule(*reference_, &ckpt_);
    ckpt_.set_experiment((*file)->ResolvedText());
    ckpt_.set_input_mean(0.25f);
    ckpt_.set_input_std(0.5f);
    for (int64_t d : {1, 6, 6}) ckpt_.add_example_shape(d);
    for (const char* n : {"a", "b", "c"}) ckpt_.add_class_names(n);
    ckpt_.set_threshold(0.125f);
    ckpt_.set_dataset_state("vocabulary\n");
  }

  std::string Write(const std::string& name, const Checkpoint& c) {
    const std::string path = TmpDir() + "/" + name;
    EXPECT_TRUE(WriteCheckpoint(path, c).ok());
    return path;
  }

  std::unique_ptr<Encoder> reference_;
  Checkpoint ckpt_;
};

TEST_F(TrainedModelTest, RestoresEverythingStored) {
  const std::string path = Write("all.ckpt", ckpt_);
  auto model = TrainedModel::Load(path);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->path(), path);
  EXPECT_EQ((*model)->experiment().config().name(), "hand_made");
  EXPECT_EQ((*model)->experiment().path(), path + " (experiment)");
  EXPECT_EQ((*model)->distance(), Distance::Cosine());
  EXPECT_EQ((*model)->normalization().mean, 0.25f);
  EXPECT_EQ((*model)->normalization().std, 0.5f);
  ASSERT_TRUE((*model)->threshold().has_value());
  EXPECT_EQ(*(*model)->threshold(), 0.125f);
  EXPECT_EQ((*model)->example_shape(), Shape({1, 6, 6}));
  EXPECT_THAT((*model)->class_names(), ::testing::ElementsAre("a", "b", "c"));
  EXPECT_EQ((*model)->dataset_state(), "vocabulary\n");
  EXPECT_EQ((*model)->embedding_dim(), 5);
  EXPECT_FALSE((*model)->encoder()->is_training());
}

TEST_F(TrainedModelTest, EmbedNormalizesThenRunsTheStoredWeights) {
  auto model = TrainedModel::Load(Write("embed.ckpt", ckpt_));
  ASSERT_TRUE(model.ok()) << model.status();
  Rng rng(5);
  std::vector<float> raw(3 * 36);
  for (float& v : raw) v = rng.Uniform();
  Tensor e = (*model)->Embed(Tensor::FromVector({3, 1, 6, 6}, raw));
  ASSERT_EQ(e.shape(), Shape({3, 5}));
  // Reference: the original encoder on (x - 0.25) / 0.5, in eval mode.
  std::vector<float> normalized = raw;
  for (float& v : normalized) v = (v - 0.25f) / 0.5f;
  reference_->Eval();
  Tensor want;
  {
    NoGradScope no_grad;
    want = reference_->Forward(Variable(Tensor::FromVector({3, 1, 6, 6}, normalized)))
               .value()
               .ToPlain();
  }
  for (int64_t i = 0; i < e.numel(); ++i) EXPECT_NEAR(e.data()[i], want.data()[i], 1e-5) << i;
  // One example alone gives the same row as inside the batch (eval mode).
  std::vector<float> second(raw.begin() + 36, raw.begin() + 72);
  Tensor one = (*model)->Embed(Tensor::FromVector({1, 1, 6, 6}, second));
  for (int k = 0; k < 5; ++k) EXPECT_NEAR(one.data()[k], e.data()[5 + k], 1e-5);
}

TEST_F(TrainedModelTest, NoThresholdWhenNotCalibrated) {
  ckpt_.clear_threshold();
  auto model = TrainedModel::Load(Write("nothreshold.ckpt", ckpt_));
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_FALSE((*model)->threshold().has_value());
}

TEST_F(TrainedModelTest, ErrorsNameTheCheckpoint) {
  struct Case {
    std::string name;
    std::function<void(Checkpoint*)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"noexp.ckpt", [](Checkpoint* c) { c->clear_experiment(); }, "holds no experiment"},
      {"noshape.ckpt", [](Checkpoint* c) { c->clear_example_shape(); }, "holds no example shape"},
      {"badtext.ckpt", [](Checkpoint* c) { c->set_experiment("encoder { nme: 1 }"); },
       "badtext.ckpt (experiment):1:"},
      {"badenc.ckpt", [](Checkpoint* c) { c->set_experiment(R"(encoder { name: "mlp" })"); },
       "unknown encoder \"mlp\""},
      {"badweights.ckpt", [](Checkpoint* c) { c->mutable_parameters()->RemoveLast(); },
       "badweights.ckpt"},
      {"badstd.ckpt", [](Checkpoint* c) { c->set_input_std(0); }, "input_std is 0"},
  };
  for (const Case& c : cases) {
    Checkpoint edited = ckpt_;
    c.edit(&edited);
    const std::string path = Write(c.name, edited);
    auto model = TrainedModel::Load(path);
    ASSERT_FALSE(model.ok()) << c.name;
    EXPECT_THAT(std::string(model.status().message()), HasSubstr(path)) << c.name;
    EXPECT_THAT(std::string(model.status().message()), HasSubstr(c.message)) << c.name;
  }
  auto missing = TrainedModel::Load(TmpDir() + "/absent.ckpt");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("absent.ckpt"));
}

TEST_F(TrainedModelTest, DamagedFileIsReported) {
  const std::string path = Write("damaged.ckpt", ckpt_);
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  (*bytes)[bytes->size() / 2] ^= 0x55;
  ASSERT_TRUE(WriteFileAtomically(path, *bytes).ok());
  auto model = TrainedModel::Load(path);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(std::string(model.status().message()), HasSubstr(path + ": checksum mismatch"));
}

TEST_F(TrainedModelTest, EmbedDiesOnAWrongShape) {
  auto model = TrainedModel::Load(Write("death.ckpt", ckpt_));
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_DEATH((*model)->Embed(Tensor::Zeros({2, 1, 5, 6})),
               "TrainedModel::Embed: batch \\[2, 1, 5, 6\\] does not match \\[N, example shape\\] "
               "with example shape \\[1, 6, 6\\]");
}

}  // namespace
}  // namespace siamese
