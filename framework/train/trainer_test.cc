#include "framework/train/trainer.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "framework/core/experiment_file.h"
#include "framework/io/idx.h"
#include "framework/records/records.h"
#include "framework/train/bundle.h"
#include "framework/train/checkpoint.h"
#include "framework/train/tiny_run_testutil.h"
#include "framework/train/trained_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

std::string Config(const std::string& name) {
  const std::string d = TmpDir();
  return R"(name: ")" + name + R"("
seed: 3
threads: 1
output_dir: ")" +
         d + R"(/runs"
data {
  dataset {
    name: "idx_images"
    [siamese.idx_images] {
      train_images: ")" +
         d + R"(/train-images.idx"
      train_labels: ")" +
         d + R"(/train-labels.idx"
      test_images: ")" +
         d + R"(/test-images.idx"
      test_labels: ")" +
         d + R"(/test-labels.idx"
    }
  }
  validation_fraction: 0.25
}
sampler { name: "pk" [siamese.pk] { k: 4 } }
encoder {
  name: "cnn"
  [siamese.cnn] { conv { channels: 4 } fc: 16 dropout: 0.1 }
}
embedding_dim: 8
miner { name: "semi_hard" [siamese.semi_hard] { margin: 0.2 } }
loss { name: "triplet" [siamese.triplet] { margin: 0.2 } }
optimizer { name: "adam" learning_rate: 0.01 }
training { epochs: 3 batch_size: 16 log_every: 5 checkpoint_every: 4 }
evaluation { verification_pairs: 200 block_rows: 32 }
)";
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

class TrainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The data of tiny_run_testutil.h; the experiment below differs from its
    // TinyExperiment (periodic checkpoints, for the resumption test).
    ASSERT_TRUE(testing_train::WriteSyntheticIdx(TmpDir() + "/train", 40, 1).ok());
    ASSERT_TRUE(testing_train::WriteSyntheticIdx(TmpDir() + "/test", 20, 2).ok());
  }

  absl::StatusOr<TrainResult> Run(const std::string& text, const TrainOptions& options = {},
                                  const std::vector<std::string>& overrides = {}) {
    auto file = ExperimentFile::Parse("test.pbtxt", text, overrides);
    if (!file.ok()) return file.status();
    TrainOptions o = options;
    o.verbose = false;
    return Train(**file, o);
  }
};

TEST_F(TrainerTest, LearnsAndWritesTheRunFolder) {
  auto r = Run(Config("learns"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->finished);
  EXPECT_THAT(r->results_json, HasSubstr("\"threshold_source\": \"validation\""));
  for (const char* f :
       {"experiment.pbtxt", "manifest.json", "metrics.jsonl", "checkpoint.ckpt", "results.json"}) {
    EXPECT_EQ(access((r->run_dir + "/" + f).c_str(), F_OK), 0) << f;
  }
  auto ckpt = ReadCheckpoint(r->run_dir + "/checkpoint.ckpt");
  ASSERT_TRUE(ckpt.ok());
  EXPECT_TRUE(ckpt->has_threshold());
  // The bars are easy: retrieval must be well above chance (0.25).
  const auto pos = r->results_json.find("\"precision_at_1\": ");
  EXPECT_GT(std::atof(r->results_json.c_str() + pos + 18), 0.8);
}

TEST_F(TrainerTest, SameConfigGivesIdenticalNumbers) {
  auto a = Run(Config("repeat_a"));
  auto b = Run(Config("repeat_b"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->results_json, b->results_json);
}

TEST_F(TrainerTest, KilledAndResumedRunEndsLikeAnUninterruptedOne) {
  auto whole = Run(Config("whole"));
  ASSERT_TRUE(whole.ok()) << whole.status();
  TrainOptions kill;
  kill.stop_after_step = 7;  // between two periodic checkpoints
  auto part = Run(Config("resumed"), kill);
  ASSERT_TRUE(part.ok()) << part.status();
  EXPECT_FALSE(part->finished);
  EXPECT_EQ(part->steps_done, 7);
  auto rest = Run(Config("resumed"));
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_TRUE(rest->finished);
  EXPECT_EQ(rest->results_json, whole->results_json);
}

TEST_F(TrainerTest, ResumingAnotherExperimentInTheSameFolderIsRefused) {
  TrainOptions kill;
  kill.stop_after_step = 2;
  ASSERT_TRUE(Run(Config("clash"), kill).ok());
  std::string other = Replace(Config("clash"), "seed: 3", "seed: 4");
  auto r = Run(other);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("checkpoint of a different experiment"));
}

TEST_F(TrainerTest, UnknownPluginListsTheRegisteredOnesWithLocation) {
  std::string text = Replace(Config("unknown"), "name: \"cnn\"", "name: \"cnnn\"");
  auto r = Run(text);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("test.pbtxt:"));
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("unknown encoder \"cnnn\"; registered: cnn, cnn1d"));
}

