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
#include "plugins/datasets/text_labeled/text_labeled.pb.h"

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
    "sports\tThe match was GREAT\n"
    "animals\tA cat sat on the mat\n"
    "sports\tGreat goal in the match!\n"
    "weather\tRain again today\n";
const char kTest[] =
    "animals\tThe dog barked\n"
    "cooking\tBoil the pasta\n"
    "sports\tA great match\r\n";

absl::StatusOr<std::unique_ptr<Dataset>> Make(const std::string& params, const std::string& split,
                                              const std::string& state = "") {
  DatasetConfig c;
  const std::string text = "name: \"text_labeled\" [siamese.text_labeled] { " + params + " }";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.split = split;
  context.dataset_state = state;
  return Registry<Dataset>::Create(c, context);
}

std::string Files() {
  return "train_path: \"" + Write("train.tsv", kTrain) + "\" test_path: \"" +
         Write("test.tsv", kTest) + "\"";
}

const TextDataset& AsText(const std::unique_ptr<Dataset>& d) {
  return dynamic_cast<const TextDataset&>(*d);
}

// The tokenizer saved in a dataset's state.
absl::StatusOr<std::unique_ptr<Tokenizer>> TokenizerOf(const Dataset& d) {
  auto sections = UnpackState("text_labeled", d.State(), {"tokenizer"});
  if (!sections.ok()) return sections.status();
  return DeserializeTokenizer(sections->at("tokenizer"));
}

TEST(TextLabeledTest, TrainingLabelsInSortedOrder) {
  auto d = Make(Files(), "train");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)->size(), 4);
  EXPECT_EQ((*d)->example_shape(), Shape({64}));
  EXPECT_THAT((*d)->class_names(), ElementsAre("animals", "sports", "weather"));
  EXPECT_THAT((*d)->labels(), ElementsAre(1, 0, 1, 2));
  EXPECT_THAT((*d)->source_files(), ElementsAre(HasSubstr("train.tsv")));
}

TEST(TextLabeledTest, ExamplesAreTheTextsTokenIds) {
  auto d = Make(Files() + " max_length: 6", "train");
  ASSERT_TRUE(d.ok()) << d.status();
  auto t = TokenizerOf(**d);
  ASSERT_TRUE(t.ok()) << t.status();
  // "the" (3 times) is the most frequent word, then "great" and "match" (2).
  const auto& words = dynamic_cast<const WordTokenizer&>(**t).vocabulary();
  EXPECT_THAT(std::vector<std::string>(words.begin(), words.begin() + 3),
              ElementsAre("the", "great", "match"));
  float x[6];
  (*d)->CopyExample(0, x);
  EXPECT_THAT(x, ElementsAre(3, 5, (*t)->Encode("was", 1)[0], 4, 0, 0));
  EXPECT_EQ((*t)->Decode(AsText(*d).ids(0)), "the match was great");
  EXPECT_EQ((*t)->Decode(AsText(*d).ids(1)), "a cat sat on the mat");
}

TEST(TextLabeledTest, ByteTokenizerRoundTripsTheText) {
  const std::string train = Write("bytes.tsv", "x\tcaf\xC3\xA9 \xE4\xB8\x96\n");
  auto d = Make("train_path: \"" + train + "\" tokenizer: \"byte\" max_length: 12", "train");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(ByteTokenizer().Decode(AsText(*d).ids(0)), "caf\xC3\xA9 \xE4\xB8\x96");
  float x[12];
  (*d)->CopyExample(0, x);
  EXPECT_EQ(x[3], 0xC3 + 3);
  EXPECT_EQ(x[9], 0);
}

TEST(TextLabeledTest, TestSplitUsesTheTrainingLabelsAndVocabulary) {
  auto train = Make(Files(), "train");
  ASSERT_TRUE(train.ok()) << train.status();
  auto test = Make(Files(), "test", (*train)->State());
  ASSERT_TRUE(test.ok()) << test.status();
  // Training labels keep their ids; "cooking" (test only) comes after them.
  EXPECT_THAT((*test)->class_names(), ElementsAre("animals", "sports", "weather", "cooking"));
  EXPECT_THAT((*test)->labels(), ElementsAre(0, 3, 1));
  EXPECT_EQ((*test)->State(), (*train)->State());
  // "dog" never occurs in training: unknown.
  auto t = TokenizerOf(**train);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->Decode(AsText(*test).ids(0)), "the <unk> <unk>");

  // Without a state (used on its own) the test split derives the same from
  // the training file.
  auto alone = Make(Files(), "test");
  ASSERT_TRUE(alone.ok()) << alone.status();
  EXPECT_EQ((*alone)->class_names(), (*test)->class_names());
  EXPECT_EQ((*alone)->labels(), (*test)->labels());
  EXPECT_EQ(AsText(*alone).ids(2), AsText(*test).ids(2));
}

