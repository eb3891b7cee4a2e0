#include "plugins/datasets/text_common/text_dataset.h"

#include <string>
#include <vector>

#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(TokenizerSpecTest, BadParametersNameTheirField) {
  TokenizerSpec ok;
  EXPECT_TRUE(ValidateTokenizerSpec(ok).ok());
  TokenizerSpec s = ok;
  s.kind = "bpe";
  EXPECT_EQ(ErrorField(ValidateTokenizerSpec(s)), "tokenizer");
  s = ok;
  s.max_length = 0;
  EXPECT_EQ(ErrorField(ValidateTokenizerSpec(s)), "max_length");
  s = ok;
  s.word.max_vocab = 0;
  EXPECT_EQ(ErrorField(ValidateTokenizerSpec(s)), "max_vocab");
  s = ok;
  s.word.min_count = 0;
  EXPECT_EQ(ErrorField(ValidateTokenizerSpec(s)), "min_count");
}

TEST(TokenizerSpecTest, BuildAndRestoreFromState) {
  TokenizerSpec word;
  auto t = BuildTokenizer(word, {"b a a"});
  EXPECT_EQ(t->kind(), "word");
  auto back = TokenizerFromState("ds", word, t->Serialize());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)->Encode("a b c", 3), t->Encode("a b c", 3));

  TokenizerSpec byte;
  byte.kind = "byte";
  auto wrong = TokenizerFromState("ds", byte, t->Serialize());
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(std::string(wrong.status().message()),
              HasSubstr("ds: dataset_state: holds a word tokenizer but tokenizer is \"byte\""));
  auto damaged = TokenizerFromState("ds", word, "siamese.WordTokenizer v1\nlowercase 1\n");
  ASSERT_FALSE(damaged.ok());
  EXPECT_THAT(std::string(damaged.status().message()),
              HasSubstr("ds: dataset_state: WordTokenizer state: "));
}

TEST(RequiredPathTest, EmptyIsAFieldErrorElseResolved) {
  EXPECT_EQ(ErrorField(RequiredPath("train_path", "").status()), "train_path");
  auto p = RequiredPath("train_path", "/data/x.tsv");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p, "/data/x.tsv");
}

TEST(StateTest, SectionsRoundTripWithAnyBytes) {
  const StateSections sections = {
      {"labels", "a\nb\n"}, {"tokenizer", std::string("x\0y\n", 4)}, {"empty", ""}};
  const std::string state = PackState("text_x", sections);
  auto back = UnpackState("text_x", state, {"labels", "tokenizer"});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, sections);
}

TEST(StateTest, DamagedOrForeignStatesAreErrors) {
  const std::string state = PackState("text_x", {{"tokenizer", "abc"}});
  struct Case {
    std::string dataset, state, message;
  };
  const std::vector<Case> cases = {
      {"text_y", state, "text_y: dataset_state: expected the first line"},
      {"text_x", "", "expected the first line"},
      {"text_x", state.substr(0, state.size() - 2), "section \"tokenizer\" is truncated"},
      {"text_x", state + "junk", "expected \"<section> <length>\""},
      {"text_x", state + "labels 99999999999999999999\n", "expected \"<section> <length>\""},
      {"text_x", state + "labels 18446744073709551615\nx\n", "is truncated"},
  };
  for (const Case& c : cases) {
    auto s = UnpackState(c.dataset, c.state, {});
    ASSERT_FALSE(s.ok()) << c.state;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.message)) << c.state;
  }
  auto missing = UnpackState("text_x", state, {"labels"});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("no section \"labels\""));
}

TEST(TextDatasetTest, ExamplesAreTokenIdsAsFloats) {
  ByteTokenizer bytes;
  TextDataset d({"hi", "abcdef", ""}, {1, 0, 1}, {"x", "y"}, bytes, 4, {"/f.tsv"}, "state");
  EXPECT_EQ(d.size(), 3);
  EXPECT_EQ(d.example_shape(), Shape({4}));
  EXPECT_THAT(d.labels(), ElementsAre(1, 0, 1));
  EXPECT_THAT(d.class_names(), ElementsAre("x", "y"));
  EXPECT_THAT(d.source_files(), ElementsAre("/f.tsv"));
  EXPECT_EQ(d.State(), "state");
  EXPECT_EQ(d.text(1), "abcdef");
  EXPECT_THAT(d.ids(1), ElementsAre('a' + 3, 'b' + 3, 'c' + 3, 'd' + 3));
  float x[4];
  d.CopyExample(0, x);
  EXPECT_THAT(x, ElementsAre('h' + 3.0f, 'i' + 3.0f, 0.0f, 0.0f));
  d.CopyExample(2, x);
  EXPECT_THAT(x, ElementsAre(0.0f, 0.0f, 0.0f, 0.0f));
}

TEST(TextDatasetDeathTest, LabelOutOfRangeAndBadIndex) {
  ByteTokenizer bytes;
  EXPECT_DEATH(TextDataset({"a"}, {2}, {"x", "y"}, bytes, 4, {}, ""),
               "TextDataset: label 2 of example 0 is not in \\[0, 2\\)");
  TextDataset d({"a"}, {0}, {"x"}, bytes, 4, {}, "");
  float x[4];
  EXPECT_DEATH(d.CopyExample(1, x), "TextDataset: example 1 of 1");
}

}  // namespace
}  // namespace siamese
