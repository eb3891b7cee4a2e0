#include "framework/records/records.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "framework/io/atomic_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

RunResults Example() {
  RunResults r;
  r.set_split("test");
  r.set_steps(12);
  RetrievalRecord* m = r.mutable_retrieval();
  m->set_precision_at_1(0.75);
  m->set_r_precision(0.0);  // set, so written although 0
  m->set_map_at_r(0.5);
  RecallAtK* k = m->add_recall_at_k();
  k->set_k(2);
  k->set_recall(1.0);
  m->set_num_queries(4);
  r.mutable_verification()->set_eer(0.25);
  r.mutable_verification()->set_accuracy(0.5);
  r.mutable_verification()->set_tar_at_far_1e_3(0.125);
  r.mutable_clustering()->set_clusters(3);
  r.mutable_clustering()->set_nmi(0.625);
  r.mutable_clustering()->set_ami(-0.0625);
  r.mutable_untrained()->mutable_clustering()->set_nmi(0.25);
  return r;
}

TEST(RecordsTest, WritesSnakeCaseJsonAndReadsItBack) {
  const std::string path = TmpDir() + "/results.json";
  ASSERT_TRUE(WriteJsonFile(path, Example()).ok());
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("\"precision_at_1\": 0.75"));
  EXPECT_THAT(*text, HasSubstr("\"r_precision\": 0"));
  EXPECT_THAT(*text, HasSubstr("\"clustering\": {"));
  EXPECT_THAT(*text, HasSubstr("\"ami\": -0.0625"));
  EXPECT_EQ(text->back(), '\n');
  RunResults back;
  ASSERT_TRUE(ReadJsonFile(path, &back).ok());
  EXPECT_EQ(back.SerializeAsString(), Example().SerializeAsString());
}

TEST(RecordsTest, NonFiniteNumbersAreJsonStringsAndRoundTrip) {
  MetricsLine line;
  line.set_step(3);
  line.set_split("train");
  line.set_loss(std::numeric_limits<float>::quiet_NaN());
  line.set_learning_rate(std::numeric_limits<float>::infinity());
  const std::string json = ToJson(line, /*one_line=*/true);
  EXPECT_EQ(json,
            "{\"step\":3,\"split\":\"train\",\"loss\":\"NaN\",\"learning_rate\":\"Infinity\"}");
  MetricsLine back;
  ASSERT_TRUE(ParseJson(json, "x", &back).ok());
  EXPECT_TRUE(std::isnan(back.loss()));
  EXPECT_TRUE(std::isinf(back.learning_rate()));
  // A bare nan token (what "%g" printed before) is not JSON and is refused.
  EXPECT_FALSE(ParseJson("{\"step\": 1, \"loss\": nan}", "old.jsonl:1", &back).ok());
}

TEST(RecordsTest, ErrorsNameTheFileAndLine) {
  const std::string path = TmpDir() + "/metrics.jsonl";
  ASSERT_TRUE(WriteFileAtomically(path,
                                  "{\"step\": 1, \"split\": \"train\"}\n\n"
                                  "{\"step\": 2, \"splitt\": \"train\"}\n")
                  .ok());
  auto lines = ReadMetricsLines(path);
  ASSERT_FALSE(lines.ok());
  EXPECT_THAT(std::string(lines.status().message()),
              HasSubstr(path + ":3: not a valid MetricsLine"));
  EXPECT_THAT(std::string(lines.status().message()), HasSubstr("splitt"));
  RunResults r;
  EXPECT_THAT(std::string(ReadJsonFile(TmpDir() + "/absent.json", &r).message()),
              HasSubstr("absent.json"));
}

TEST(RecordsTest, AppendedLinesReadBackInOrder) {
  const std::string path = TmpDir() + "/append.jsonl";
  for (int step : {5, 10}) {
    MetricsLine m;
    m.set_step(step);
    m.set_split("train");
    m.set_loss(0.5f);
    ASSERT_TRUE(AppendJsonLine(path, m).ok());
  }
  auto lines = ReadMetricsLines(path);
  ASSERT_TRUE(lines.ok()) << lines.status();
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ((*lines)[1].step(), 10);
  EXPECT_THAT(
      std::string(AppendJsonLine(TmpDir() + "/no/such/dir/m.jsonl", MetricsLine()).message()),
      HasSubstr("cannot append: No such file or directory"));
}

TEST(RecordsTest, MetricValuesUseTheAblationNames) {
  const auto m = MetricValues(Example());
  EXPECT_EQ(m.at("precision_at_1"), 0.75);
  EXPECT_EQ(m.at("r_precision"), 0.0);
  EXPECT_EQ(m.at("recall_at_2"), 1.0);
  EXPECT_EQ(m.at("num_queries"), 4);
  EXPECT_EQ(m.at("eer"), 0.25);
  EXPECT_EQ(m.at("verification_accuracy"), 0.5);
  EXPECT_EQ(m.at("tar_at_far_1e-3"), 0.125);
  EXPECT_EQ(m.count("roc_auc"), 0u);  // never set
  EXPECT_EQ(m.at("nmi"), 0.625);
  EXPECT_EQ(m.at("ami"), -0.0625);
  EXPECT_EQ(m.at("untrained_nmi"), 0.25);
  EXPECT_EQ(m.count("untrained_ami"), 0u);  // never set
  EXPECT_EQ(m.count("clusters"), 0u);       // a count, not a metric
}

TEST(RecordsTest, ClusteringMetricsAreKnownToAblations) {
  for (const char* name : {"nmi", "ami", "untrained_nmi", "untrained_ami"}) {
    EXPECT_TRUE(IsKnownMetric(name)) << name;
  }
  EXPECT_FALSE(IsKnownMetric("gain_nmi"));
  EXPECT_THAT(KnownMetricNames(), HasSubstr("few_shot_accuracy, nmi, ami, recall_at_<k>"));
}

}  // namespace
}  // namespace siamese