TEST(TextLabeledTest, AGivenStateIsReusedNotRederived) {
  // The state of another training file: "pasta" known, its label list differs.
  const std::string other = Write("other.tsv", "zzz\tpasta pasta\n");
  auto other_train = Make("train_path: \"" + other + "\"", "train");
  ASSERT_TRUE(other_train.ok()) << other_train.status();
  for (const char* split : {"train", "test"}) {
    auto d = Make(Files(), split, (*other_train)->State());
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ((*d)->class_names()[0], "zzz") << split;
    EXPECT_EQ((*d)->State(), (*other_train)->State()) << split;
  }
  // "Boil the pasta": only "pasta" is in the other file's vocabulary.
  auto test = Make(Files() + " max_length: 4", "test", (*other_train)->State());
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_THAT(AsText(*test).ids(1), ElementsAre(1, 1, 3, 0));
}

TEST(TextLabeledTest, MalformedLinesNameFileAndLine) {
  struct Case {
    std::string contents, where, what;
  };
  const std::vector<Case> cases = {
      {"a\tok\nno tab here\n", ":2: ", "found 1 tab-separated fields"},
      {"a\tok\nb\tx\ty\n", ":2: ", "found 3 tab-separated fields"},
      {"a\t\n", ":1: ", "found an empty text"},
      {"a\tok\n\tno label\n", ":2: ", "found an empty label"},
      {"a\tok\n\nb\tok\n", ":2: ", "found 1 tab-separated fields"},
  };
  for (const Case& c : cases) {
    const std::string path = Write("bad.tsv", c.contents);
    auto d = Make("train_path: \"" + path + "\"", "train");
    ASSERT_FALSE(d.ok()) << c.contents;
    EXPECT_THAT(std::string(d.status().message()),
                HasSubstr(path + c.where + "expected 'label<TAB>text'"));
    EXPECT_THAT(std::string(d.status().message()), HasSubstr(c.what));
  }
  const std::string empty = Write("empty.tsv", "");
  auto d = Make("train_path: \"" + empty + "\"", "train");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(std::string(d.status().message()), HasSubstr(empty + ": no lines"));
}

TEST(TextLabeledTest, ParameterErrorsNameTheField) {
  EXPECT_EQ(ErrorField(Make("", "train").status()), "train_path");
  EXPECT_EQ(ErrorField(Make(Files() + " tokenizer: \"chars\"", "train").status()), "tokenizer");
  EXPECT_EQ(ErrorField(Make(Files() + " max_length: 0", "test").status()), "max_length");
  EXPECT_EQ(ErrorField(Make(Files() + " max_vocab: 0", "train").status()), "max_vocab");
  auto missing = Make("train_path: \"/nonexistent/t.tsv\"", "train");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("/nonexistent/t.tsv"));
}

TEST(TextLabeledTest, DamagedOrMismatchedStatesAreErrors) {
  auto train = Make(Files(), "train");
  ASSERT_TRUE(train.ok()) << train.status();
  auto bytes = Make(Files() + " tokenizer: \"byte\"", "test", (*train)->State());
  ASSERT_FALSE(bytes.ok());
  EXPECT_THAT(std::string(bytes.status().message()),
              HasSubstr("text_labeled: dataset_state: holds a word tokenizer"));
  const std::string unsorted =
      PackState("text_labeled", {{"labels", "b\na\n"}, {"tokenizer", ByteTokenizer().Serialize()}});
  auto bad = Make(Files() + " tokenizer: \"byte\"", "test", unsorted);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("sorted and distinct at \"a\""));
  auto foreign = Make(Files(), "test", PackState("text_pairs", {}));
  ASSERT_FALSE(foreign.ok());
  EXPECT_THAT(std::string(foreign.status().message()), HasSubstr("text_labeled: dataset_state"));
}

}  // namespace
}  // namespace siamese