TEST_F(TrainerTest, BadPluginParameterNamesFileLineAndField) {
  std::string text = Replace(Config("badparam"), "[siamese.triplet] { margin: 0.2 }",
                             "[siamese.triplet] { margin: -1 }");
  auto r = Run(text);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("test.pbtxt:24:"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("loss.margin: must be >= 0, got -1"));
}

TEST_F(TrainerTest, MissingDataFileIsNamed) {
  std::string text = Replace(Config("missing"), "/train-images.idx", "/absent-images.idx");
  auto r = Run(text);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("absent-images.idx"));
}

TEST_F(TrainerTest, TruncatedDataFileNamesFileAndOffset) {
  const std::string cut = TmpDir() + "/cut-images.idx";
  {
    std::ifstream in(TmpDir() + "/train-images.idx", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream out(cut, std::ios::binary);
    out.write(bytes.data(), 16 + 1000);
  }
  std::string text = Replace(Config("truncated"), TmpDir() + "/train-images.idx", cut);
  auto r = Run(text);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(cut));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("truncated at byte offset 1016"));
}

TEST_F(TrainerTest, TripletMinerFeedsAPairLoss) {
  // semi_hard mines triplets; the contrastive loss gets their (a, p) and (a, n) pairs.
  std::string text =
      Replace(Config("converted"), "name: \"triplet\" [siamese.triplet] { margin: 0.2 }",
              "name: \"contrastive\"");
  auto r = Run(text);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->finished);
}

// A proxy loss compares examples with trainable class weights: it trains
// without a miner, its proxies are saved with the model, and a miner is
// refused (it would be ignored).
TEST_F(TrainerTest, ProxyLossTrainsWithoutAMinerAndRefusesOne) {
  const std::string miner = "miner { name: \"semi_hard\" [siamese.semi_hard] { margin: 0.2 } }";
  std::string text =
      Replace(Replace(Config("proxy"), "name: \"triplet\" [siamese.triplet] { margin: 0.2 }",
                      "name: \"proxy_anchor\" learning_rate_multiplier: 10"),
              miner, "");
  auto r = Run(text);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->finished);
  EXPECT_TRUE(std::isfinite(r->results.retrieval().map_at_r()));
  auto ckpt = LoadBundle(r->run_dir + "/checkpoint.ckpt");
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  bool saved = false;
  for (const auto& p : ckpt->loss_parameters()) saved |= p.name() == "proxies";
  EXPECT_TRUE(saved) << "the proxies are not in the checkpoint";

  auto refused =
      Run(Replace(Config("proxy_miner"), "name: \"triplet\" [siamese.triplet] { margin: 0.2 }",
                  "name: \"proxy_anchor\""));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(
      std::string(refused.status().message()),
      AllOf(HasSubstr("test.pbtxt:"), HasSubstr("uses no tuples"), HasSubstr("remove the miner")));
}

