// The dataset state (Dataset::State(), PluginContext::dataset_state) from the
// training split to the test split, into the checkpoint, and back when a
// trained model re-opens its data; and class names extended by classes only
// the test split has.
#include <cstdlib>
#include <memory>

#include "framework/core/dataset.h"
#include "framework/core/experiment_file.h"
#include "framework/core/registry.h"
#include "framework/train/checkpoint.h"
#include "framework/train/data.h"
#include "framework/train/dataset_state_test.pb.h"
#include "framework/train/tiny_run_testutil.h"
#include "framework/train/trained_model.h"
#include "framework/train/trainer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::ElementsAre;

// The synthetic 8x8 bar images of tiny_run_testutil.h (4 classes); the test
// split adds `test_only_classes` classes of 6 examples each. Records the
// dataset_state it was created with.
class StateProbe : public Dataset {
 public:
  static absl::StatusOr<std::unique_ptr<Dataset>> Create(const testing::StateProbeParams& p,
                                                         const PluginContext& context) {
    auto d = std::make_unique<StateProbe>();
    const bool train = context.split == "train";
    IdxArray labels;
    d->pixels_ = testing_train::SyntheticImages(train ? 12 : 6, train ? 1 : 2, &labels).data;
    d->labels_.assign(labels.data.begin(), labels.data.end());
    d->names_ = {"bar0", "bar1", "bar2", "bar3"};
    if (!train) {
      for (int c = 0; c < p.test_only_classes(); ++c) {
        d->names_.push_back("new" + std::to_string(c));
        for (int i = 0; i < 6; ++i) {
          d->pixels_.insert(d->pixels_.end(), 64, static_cast<uint8_t>(20 * c + i));
          d->labels_.push_back(4 + c);
        }
      }
    }
    d->received_ = context.dataset_state;
    d->state_ = context.dataset_state.empty() ? "vocab:" + p.vocabulary() : context.dataset_state;
    return std::unique_ptr<Dataset>(std::move(d));
  }

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Shape example_shape() const override { return {1, 8, 8}; }
  const std::vector<int64_t>& labels() const override { return labels_; }
  std::vector<std::string> class_names() const override { return names_; }
  void CopyExample(int64_t i, float* dst) const override {
    for (int k = 0; k < 64; ++k) dst[k] = pixels_[i * 64 + k] / 255.0f;
  }
  std::vector<std::string> source_files() const override { return {}; }
  std::string State() const override { return state_; }

  const std::string& received() const { return received_; }

 private:
  std::vector<uint8_t> pixels_;
  std::vector<int64_t> labels_;
  std::vector<std::string> names_;
  std::string received_, state_;
};

SIAMESE_REGISTER_PLUGIN(Dataset, "state_probe", siamese::testing::state_probe,
                        testing::StateProbeParams, "test dataset recording its dataset_state",
                        &StateProbe::Create);

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

std::string Experiment(const std::string& name, const std::string& probe_params) {
  return R"(name: ")" + name + R"("
seed: 3
threads: 1
output_dir: ")" +
         TmpDir() + R"(/runs"
data {
  dataset { name: "state_probe" [siamese.testing.state_probe] { )" +
         probe_params + R"( } }
  validation_fraction: 0.25
}
sampler { name: "pk" [siamese.pk] { k: 4 } }
encoder { name: "cnn" [siamese.cnn] { conv { channels: 2 } fc: 8 } }
embedding_dim: 4
miner { name: "semi_hard" }
loss { name: "triplet" }
training { epochs: 1 batch_size: 16 checkpoint_every: 0 }
evaluation { verification_pairs: 40 }
)";
}

std::unique_ptr<ExperimentFile> Parse(const std::string& text,
                                      const std::vector<std::string>& overrides = {}) {
  auto file = ExperimentFile::Parse("probe.pbtxt", text, overrides);
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? std::move(*file) : nullptr;
}

const StateProbe& Probe(const Split& split) {
  const auto* p = dynamic_cast<const StateProbe*>(split.dataset.get());
  EXPECT_NE(p, nullptr);
  return *p;
}

TEST(DatasetStateTest, TestSplitReceivesTheTrainSplitsState) {
  auto file = Parse(Experiment("load", "vocabulary: \"xyz\""));
  ASSERT_NE(file, nullptr);
  auto data = LoadExperimentData(*file);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(Probe(data->train).received(), "");
  EXPECT_EQ(Probe(data->test).received(), "vocab:xyz");
  EXPECT_EQ(data->dataset_state, "vocab:xyz");
}

TEST(DatasetStateTest, AGivenStateReachesBothSplits) {
  auto file = Parse(Experiment("given", "vocabulary: \"xyz\""));
  ASSERT_NE(file, nullptr);
  auto data = LoadExperimentData(*file, "vocab:saved");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(Probe(data->train).received(), "vocab:saved");
  EXPECT_EQ(Probe(data->test).received(), "vocab:saved");
  EXPECT_EQ(data->dataset_state, "vocab:saved");
}

TEST(DatasetStateTest, ClassesOnlyTheTestSplitHasGetTheirNamesAndStayInTheTestSplit) {
  auto file = Parse(Experiment("open", "test_only_classes: 2"));
  ASSERT_NE(file, nullptr);
  auto data = LoadExperimentData(*file);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_THAT(data->class_names, ElementsAre("bar0", "bar1", "bar2", "bar3", "new0", "new1"));
  EXPECT_EQ(data->test.size(), 4 * 6 + 2 * 6);
  EXPECT_EQ(data->train.size() + data->validation.size(), 4 * 12);

  auto only_new = Parse(Experiment("open2", "test_only_classes: 2"), {"data { test_classes: 5 }"});
  ASSERT_NE(only_new, nullptr);
  auto data2 = LoadExperimentData(*only_new);
  ASSERT_TRUE(data2.ok()) << data2.status();
  EXPECT_EQ(data2->test.size(), 6);
}

TEST(DatasetStateTest, TheCheckpointCarriesTheStateAndReopeningTheDataUsesIt) {
  auto file = Parse(Experiment("trained", "vocabulary: \"v1\""));
  ASSERT_NE(file, nullptr);
  TrainOptions options;
  options.verbose = false;
  auto run = Train(*file, options);
  ASSERT_TRUE(run.ok()) << run.status();
  const std::string path = run->run_dir + "/checkpoint.ckpt";
  auto ckpt = ReadCheckpoint(path);
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  EXPECT_EQ(ckpt->dataset_state(), "vocab:v1");

  // A state that the experiment's parameters would not derive reaches both
  // splits when the model re-opens its data.
  ckpt->set_dataset_state("vocab:from-checkpoint");
  ASSERT_TRUE(WriteCheckpoint(path, *ckpt).ok());
  auto model = TrainedModel::Load(path);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->dataset_state(), "vocab:from-checkpoint");
  auto data = LoadModelData(**model);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(Probe(data->train).received(), "vocab:from-checkpoint");
  EXPECT_EQ(Probe(data->test).received(), "vocab:from-checkpoint");
}

}  // namespace
}  // namespace siamese
