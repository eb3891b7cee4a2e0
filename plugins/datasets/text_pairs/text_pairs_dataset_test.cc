#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "framework/core/dataset.h"
#include "framework/core/registry.h"
#include "framework/io/atomic_file.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "plugins/datasets/text_common/text_dataset.h"
#include "plugins/datasets/text_pairs/text_pairs.pb.h"

namespace siamese {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Write(const std::string& name, const std::string& contents) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  EXPECT_TRUE(WriteFileAtomically(path, contents).ok());
  return path;
}

const char kTrain[] =
    "How do I learn C++?\tWhat is the best way to learn C++?\t1\n"
    "What is the best way to learn C++?\tHow can I study C++ quickly?\t1\n"
    "What is love?\tHow do I learn C++?\t0\n"
    "Is the earth flat?\tWhy do people think the earth is flat?\t1\n"
    "What is love?\tWhat is the meaning of love?\t0\n";
const char kTest[] =
    "learn to cook\thow to cook\t1\n"
    "why is the sky blue\twhat is love\t0\n";

absl::StatusOr<std::unique_ptr<Dataset>> Make(const std::string& params, const std::string& split,
                                              const std::string& state = "") {
  DatasetConfig c;
  const std::string text = "name: \"text_pairs\" [siamese.text_pairs] { " + params + " }";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.split = split;
  context.dataset_state = state;
  return Registry<Dataset>::Create(c, context);
}

std::string Files() {
  return "train_path: \"" + Write("train.tsv", kTrain) + "\" test_path: \"" +
         Write("test.tsv", kTest) + "\" max_length: 8";
}

const TextDataset& AsText(const std::unique_ptr<Dataset>& d) {
  return dynamic_cast<const TextDataset&>(*d);
}

absl::StatusOr<std::unique_ptr<Tokenizer>> TokenizerOf(const Dataset& d) {
  auto sections = UnpackState("text_pairs", d.State(), {"tokenizer"});
  if (!sections.ok()) return sections.status();
  return DeserializeTokenizer(sections->at("tokenizer"));
}

TEST(TextPairsTest, ExamplesAreDistinctTextsLabeledByDuplicateCluster) {
  auto d = Make(Files(), "train");
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ((*d)->size(), 7);
  EXPECT_EQ((*d)->example_shape(), Shape({8}));
  const TextDataset& t = AsText(*d);
  EXPECT_EQ(t.text(0), "How do I learn C++?");
  EXPECT_EQ(t.text(2), "How can I study C++ quickly?");
  EXPECT_EQ(t.text(6), "What is the meaning of love?");
  // {0, 1, 2} are duplicates through 1; "What is love?" has only same=0
  // pairs: a singleton, like "What is the meaning of love?".
  EXPECT_THAT((*d)->labels(), ElementsAre(0, 0, 0, 1, 2, 2, 3));
  EXPECT_THAT((*d)->class_names(),
              ElementsAre("How do I learn C++?", "What is love?", "Is the earth flat?",
                          "What is the meaning of love?"));
  auto tok = TokenizerOf(**d);
  ASSERT_TRUE(tok.ok()) << tok.status();
  EXPECT_EQ((*tok)->Decode(t.ids(1)), "what is the best way to learn c");
  EXPECT_EQ((*tok)->Decode(t.ids(3)), "what is love");
}

TEST(TextPairsTest, ClustersMergeAcrossLines) {
  const std::string path = Write("merge.tsv",
                                 "x\ty\t1\n"
                                 "z\tw\t1\n"
                                 "q\tr\t0\n"
                                 "w\ty\t1\n");
  auto d = Make("train_path: \"" + path + "\"", "train");
  ASSERT_TRUE(d.ok()) << d.status();
  // Texts x y z w q r.
  EXPECT_THAT((*d)->labels(), ElementsAre(0, 0, 0, 0, 1, 2));
  EXPECT_THAT((*d)->class_names(), ElementsAre("x", "q", "r"));
}

TEST(TextPairsTest, TestClustersComeAfterTheTrainingOnes) {
  auto train = Make(Files(), "train");
  ASSERT_TRUE(train.ok()) << train.status();
  auto test = Make(Files(), "test", (*train)->State());
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_THAT((*test)->labels(), ElementsAre(4, 4, 5, 6));
  EXPECT_THAT(
      (*test)->class_names(),
      ElementsAre("training cluster 0", "training cluster 1", "training cluster 2",
                  "training cluster 3", "learn to cook", "why is the sky blue", "what is love"));
  // The training vocabulary: "cook" is unknown, "love" is not.
  auto tok = TokenizerOf(**train);
  ASSERT_TRUE(tok.ok()) << tok.status();
  EXPECT_EQ((*tok)->Decode(AsText(*test).ids(0)), "learn to <unk>");
  EXPECT_EQ((*tok)->Decode(AsText(*test).ids(3)), "what is love");

  auto alone = Make(Files(), "test");
  ASSERT_TRUE(alone.ok()) << alone.status();
  EXPECT_EQ((*alone)->labels(), (*test)->labels());
  EXPECT_EQ((*alone)->State(), (*train)->State());
}

TEST(TextPairsTest, LongClassNamesAreShortenedOnACharacterBoundary) {
  const std::string long_text = std::string(39, 'a') + "\xC3\xA9" + "bcdef";
  auto d = Make("train_path: \"" + Write("long.tsv", long_text + "\tb\t1\n") + "\"", "train");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT((*d)->class_names(), ElementsAre(std::string(39, 'a') + "..."));
}

TEST(TextPairsTest, MalformedLinesNameFileAndLine) {
  struct Case {
    std::string contents, where, what;
  };
  const std::vector<Case> cases = {
      {"a\tb\t1\na\tb\n", ":2: ", "found 2 tab-separated fields"},
      {"a\tb\t1\t0\n", ":1: ", "found 4 tab-separated fields"},
      {"a\tb\t1\n\tb\t1\n", ":2: ", "found an empty text"},
      {"a\tb\tyes\n", ":1: ", "found same \"yes\""},
      {"a\tb\t1\nc\td\t\n", ":2: ", "found same \"\""},
  };
  for (const Case& c : cases) {
    const std::string path = Write("bad.tsv", c.contents);
    auto d = Make("train_path: \"" + path + "\"", "train");
    ASSERT_FALSE(d.ok()) << c.contents;
    EXPECT_THAT(
        std::string(d.status().message()),
        HasSubstr(path + c.where + "expected 'text_a<TAB>text_b<TAB>same' with same 0 or 1"));
    EXPECT_THAT(std::string(d.status().message()), HasSubstr(c.what));
  }
}

TEST(TextPairsTest, ParameterAndStateErrors) {
  EXPECT_EQ(ErrorField(Make("", "train").status()), "train_path");
  EXPECT_EQ(ErrorField(Make(Files() + " min_count: 0", "train").status()), "min_count");
  auto missing = Make("train_path: \"/nonexistent/p.tsv\" test_path: \"/x\"", "test");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("/x"));
  const std::string bad_count = PackState(
      "text_pairs", {{"tokenizer", ByteTokenizer().Serialize()}, {"train_clusters", "-3"}});
  auto bad = Make(Files() + " tokenizer: \"byte\"", "test", bad_count);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("text_pairs: dataset_state: train_clusters \"-3\""));
}

}  // namespace
}  // namespace siamese
