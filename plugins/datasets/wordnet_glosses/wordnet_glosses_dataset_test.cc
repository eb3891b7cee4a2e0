#include "plugins/datasets/wordnet_glosses/wordnet_glosses_dataset.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "framework/core/dataset.h"
#include "framework/core/registry.h"
#include "framework/io/atomic_file.h"
#include "framework/io/run_dir.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "plugins/datasets/text_common/text_dataset.h"
#include "plugins/datasets/wordnet_glosses/wordnet_glosses.pb.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

const char kLicense[] =
    "  1 This software and database is being provided to you, the LICENSEE, by  \n"
    "  2 Princeton University under the following license.  \n";

// Lines in the format of WordNet 3.0's data files (pointer lists shortened).
const std::map<std::string, std::string>& Files() {
  static const auto* files = new std::map<std::string, std::string>{
      {"data.adj",
       "00001740 00 a 01 able 0 002 = 05200169 n 0000 ! 00002098 a 0101 | (usually followed by "
       "`to') having the necessary means; \"able to swim\"  \n"
       "03147282 44 a 01 avenged 0 002 ! 03147409 a 0101 < 01153504 v 0102 | for which vengeance "
       "has been taken; \"an avenged injury\"  \n"},
      {"data.adv",
       "00001740 02 r 01 a_cappella 0 000 | without musical accompaniment; \"they performed a "
       "cappella\"  \n"},
      {"data.noun",
       "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 ~ 00002137 n 0000 ~ 04424418 n 0000 | that "
       "which is perceived or known or inferred to have its own distinct existence (living or "
       "nonliving)  \n"
       "00015388 03 n 02 animal 0 beast 0 001 @ 00004475 n 0000 | a living organism characterized "
       "by voluntary movement  \n"
       "00017222 20 n 01 plant 0 000 | (botany) a living organism lacking the power of "
       "locomotion  \n"},
      {"data.verb",
       "00001740 29 v 04 breathe 0 take_a_breath 0 respire 0 suspire 3 001 * 00005041 v 0000 02 + "
       "02 00 + 08 00 | draw air into, and expel out of, the lungs; \"I can breathe better when "
       "the air is clean\"  \n"},
  };
  return *files;
}

std::string TmpDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir ? dir : "/tmp";
}

// A data_dir with the four files (license header first).
std::string WriteDataDir(const std::string& name) {
  const std::string dir = TmpDir() + "/" + name;
  EXPECT_TRUE(MakeDirs(dir).ok());
  for (const auto& [file, lines] : Files()) {
    EXPECT_TRUE(WriteFileAtomically(dir + "/" + file, std::string(kLicense) + lines).ok());
  }
  return dir;
}

absl::StatusOr<std::unique_ptr<Dataset>> Make(const std::string& params, const std::string& split,
                                              const std::string& state = "") {
  DatasetConfig c;
  const std::string text = "name: \"wordnet_glosses\" [siamese.wordnet_glosses] { " + params + " }";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.split = split;
  context.dataset_state = state;
  return Registry<Dataset>::Create(c, context);
}

const TextDataset& AsText(const std::unique_ptr<Dataset>& d) {
  return dynamic_cast<const TextDataset&>(*d);
}

TEST(WordnetLexnamesTest, FortyFiveFilesInLexnamesOrder) {
  const auto& names = WordnetLexnames();
  ASSERT_EQ(names.size(), 45u);
  EXPECT_EQ(names[0], "adj.all");
  EXPECT_EQ(names[3], "noun.Tops");
  EXPECT_EQ(names[28], "noun.time");
  EXPECT_EQ(names[29], "verb.body");
  EXPECT_EQ(names[43], "verb.weather");
  EXPECT_EQ(names[44], "adj.ppl");
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 45u);
}

TEST(ReadWordnetDataFileTest, ParsesSynsetsAndSkipsTheLicense) {
  const std::string dir = WriteDataDir("parse");
  auto synsets = ReadWordnetDataFile(dir + "/data.noun", "n");
  ASSERT_TRUE(synsets.ok()) << synsets.status();
  ASSERT_EQ(synsets->size(), 3u);
  EXPECT_EQ((*synsets)[1].offset, "00015388");
  EXPECT_EQ((*synsets)[1].ss_type, 'n');
  EXPECT_EQ((*synsets)[1].lex_filenum, 3);
  EXPECT_EQ((*synsets)[1].gloss, "a living organism characterized by voluntary movement");
  EXPECT_EQ((*synsets)[2].lex_filenum, 20);
  auto adj = ReadWordnetDataFile(dir + "/data.adj", "as");
  ASSERT_TRUE(adj.ok()) << adj.status();
  EXPECT_EQ((*adj)[1].lex_filenum, 44);
  EXPECT_EQ((*adj)[0].gloss,
            "(usually followed by `to') having the necessary means; \"able to swim\"");
}

TEST(ReadWordnetDataFileTest, MalformedLinesNameFileAndLine) {
  struct Case {
    std::string line, what;
  };
  const std::vector<Case> cases = {
      {"0001740 03 n 01 x 0 000 | gloss",
       "expected '<8-digit synset_offset> <2-digit lex_filenum>"},
      {"00001740 3 n 01 x 0 000 | gloss", "expected '<8-digit synset_offset>"},
      {"", "expected '<8-digit synset_offset>"},
      {"00001740 45 n 01 x 0 000 | gloss", "lex_filenum 45 is not in 00..44"},
      {"00001740 29 v 01 x 0 000 | gloss", "ss_type 'v' is not one of \"n\""},
      {"00001740 03 n 01 x 0 000 no gloss", "no ' | ' before the gloss"},
      {"00001740 03 n 01 x 0 000 |   ", "empty gloss"},
  };
  const std::string path = TmpDir() + "/bad.noun";
  for (const Case& c : cases) {
    ASSERT_TRUE(WriteFileAtomically(path, std::string(kLicense) +
                                              "00000001 03 n 01 ok 0 000 | ok\n" + c.line + "\n")
                    .ok());
    auto synsets = ReadWordnetDataFile(path, "n");
    ASSERT_FALSE(synsets.ok()) << c.line;
    EXPECT_THAT(std::string(synsets.status().message()), HasSubstr(path + ":4: " + c.what));
  }
  ASSERT_TRUE(WriteFileAtomically(path, kLicense).ok());
  auto none = ReadWordnetDataFile(path, "n");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(std::string(none.status().message()), HasSubstr(path + ": no synsets"));
}

