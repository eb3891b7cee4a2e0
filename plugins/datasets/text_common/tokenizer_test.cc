#include "plugins/datasets/text_common/tokenizer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Ids = std::vector<int64_t>;

// --- ByteTokenizer

TEST(ByteTokenizerTest, IdsAreBytesPlusThreeThenPadding) {
  ByteTokenizer t;
  EXPECT_EQ(t.vocab_size(), 259);
  EXPECT_EQ(t.Encode("Az", 4), (Ids{'A' + 3, 'z' + 3, 0, 0}));
  // "é" is two UTF-8 bytes, 0xC3 0xA9.
  EXPECT_EQ(t.Encode("\xC3\xA9", 2), (Ids{0xC3 + 3, 0xA9 + 3}));
}

TEST(ByteTokenizerTest, ArbitraryUtf8RoundTripsExactly) {
  ByteTokenizer t;
  const std::vector<std::string> texts = {
      "", "plain ascii",
      "caf\xC3\xA9 \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x99\x82",  // café 世界 🙂
      std::string("tab\tnul\0end", 11), "\xFF\xFE not even UTF-8"};
  for (const std::string& s : texts) {
    EXPECT_EQ(t.Decode(t.Encode(s, static_cast<int64_t>(s.size()) + 5)), s) << s;
  }
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  EXPECT_EQ(t.Decode(t.Encode(every_byte, 256)), every_byte);
}

TEST(ByteTokenizerTest, TruncatesToMaxLength) {
  ByteTokenizer t;
  EXPECT_EQ(t.Encode("abcdef", 3), (Ids{'a' + 3, 'b' + 3, 'c' + 3}));
  EXPECT_EQ(t.Decode(t.Encode("abcdef", 3)), "abc");
}

TEST(ByteTokenizerTest, DecodeSkipsPaddingAndNamesReservedIds) {
  ByteTokenizer t;
  EXPECT_EQ(t.Decode({kClsId, 'h' + 3, kPadId, 'i' + 3, kUnknownId, kPadId}), "<cls>hi<unk>");
}

TEST(ByteTokenizerTest, SerializationRoundTrips) {
  ByteTokenizer t;
  auto back = ByteTokenizer::Deserialize(t.Serialize());
  ASSERT_TRUE(back.ok()) << back.status();
  auto any = DeserializeTokenizer(t.Serialize());
  ASSERT_TRUE(any.ok()) << any.status();
  EXPECT_EQ((*any)->kind(), "byte");
  EXPECT_FALSE(ByteTokenizer::Deserialize("siamese.ByteTokenizer v2\n").ok());
}

TEST(ByteTokenizerDeathTest, OutOfRangeIdAndLength) {
  ByteTokenizer t;
  EXPECT_DEATH(t.Decode({259}), "ByteTokenizer::Decode: id 259 is not in \\[0, 259\\)");
  EXPECT_DEATH(t.Encode("x", 0), "ByteTokenizer::Encode: max_length 0 must be >= 1");
}

// --- WordTokenizer

TEST(WordTokenizerTest, WordsAreAsciiAlphanumericRuns) {
  EXPECT_THAT(WordTokenizer::Words("Hello, WORLD! foo_bar 42x caf\xC3\xA9s", true),
              ElementsAre("hello", "world", "foo", "bar", "42x", "caf", "s"));
  EXPECT_THAT(WordTokenizer::Words("  Hello  World ", false), ElementsAre("Hello", "World"));
  EXPECT_TRUE(WordTokenizer::Words(" ,;!\t", true).empty());
}

TEST(WordTokenizerTest, VocabularyByCountThenAlphabetically) {
  // Counts: the 4, b 2, a 2, zeta 2, c 1.
  WordTokenizer t =
      WordTokenizer::Build({"the b a zeta the", "The c, THE", "zeta b a"}, WordTokenizerOptions{});
  EXPECT_THAT(t.vocabulary(), ElementsAre("the", "a", "b", "zeta", "c"));
  EXPECT_EQ(t.vocab_size(), 8);
  EXPECT_EQ(t.Id("the"), 3);
  EXPECT_EQ(t.Id("c"), 7);
  EXPECT_EQ(t.Id("nope"), kUnknownId);
}

TEST(WordTokenizerTest, MaxVocabAndMinCountCap) {
  const std::vector<std::string> texts = {"the b a zeta the", "The c, THE", "zeta b a"};
  WordTokenizerOptions capped;
  capped.max_vocab = 2;
  EXPECT_THAT(WordTokenizer::Build(texts, capped).vocabulary(), ElementsAre("the", "a"));
  WordTokenizerOptions frequent;
  frequent.min_count = 2;
  EXPECT_THAT(WordTokenizer::Build(texts, frequent).vocabulary(),
              ElementsAre("the", "a", "b", "zeta"));
  frequent.min_count = 5;
  EXPECT_TRUE(WordTokenizer::Build(texts, frequent).vocabulary().empty());
}