// loss.embedding_regularizer adds weight * mean |e|^power to any loss. The
// cnn's embeddings have unit norm, so with p 2 and power 2 it adds exactly
// the weight to every logged loss and changes no gradient.
TEST_F(TrainerTest, EmbeddingRegularizerIsAddedToTheLossAndChecked) {
  auto plain = Run(Config("reg_off"));
  ASSERT_TRUE(plain.ok()) << plain.status();
  auto regularized =
      Run(Config("reg_on"), {}, {"loss { embedding_regularizer { weight: 0.5 p: 2 power: 2 } }"});
  ASSERT_TRUE(regularized.ok()) << regularized.status();
  auto a = ReadMetricsLines(plain->run_dir + "/metrics.jsonl");
  auto b = ReadMetricsLines(regularized->run_dir + "/metrics.jsonl");
  ASSERT_TRUE(a.ok() && b.ok());
  int compared = 0;
  for (size_t i = 0; i < a->size() && i < b->size(); ++i) {
    if ((*a)[i].split() != "train") continue;
    EXPECT_NEAR((*b)[i].loss(), (*a)[i].loss() + 0.5f, 1e-4) << "line " << i;
    ++compared;
  }
  EXPECT_GT(compared, 0);
  EXPECT_EQ(regularized->results.retrieval().map_at_r(), plain->results.retrieval().map_at_r());

  auto bad = Run(Config("reg_bad"), {}, {"loss { embedding_regularizer { weight: 0.1 p: 3 } }"});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("loss.embedding_regularizer.p: must be 1 or 2, got 3"));
}

// loss.cross_batch_memory: before start_step training is exactly the plain
// run's; from it on the memory term changes the loss; the queue is in every
// checkpoint, so a killed and resumed run ends as an uninterrupted one.
TEST_F(TrainerTest, CrossBatchMemoryStartsWhenToldAndResumesExactly) {
  const std::vector<std::string> memory = {
      "loss { cross_batch_memory { size: 40 start_step: 3 weight: 0.5 } }",
      "training { log_every: 1 }"};
  auto plain = Run(Config("xbm_off"), {}, {"training { log_every: 1 }"});
  auto whole = Run(Config("xbm_whole"), {}, memory);
  ASSERT_TRUE(plain.ok() && whole.ok()) << whole.status();
  auto a = ReadMetricsLines(plain->run_dir + "/metrics.jsonl");
  auto b = ReadMetricsLines(whole->run_dir + "/metrics.jsonl");
  ASSERT_TRUE(a.ok() && b.ok());
  int same = 0, changed = 0;
  for (size_t i = 0; i < a->size() && i < b->size(); ++i) {
    if ((*a)[i].split() != "train") continue;
    if ((*a)[i].step() < 3) {
      EXPECT_EQ((*b)[i].loss(), (*a)[i].loss()) << "step " << (*a)[i].step();
      ++same;
    } else {
      changed += (*b)[i].loss() != (*a)[i].loss();
    }
  }
  EXPECT_GT(same, 0);
  EXPECT_GT(changed, 0);

  TrainOptions kill;
  kill.stop_after_step = 7;  // the last checkpoint (step 4) holds a queue
  auto part = Run(Config("xbm_resumed"), kill, memory);
  ASSERT_TRUE(part.ok()) << part.status();
  auto ckpt = ReadCheckpoint(part->run_dir + "/checkpoint.ckpt");
  ASSERT_TRUE(ckpt.ok());
  EXPECT_EQ(ckpt->memory_state_size(), 3);
  auto rest = Run(Config("xbm_resumed"), {}, memory);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->results_json, whole->results_json);
}

TEST_F(TrainerTest, CrossBatchMemoryRefusesWhatCannotUseItNamingTheField) {
  auto small = Run(Config("xbm_small"), {}, {"loss { cross_batch_memory { size: 8 } }"});
  ASSERT_FALSE(small.ok());
  EXPECT_THAT(std::string(small.status().message()),
              HasSubstr("override 1: loss.cross_batch_memory.size: 8 is smaller than a batch (16 "
                        "examples)"));
  auto miner = Run(Replace(Config("xbm_miner"), R"(name: "semi_hard" [siamese.semi_hard] { margin: 0.2 })",
                           R"(name: "random")"),
                   {}, {"loss { cross_batch_memory { size: 64 } }"});
  ASSERT_FALSE(miner.ok());
  EXPECT_THAT(std::string(miner.status().message()),
              HasSubstr("miner \"random\" cannot mine against a cross-batch memory"));
  std::string proxy = Replace(Config("xbm_proxy"),
                              R"(miner { name: "semi_hard" [siamese.semi_hard] { margin: 0.2 } })", "");
  proxy = Replace(proxy, R"(loss { name: "triplet" [siamese.triplet] { margin: 0.2 } })",
                  R"(loss { name: "normalized_softmax" cross_batch_memory { size: 64 } })");
  auto refused = Run(proxy);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("loss \"normalized_softmax\" cannot be compared against a cross-batch "
                        "memory (it needs no tuples"));
  auto weight = Run(Config("xbm_weight"), {}, {"loss { cross_batch_memory { size: 64 weight: -1 } }"});
  ASSERT_FALSE(weight.ok());
  EXPECT_THAT(std::string(weight.status().message()),
              HasSubstr("loss.cross_batch_memory.weight: must be finite and >= 0, got -1"));
}