TEST(WordnetGlossesTest, SplitsByHashWithEveryLexname) {
  const std::string dir = WriteDataDir("splits");
  const std::string params = "data_dir: \"" + dir + "\" test_fraction: 0.5 max_length: 8";
  auto train = Make(params, "train");
  ASSERT_TRUE(train.ok()) << train.status();
  auto test = Make(params, "test", (*train)->State());
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_EQ((*train)->size() + (*test)->size(), 7);
  EXPECT_GT((*test)->size(), 0);
  EXPECT_GT((*train)->size(), 0);
  EXPECT_EQ((*train)->class_names(), WordnetLexnames());
  EXPECT_EQ((*test)->class_names(), WordnetLexnames());
  EXPECT_EQ((*train)->example_shape(), Shape({8}));
  EXPECT_EQ((*train)->source_files().size(), 4u);

  // Each gloss is in the split its hash says, with its lex_filenum.
  std::map<std::string, std::pair<int64_t, bool>> expected;  // gloss -> (label, in test)
  for (const auto& [file, types] : std::map<std::string, std::string>{
           {"data.adj", "as"}, {"data.adv", "r"}, {"data.noun", "n"}, {"data.verb", "v"}}) {
    auto synsets = ReadWordnetDataFile(dir + "/" + file, types);
    ASSERT_TRUE(synsets.ok()) << synsets.status();
    for (const WordnetSynset& s : *synsets) {
      expected[s.gloss] = {s.lex_filenum, WordnetInTestSplit(s, 0.5)};
    }
  }
  std::set<std::string> train_words;
  for (const auto* d : {&*train, &*test}) {
    const bool is_test = d == &*test;
    for (int64_t i = 0; i < (*d)->size(); ++i) {
      const std::string& gloss = AsText(*d).text(i);
      ASSERT_TRUE(expected.count(gloss)) << gloss;
      EXPECT_EQ(expected[gloss].first, (*d)->labels()[i]) << gloss;
      EXPECT_EQ(expected[gloss].second, is_test) << gloss;
      if (!is_test) {
        for (const std::string& w : WordTokenizer::Words(gloss, true)) train_words.insert(w);
      }
    }
  }
  // The vocabulary is exactly the training glosses' words.
  auto sections = UnpackState("wordnet_glosses", (*train)->State(), {"tokenizer"});
  ASSERT_TRUE(sections.ok()) << sections.status();
  auto words = WordTokenizer::Deserialize(sections->at("tokenizer"));
  ASSERT_TRUE(words.ok()) << words.status();
  EXPECT_EQ(std::set<std::string>(words->vocabulary().begin(), words->vocabulary().end()),
            train_words);
  // Without a state the test split derives the same one.
  auto alone = Make(params, "test");
  ASSERT_TRUE(alone.ok()) << alone.status();
  EXPECT_EQ((*alone)->State(), (*train)->State());
}

TEST(WordnetGlossesTest, ParameterErrors) {
  EXPECT_EQ(ErrorField(Make("test_fraction: 0", "train").status()), "test_fraction");
  EXPECT_EQ(ErrorField(Make("test_fraction: 1", "train").status()), "test_fraction");
  EXPECT_EQ(ErrorField(Make("max_length: 0", "train").status()), "max_length");
  auto missing = Make("data_dir: \"/nonexistent/wn\"", "test");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("/nonexistent/wn/data.adj"));
}

TEST(WordnetGlossesTest, RealWordnetBase) {
  if (!std::ifstream("/usr/share/wordnet/data.noun")) {
    GTEST_SKIP() << "wordnet-base is not installed";
  }
  auto train = Make("", "train");
  ASSERT_TRUE(train.ok()) << train.status();
  auto test = Make("", "test", (*train)->State());
  ASSERT_TRUE(test.ok()) << test.status();
  const int64_t total = (*train)->size() + (*test)->size();
  EXPECT_GT(total, 100000);
  EXPECT_NEAR(static_cast<double>((*test)->size()) / total, 0.2, 0.01);
  EXPECT_EQ((*train)->class_names().size(), 45u);
  std::set<int64_t> classes((*train)->labels().begin(), (*train)->labels().end());
  classes.insert((*test)->labels().begin(), (*test)->labels().end());
  EXPECT_EQ(classes.size(), 45u);
  EXPECT_EQ((*train)->example_shape(), Shape({32}));
  // The vocabulary is full (10,000 words) and common words are known.
  auto sections = UnpackState("wordnet_glosses", (*train)->State(), {"tokenizer"});
  auto words = WordTokenizer::Deserialize(sections->at("tokenizer"));
  ASSERT_TRUE(words.ok()) << words.status();
  EXPECT_EQ(words->vocab_size(), 10003);
  // "the", "a" and "of" are the most frequent words of the glosses.
  for (const char* w : {"the", "a", "of"}) EXPECT_LT(words->Id(w), 6) << w;
}

}  // namespace
}  // namespace siamese
