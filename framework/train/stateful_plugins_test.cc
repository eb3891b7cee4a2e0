// Plugins that own state: a loss with a trainable parameter and a buffer,
// and a miner with memory across steps, both defined only here (adding
// them touched nothing under framework/). Each trains, is checkpointed,
// and resumes bit-exactly; the trained model carries the loss's weights.
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "framework/core/experiment_file.h"
#include "framework/core/loss.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/train/bundle.h"
#include "framework/train/stateful_plugins_test.pb.h"
#include "framework/train/tiny_run_testutil.h"
#include "framework/train/trained_model.h"
#include "framework/train/trainer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// l = exp(s) * mean(max(0, d(a,p) - d(a,n) + margin)) + (s - 1)^2 / 10, with
// s = "log_scale" trained (the penalty pulls it toward 1, so it moves), and
// a buffer "steps" counting the steps it saw (state across steps that is
// not a parameter).
class ScaledTriplet : public Loss {
 public:
  explicit ScaledTriplet(float margin) : margin_(margin) {
    log_scale_ = RegisterParameter("log_scale", Tensor::Full({1}, 0.0f));
    steps_ = RegisterBuffer("steps", Tensor::Zeros({1}));
  }
  static absl::StatusOr<std::unique_ptr<Loss>> Create(const testing::ScaledTripletParams& p,
                                                      const PluginContext& context) {
    if (context.embedding_dim != 8) return FieldError("margin", "expects the 8-D test encoder");
    return std::unique_ptr<Loss>(new ScaledTriplet(p.margin()));
  }
  TupleKind input() const override { return TupleKind::kTriplets; }
  void BeginStep(int64_t) override { steps_->data()[0] += 1.0f; }
  Variable Compute(const LossInput& in) override {
    const Triplets& t = in.tuples->triplets();
    if (t.anchors.empty()) return ZeroLoss(in.distances);
    Variable dap = GatherDistances(in.distances, t.anchors, t.positives);
    Variable dan = GatherDistances(in.distances, t.anchors, t.negatives);
    Variable hinge = MeanAll(Relu(AddScalar(Sub(dap, dan), margin_)));
    Variable scale = SumAll(Exp(log_scale_));
    Variable penalty = MulScalar(SumAll(Square(AddScalar(log_scale_, -1.0f))), 0.1f);
    return Add(Mul(scale, hinge), penalty);
  }

 private:
  float margin_;
  Variable log_scale_;
  Tensor* steps_;
};

// Every stride-th valid triplet, counting from where the previous call
// stopped: what it mines depends on every earlier step, so a resumed run
// mines the same only if the count is restored.
class RotatingMiner : public Miner {
 public:
  explicit RotatingMiner(int stride) : stride_(stride) {}
  static absl::StatusOr<std::unique_ptr<Miner>> Create(const testing::RotatingMinerParams& p,
                                                       const PluginContext&) {
    if (p.stride() < 1) return FieldError("stride", "must be >= 1");
    return std::unique_ptr<Miner>(new RotatingMiner(p.stride()));
  }
  TupleKind output() const override { return TupleKind::kTriplets; }
  Tuples Mine(const MinerInput& in) override {
    const std::vector<int64_t>& labels = *in.labels;
    const int64_t n = static_cast<int64_t>(labels.size());
    Triplets t;
    for (int64_t a = 0; a < n; ++a)
      for (int64_t p = 0; p < n; ++p)
        for (int64_t q = 0; q < n; ++q)
          if (a != p && labels[a] == labels[p] && labels[a] != labels[q] &&
              count_++ % stride_ == 0) {
            t.anchors.push_back(a);
            t.positives.push_back(p);
            t.negatives.push_back(q);
          }
    return t;
  }
  NamedTensors State() const override {
    return {{"count", Tensor::Full({1}, static_cast<float>(count_ % stride_))}};
  }
  absl::Status LoadState(const NamedTensors& state) override {
    if (state.size() != 1 || state[0].first != "count") {
      return absl::InvalidArgumentError("rotating miner: expected state \"count\"");
    }
    count_ = static_cast<int64_t>(state[0].second.ToVector()[0]);
    return absl::OkStatus();
  }

 private:
  int stride_;
  int64_t count_ = 0;
};

SIAMESE_REGISTER_PLUGIN(Loss, "test_scaled_triplet", siamese::testing::scaled_triplet,
                        testing::ScaledTripletParams, "test only", &ScaledTriplet::Create);
SIAMESE_REGISTER_PLUGIN(Miner, "test_rotating", siamese::testing::rotating_miner,
                        testing::RotatingMinerParams, "test only", &RotatingMiner::Create);

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

class StatefulPluginsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(testing_train::WriteSyntheticIdx(TmpDir() + "/train", 40, 1).ok());
    ASSERT_TRUE(testing_train::WriteSyntheticIdx(TmpDir() + "/test", 20, 2).ok());
  }

  // The tiny experiment with the stateful loss and miner, checkpoints every
  // 4 steps, the loss's parameters at 10x the learning rate. Margin 5 keeps
  // every hinge active, so which triplets are mined changes the weights.
  absl::StatusOr<TrainResult> Run(const std::string& name, int64_t stop_after_step = -1) {
    auto file = ExperimentFile::Parse(
        "stateful.pbtxt", testing_train::TinyExperiment(TmpDir(), name),
        {R"(loss { name: "test_scaled_triplet" learning_rate_multiplier: 10
                   [siamese.testing.scaled_triplet] { margin: 5 } })",
         R"(miner { name: "test_rotating" [siamese.testing.rotating_miner] { stride: 5 } })",
         "training { checkpoint_every: 4 }"});
    if (!file.ok()) return file.status();
    TrainOptions options;
    options.verbose = false;
    options.stop_after_step = stop_after_step;
    return Train(**file, options);
  }
};

TEST_F(StatefulPluginsTest, TrainCheckpointAndResumeBitExactly) {
  auto whole = Run("whole");
  ASSERT_TRUE(whole.ok()) << whole.status();
  ASSERT_TRUE(whole->finished);

  // The checkpoint holds the loss's parameter and buffer and the miner's
  // state; the parameter trained away from its initial 0.
  auto ckpt = LoadBundle(whole->run_dir + "/checkpoint.ckpt");
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  ASSERT_EQ(ckpt->loss_parameters_size(), 1);
  EXPECT_EQ(ckpt->loss_parameters(0).name(), "log_scale");
  EXPECT_NE(ckpt->loss_parameters(0).values(0), 0.0f);
  ASSERT_EQ(ckpt->loss_buffers_size(), 1);
  EXPECT_EQ(ckpt->loss_buffers(0).values(0), static_cast<float>(whole->steps_done));
  ASSERT_EQ(ckpt->miner_state_size(), 1);
  EXPECT_EQ(ckpt->miner_state(0).name(), "count");
  // Optimizer state is kept under the "loss." name.
  bool has_loss_state = false;
  for (const TensorProto& t : ckpt->optimizer_state()) {
    has_loss_state |= t.name() == "loss.log_scale.exp_avg";
  }
  EXPECT_TRUE(has_loss_state);

  // Killed between checkpoints (step 7; the last checkpoint is at 4) and
  // resumed: the same results, byte for byte, and the same loss weights.
  auto part = Run("resumed", 7);
  ASSERT_TRUE(part.ok()) << part.status();
  ASSERT_FALSE(part->finished);
  auto rest = Run("resumed");
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_TRUE(rest->finished);
  EXPECT_EQ(rest->results_json, whole->results_json);
  auto resumed = LoadBundle(rest->run_dir + "/checkpoint.ckpt");
  ASSERT_TRUE(resumed.ok());
  // Bit-exact: every encoder weight as well (the tiny task's metrics
  // saturate, so equal results alone would prove little).
  ASSERT_EQ(resumed->parameters_size(), ckpt->parameters_size());
  for (int i = 0; i < ckpt->parameters_size(); ++i) {
    EXPECT_EQ(resumed->parameters(i).SerializeAsString(), ckpt->parameters(i).SerializeAsString())
        << ckpt->parameters(i).name();
  }
  EXPECT_EQ(resumed->loss_parameters(0).values(0), ckpt->loss_parameters(0).values(0));
  EXPECT_EQ(resumed->loss_buffers(0).values(0), ckpt->loss_buffers(0).values(0));
  EXPECT_EQ(resumed->miner_state(0).values(0), ckpt->miner_state(0).values(0));

  // The trained model rebuilds the loss with its trained weight.
  auto model = TrainedModel::Load(whole->run_dir + "/checkpoint.ckpt");
  ASSERT_TRUE(model.ok()) << model.status();
}

TEST_F(StatefulPluginsTest, LossParametersCanBeFrozenByTheirLossName) {
  auto file = ExperimentFile::Parse(
      "stateful.pbtxt", testing_train::TinyExperiment(TmpDir(), "frozen"),
      {R"(loss { name: "test_scaled_triplet" })", R"(init { frozen_prefixes: "loss.log_scale" })"});
  ASSERT_TRUE(file.ok()) << file.status();
  TrainOptions options;
  options.verbose = false;
  auto run = Train(**file, options);
  ASSERT_TRUE(run.ok()) << run.status();
  auto ckpt = LoadBundle(run->run_dir + "/checkpoint.ckpt");
  ASSERT_TRUE(ckpt.ok());
  EXPECT_EQ(ckpt->loss_parameters(0).values(0), 0.0f);

  auto bad =
      ExperimentFile::Parse("stateful.pbtxt", testing_train::TinyExperiment(TmpDir(), "badfrozen"),
                            {R"(init { frozen_prefixes: "loss.nothing" })"});
  ASSERT_TRUE(bad.ok());
  auto refused = Train(**bad, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("init.frozen_prefixes: \"loss.nothing\" matches no parameter"));
}

}  // namespace
}  // namespace siamese