TEST(WordTokenizerTest, CaseIsKeptWithoutLowercasing) {
  WordTokenizerOptions o;
  o.lowercase = false;
  WordTokenizer t = WordTokenizer::Build({"The the THE the"}, o);
  EXPECT_THAT(t.vocabulary(), ElementsAre("the", "THE", "The"));
  EXPECT_EQ(t.Encode("THE tHe", 2), (Ids{4, kUnknownId}));
}

TEST(WordTokenizerTest, EncodeMapsUnknownsTruncatesAndPads) {
  WordTokenizer t = WordTokenizer::Build({"a cat sat", "a dog"}, WordTokenizerOptions{});
  // Vocabulary: a(3) cat(4) dog(5) sat(6).
  EXPECT_EQ(t.Encode("A cat, a BIRD!", 6), (Ids{3, 4, 3, kUnknownId, 0, 0}));
  EXPECT_EQ(t.Encode("dog sat cat a", 2), (Ids{5, 6}));
  EXPECT_EQ(t.Encode("", 3), (Ids{0, 0, 0}));
}

TEST(WordTokenizerTest, DecodeJoinsNormalizedWords) {
  WordTokenizer t = WordTokenizer::Build({"a cat sat", "a dog"}, WordTokenizerOptions{});
  EXPECT_EQ(t.Decode(t.Encode("A  cat... SAT!", 8)), "a cat sat");
  EXPECT_EQ(t.Decode(t.Encode("a bird sat", 8)), "a <unk> sat");
  EXPECT_EQ(t.Decode({kClsId, 5, 0, 0}), "<cls> dog");
}

TEST(WordTokenizerTest, SerializationRoundTrips) {
  WordTokenizerOptions o;
  o.lowercase = false;
  WordTokenizer t = WordTokenizer::Build({"B a a C b 7"}, o);
  auto back = WordTokenizer::Deserialize(t.Serialize());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->vocabulary(), t.vocabulary());
  EXPECT_FALSE(back->lowercase());
  EXPECT_EQ(back->Encode("a B c 7", 5), t.Encode("a B c 7", 5));
  EXPECT_EQ(back->Serialize(), t.Serialize());

  WordTokenizer empty = WordTokenizer::Build({}, WordTokenizerOptions{});
  auto empty_back = DeserializeTokenizer(empty.Serialize());
  ASSERT_TRUE(empty_back.ok()) << empty_back.status();
  EXPECT_EQ((*empty_back)->kind(), "word");
  EXPECT_EQ((*empty_back)->vocab_size(), 3);
}

TEST(WordTokenizerTest, CorruptStatesAreClearErrors) {
  const std::string good = WordTokenizer::Build({"b a a"}, WordTokenizerOptions{}).Serialize();
  ASSERT_EQ(good, "siamese.WordTokenizer v1\nlowercase 1\nwords 2\na\nb\n");
  struct Case {
    std::string state, message;
  };
  const std::vector<Case> cases = {
      {"", "does not end with a line break"},
      {good.substr(0, good.size() - 1), "does not end with a line break"},
      {"siamese.ByteTokenizer v1\n", "(a byte tokenizer's state)"},
      {"siamese.WordTokenizer v1\nlowercase 2\nwords 0\n", "line 2 is not"},
      {"siamese.WordTokenizer v1\nlowercase 1\nwords x\n", "line 3 is not \"words <count>\""},
      {"siamese.WordTokenizer v1\nlowercase 1\nwords 3\na\nb\n", "announces 3 words but 2 follow"},
      {"siamese.WordTokenizer v1\nlowercase 1\nwords 2\na\nb c\n",
       "line 5: \"b c\" is not a lower-case ASCII word"},
      {"siamese.WordTokenizer v1\nlowercase 1\nwords 1\nA\n", "\"A\" is not a lower-case"},
      {"siamese.WordTokenizer v1\nlowercase 1\nwords 2\na\n\n", "line 5: \"\" is not"},
      {"siamese.WordTokenizer v1\nlowercase 1\nwords 2\na\na\n", "line 5: \"a\" repeats line 4"},
  };
  for (const Case& c : cases) {
    auto t = WordTokenizer::Deserialize(c.state);
    ASSERT_FALSE(t.ok()) << c.state;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr("WordTokenizer state: ")) << c.state;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr(c.message)) << c.state;
  }
  auto neither = DeserializeTokenizer("vocabulary\n");
  ASSERT_FALSE(neither.ok());
  EXPECT_THAT(std::string(neither.status().message()), HasSubstr("starts with neither"));
}

TEST(WordTokenizerDeathTest, OutOfRangeIdAndLength) {
  WordTokenizer t = WordTokenizer::Build({"a"}, WordTokenizerOptions{});
  EXPECT_DEATH(t.Decode({4}), "WordTokenizer::Decode: id 4 is not in \\[0, 4\\)");
  EXPECT_DEATH(t.Decode({-1}), "WordTokenizer::Decode: id -1 is not in");
  EXPECT_DEATH(t.Encode("a", 0), "WordTokenizer::Encode: max_length 0 must be >= 1");
}

}  // namespace
}  // namespace siamese