TEST_F(TrainerTest, DivergingLossStopsWithAClearMessage) {
  std::string text = Replace(Config("nan"), "learning_rate: 0.01", "learning_rate: 1e30");
  auto r = Run(text);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("training stopped"));
}

TEST_F(TrainerTest, UntrainedBaselineAndGainAreReported) {
  auto r = Run(Config("baseline"));
  ASSERT_TRUE(r.ok()) << r.status();
  const RunResults& res = r->results;
  ASSERT_TRUE(res.has_untrained());
  EXPECT_DOUBLE_EQ(res.gain_over_untrained().map_at_r(),
                   res.retrieval().map_at_r() - res.untrained().retrieval().map_at_r());
  // The baseline is a real evaluation: the trained bars beat it.
  EXPECT_GT(res.gain_over_untrained().map_at_r(), 0.0);
  auto lines = ReadMetricsLines(r->run_dir + "/metrics.jsonl");
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(lines->front().split(), "untrained");
  EXPECT_EQ(lines->front().step(), 0);
  auto off = Run(Config("nobaseline"), {}, {"evaluation { untrained_baseline: false }"});
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE(off->results.has_untrained());
}

TEST_F(TrainerTest, TimingReportsTrainingThroughputAndEachEvaluationsTime) {
  auto r = Run(Config("timing"), {}, {"training { eval_every: 5 }"});
  ASSERT_TRUE(r.ok()) << r.status();
  const Timing& t = r->timing;
  EXPECT_EQ(t.steps(), r->steps_done);
  EXPECT_EQ(t.train_images(), 16 * r->steps_done);  // batch_size 16
  EXPECT_GT(t.validation_seconds(), 0.0);
  EXPECT_LT(t.validation_seconds(), t.train_seconds());
  // Throughput over the training time, periodic validation left out.
  EXPECT_DOUBLE_EQ(t.train_images_per_second(),
                   t.train_images() / (t.train_seconds() - t.validation_seconds()));
  EXPECT_GT(t.test_evaluation_seconds(), 0.0);
  EXPECT_GT(t.untrained_evaluation_seconds(), 0.0);
  Timing on_disk;
  ASSERT_TRUE(ReadJsonFile(r->run_dir + "/timing.json", &on_disk).ok());
  EXPECT_EQ(on_disk.SerializeAsString(), t.SerializeAsString());

  auto off = Run(Config("timing_nobaseline"), {}, {"evaluation { untrained_baseline: false }"});
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->timing.untrained_evaluation_seconds(), 0.0);
  EXPECT_EQ(off->timing.validation_seconds(), 0.0);  // eval_every 0
  EXPECT_GT(off->timing.test_evaluation_seconds(), 0.0);
}

TEST_F(TrainerTest, ClusteringMetricsAreReportedAndChangeNothingElse) {
  auto r = Run(Config("clustering"));
  ASSERT_TRUE(r.ok()) << r.status();
  const RunResults& res = r->results;
  ASSERT_TRUE(res.has_clustering());
  EXPECT_EQ(res.clustering().clusters(), 4);  // the test split's classes
  // The bars are easy: k-means of the embeddings finds the classes (the
  // untrained encoder's too).
  EXPECT_GT(res.clustering().nmi(), 0.9);
  EXPECT_GT(res.clustering().ami(), 0.9);
  EXPECT_LE(res.clustering().nmi(), 1.0 + 1e-12);
  ASSERT_TRUE(res.untrained().has_clustering());
  EXPECT_EQ(res.untrained().clustering().clusters(), 4);
  const auto metrics = MetricValues(res);
  EXPECT_EQ(metrics.at("nmi"), res.clustering().nmi());
  EXPECT_EQ(metrics.at("untrained_ami"), res.untrained().clustering().ami());
  EXPECT_THAT(r->results_json, HasSubstr("\"clustering\": {"));
  // metrics.jsonl: the untrained line and the test line carry them too.
  auto lines = ReadMetricsLines(r->run_dir + "/metrics.jsonl");
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(lines->front().clustering().SerializeAsString(),
            res.untrained().clustering().SerializeAsString());
  EXPECT_EQ(lines->back().split(), "test");
  EXPECT_EQ(lines->back().clustering().SerializeAsString(), res.clustering().SerializeAsString());

  // Switched off: no clustering anywhere, every other number the same.
  auto off = Run(Config("noclustering"), {}, {"evaluation { clustering: false }"});
  ASSERT_TRUE(off.ok()) << off.status();
  RunResults without = off->results;
  EXPECT_FALSE(without.has_clustering());
  EXPECT_FALSE(without.untrained().has_clustering());
  RunResults with = res;
  with.clear_clustering();
  with.mutable_untrained()->clear_clustering();
  EXPECT_EQ(with.SerializeAsString(), without.SerializeAsString());
}

TEST_F(TrainerTest, SelectionKeepsTheBestValidationModelAndResumesExactly) {
  const std::vector<std::string> selecting = {"selection { metric: \"map_at_r\" patience: 2 }",
                                              "training { eval_every: 2 }"};
  auto whole = Run(Config("select_whole"), {}, selecting);
  ASSERT_TRUE(whole.ok()) << whole.status();
  ASSERT_TRUE(whole->finished);
  const SelectionRecord& sel = whole->results.selection();
  EXPECT_EQ(sel.metric(), "map_at_r");
  EXPECT_GT(sel.step(), 0);
  EXPECT_EQ(sel.step() % 2, 0);
  EXPECT_GT(sel.evaluations(), 0);
  EXPECT_EQ(sel.stopped_early(), whole->steps_done < 21);
  // The final checkpoint holds the selected model, which best.ckpt kept.
  auto final_ckpt = LoadBundle(whole->run_dir + "/checkpoint.ckpt");
  auto best = LoadBundle(whole->run_dir + "/best.ckpt");
  ASSERT_TRUE(final_ckpt.ok() && best.ok());
  EXPECT_EQ(final_ckpt->model_step(), sel.step());
  EXPECT_EQ(best->step(), sel.step());
  for (int i = 0; i < best->parameters_size(); ++i) {
    EXPECT_EQ(final_ckpt->parameters(i).SerializeAsString(),
              best->parameters(i).SerializeAsString());
  }
  // Killed and resumed: the selection state comes back with the checkpoint.
  TrainOptions kill;
  kill.stop_after_step = 5;
  ASSERT_TRUE(Run(Config("select_resumed"), kill, selecting).ok());
  auto rest = Run(Config("select_resumed"), {}, selecting);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->results_json, whole->results_json);
}

TEST_F(TrainerTest, SelectionWithoutPeriodicValidationIsRefusedWithItsField) {
  auto r = Run(Config("select_bad") + "selection { }\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("training.eval_every: model selection needs periodic validation"));
  auto metric = Run(Config("select_metric") + "selection { metric: \"auc\" }\n");
  ASSERT_FALSE(metric.ok());
  EXPECT_THAT(std::string(metric.status().message()), HasSubstr("selection.metric: must be"));
}

TEST_F(TrainerTest, EmbeddingLayerIsEvaluatedAndUnknownLayersListTheKnownOnes) {
  auto r = Run(Config("layer"), {}, {"evaluation { embedding_layer: \"fc0\" }"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->results.embedding_layer(), "fc0");
  auto model = TrainedModel::Load(r->run_dir + "/checkpoint.ckpt");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->embedding_layer(), "fc0");
  EXPECT_EQ((*model)->Embed(Tensor::Zeros({2, 1, 8, 8})).dim(1), 16);  // fc: 16
  auto bad = Run(Config("badlayer"), {}, {"evaluation { embedding_layer: \"fc9\" }"});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("encoder \"cnn\" has no layer \"fc9\"; it has: features, fc0"));
}

}  // namespace
}  // namespace siamese
