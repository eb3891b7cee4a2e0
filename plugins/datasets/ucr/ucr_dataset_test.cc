#include "plugins/datasets/ucr/ucr_dataset.h"

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "plugins/datasets/ucr/ucr.pb.h"

namespace siamese {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatEq;
using ::testing::HasSubstr;
using ::testing::Pointwise;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

std::string WriteText(const std::string& name, const std::string& text) {
  const std::string path = TempPath(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

absl::StatusOr<std::unique_ptr<Dataset>> Make(const std::string& params, const std::string& split) {
  DatasetConfig c;
  const std::string text = "name: \"ucr\" [siamese.ucr] { " + params + " }";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.split = split;
  return Registry<Dataset>::Create(c, context);
}

std::vector<float> Example(const Dataset& d, int64_t i) {
  std::vector<float> x(d.example_shape()[1]);
  d.CopyExample(i, x.data());
  return x;
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(UcrParseTest, TabSeparated) {
  auto s = ParseUcr("1\t0.5\t-2\t3e1\n2\t1\t2\n", "f.tsv");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].label, "1");
  EXPECT_EQ((*s)[0].line, 1);
  EXPECT_THAT((*s)[0].values, ElementsAre(0.5f, -2.0f, 30.0f));
  EXPECT_EQ((*s)[1].label, "2");
  EXPECT_THAT((*s)[1].values, ElementsAre(1.0f, 2.0f));
}

TEST(UcrParseTest, CommaSeparatedWithSpacesAndCrLf) {
  auto s = ParseUcr("a, 1.5, 2.5\r\nb,3,4,5", "f.csv");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].label, "a");
  EXPECT_THAT((*s)[0].values, ElementsAre(1.5f, 2.5f));
  EXPECT_THAT((*s)[1].values, ElementsAre(3.0f, 4.0f, 5.0f));
}

TEST(UcrParseTest, TrailingNanIsPaddingAndDropped) {
  auto s = ParseUcr("1\t1\t2\t3\n1\t4\t5\tNaN\tnan\n", "f.tsv");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT((*s)[1].values, ElementsAre(4.0f, 5.0f));
}

TEST(UcrParseTest, ErrorsNameFileAndLine) {
  struct Case {
    std::string text, message;
  };
  const std::vector<Case> cases = {
      {"1,1,2\n2,1,x\n", "f:2: column 3: non-numeric value \"x\""},
      {"1\t1\t2\n2,1,2\n",
       "f:2: the series has 0 values; at least 2 are needed (values are "
       "separated by tabs in this file"},
      {"1\t1\t2\n2\t1,2\t3\n",
       "f:2: column 2: non-numeric value \"1,2\" (values are separated "
       "by tabs"},
      {"1 2 3\n",
       "f:1: the series has 0 values; at least 2 are needed (values are separated by "
       "commas"},
      {"1,1,2\n\n1,2,3\n", "f:2: empty line"},
      {"1,1,2\n   \n", "f:2: empty line"},
      {"1,1,2\n1,5\n", "f:2: the series has 1 value; at least 2 are needed"},
      {"1\n", "f:1: the series has 0 values; at least 2 are needed"},
      {"1,1,2\n1,3,NaN,NaN\n", "f:2: the series has 1 value (after dropping trailing NaN)"},
      {"1,1,2\n1,1,2\n1,3,NaN,4\n", "f:3: column 3: NaN before the number at column 4"},
      {"1,1,1e400\n", "f:1: column 3: value \"1e400\" is not a finite float"},
      {"1,1,1e39\n", "f:1: column 3: value \"1e39\" is not a finite float"},
      {"1,1,-inf\n", "f:1: column 3: value \"-inf\" is not a finite float"},
      {",1,2\n", "f:1: column 1: empty label"},
      {"", "f: no series (empty file)"},
  };
  for (const Case& c : cases) {
    auto s = ParseUcr(c.text, "f");
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_THAT(Message(s.status()), HasSubstr(c.message)) << c.text;
  }
}

TEST(UcrResampleTest, HandCases) {
  const std::vector<float> a = {0, 3, 6};
  EXPECT_THAT(ResampleLinear(a, 5), ElementsAre(0.0f, 1.5f, 3.0f, 4.5f, 6.0f));
  const std::vector<float> b = {1, 2, 3, 4, 5};
  EXPECT_THAT(ResampleLinear(b, 3), ElementsAre(1.0f, 3.0f, 5.0f));
  // Length 4 -> 3: positions 0, 1.5, 3.
  const std::vector<float> c = {0, 10, 20, 40};
  EXPECT_THAT(ResampleLinear(c, 3), ElementsAre(0.0f, 15.0f, 40.0f));
  EXPECT_THAT(ResampleLinear(c, 4), ElementsAre(0.0f, 10.0f, 20.0f, 40.0f));
}

TEST(UcrZNormalizeTest, PopulationStdAndConstantSeries) {
  // {1, 2, 3, 4}: mean 2.5, population std sqrt(1.25).
  std::vector<float> x = {1, 2, 3, 4};
  ZNormalize(&x);
  const float s = std::sqrt(1.25f);
  EXPECT_THAT(x,
              Pointwise(FloatEq(), std::vector<float>{-1.5f / s, -0.5f / s, 0.5f / s, 1.5f / s}));
  std::vector<float> c = {7, 7, 7};
  ZNormalize(&c);
  EXPECT_THAT(c, ElementsAre(0.0f, 0.0f, 0.0f));
}

TEST(UcrLabelMapTest, NumericLabelsSortNumerically) {
  auto s = ParseUcr("10,1,2\n-1,1,2\n2,1,2\n10.0,1,2\n", "f");
  ASSERT_TRUE(s.ok()) << s.status();
  UcrLabelMap map(*s);
  EXPECT_TRUE(map.numeric());
  EXPECT_THAT(map.names(), ElementsAre("-1", "2", "10"));
  EXPECT_EQ(map.Find("10.0"), 2);
  EXPECT_EQ(map.Find("-1"), 0);
  EXPECT_EQ(map.Find("3"), -1);
  EXPECT_EQ(map.Find("cat"), -1);
}

TEST(UcrLabelMapTest, StringLabelsSortAsStrings) {
  auto s = ParseUcr("b,1,2\n10,1,2\na,1,2\n2,1,2\n", "f");
  ASSERT_TRUE(s.ok()) << s.status();
  UcrLabelMap map(*s);
  EXPECT_FALSE(map.numeric());
  EXPECT_THAT(map.names(), ElementsAre("10", "2", "a", "b"));
  EXPECT_EQ(map.Find("a"), 2);
}

TEST(UcrDatasetTest, RegisteredAndReadsVariableLengthWithResampling) {
  const std::string train = WriteText("train.tsv", "2\t0\t3\t6\n1\t1\t2\t3\t4\t5\n");
  const std::string test = WriteText("test.csv", "1,0,10,20,40\n2,5,5\n");
  auto tr = Make("train_path: \"" + train + "\" normalization: \"none\"", "train");
  ASSERT_TRUE(tr.ok()) << tr.status();
  const Dataset& d = **tr;
  EXPECT_EQ(d.size(), 2);
  EXPECT_EQ(d.example_shape(), (Shape{1, 5}));  // the longest training series
  EXPECT_THAT(d.labels(), ElementsAre(1, 0));
  EXPECT_THAT(d.class_names(), ElementsAre("1", "2"));
  EXPECT_THAT(Example(d, 0), ElementsAre(0.0f, 1.5f, 3.0f, 4.5f, 6.0f));
  EXPECT_THAT(Example(d, 1), ElementsAre(1.0f, 2.0f, 3.0f, 4.0f, 5.0f));
  EXPECT_THAT(d.source_files(), ElementsAre(train));

  auto te = Make("train_path: \"" + train + "\" test_path: \"" + test +
                     "\" normalization: \"global\" length: 3",
                 "test");
  ASSERT_TRUE(te.ok()) << te.status();
  EXPECT_EQ((*te)->example_shape(), (Shape{1, 3}));
  EXPECT_THAT((*te)->labels(), ElementsAre(0, 1));
  EXPECT_THAT(Example(**te, 0), ElementsAre(0.0f, 15.0f, 40.0f));
  EXPECT_THAT(Example(**te, 1), ElementsAre(5.0f, 5.0f, 5.0f));
  EXPECT_THAT((*te)->source_files(), ElementsAre(test, train));
}

TEST(UcrDatasetTest, PerSeriesNormalizationIsTheDefault) {
  const std::string train = WriteText("train2.tsv", "1\t1\t2\t3\t4\n1\t3\t3\t3\t3\n");
  auto d = Make("train_path: \"" + train + "\"", "train");
  ASSERT_TRUE(d.ok()) << d.status();
  const float s = std::sqrt(1.25f);
  EXPECT_THAT(Example(**d, 0),
              Pointwise(FloatEq(), std::vector<float>{-1.5f / s, -0.5f / s, 0.5f / s, 1.5f / s}));
  EXPECT_THAT(Example(**d, 1), ElementsAre(0.0f, 0.0f, 0.0f, 0.0f));
}

TEST(UcrDatasetTest, PerSeriesNormalizationAfterResampling) {
  // {0, 2} resampled to 3 values is {0, 1, 2}: mean 1, population std sqrt(2/3).
  const std::string train = WriteText("train3.tsv", "1\t0\t2\n1\t0\t0\t1\n");
  auto d = Make("train_path: \"" + train + "\"", "train");
  ASSERT_TRUE(d.ok()) << d.status();
  const float s = std::sqrt(2.0f / 3.0f);
  EXPECT_THAT(Example(**d, 0), Pointwise(FloatEq(), std::vector<float>{-1 / s, 0, 1 / s}));
}

TEST(UcrDatasetTest, UnknownTestLabelNamesFileLineAndTrainingFile) {
  const std::string train = WriteText("train4.tsv", "1\t1\t2\n2\t1\t2\n");
  const std::string test = WriteText("test4.tsv", "1\t1\t2\n3\t1\t2\n");
  auto d = Make("train_path: \"" + train + "\" test_path: \"" + test + "\"", "test");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(Message(d.status()), HasSubstr(test +
                                             ":2: label \"3\" does not occur in the "
                                             "training file " +
                                             train));
}

TEST(UcrDatasetTest, FileErrorsNamePathAndLine) {
  const std::string train = WriteText("train5.tsv", "1\t1\t2\n2\t1\tNaN\t3\n");
  auto d = Make("train_path: \"" + train + "\"", "train");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(Message(d.status()), HasSubstr(train + ":2: column 3: NaN before the number"));
  auto missing = Make("train_path: \"/nonexistent/ucr/x.tsv\"", "train");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(Message(missing.status()), HasSubstr("/nonexistent/ucr/x.tsv"));
}

TEST(UcrDatasetTest, ParameterErrorsNameTheField) {
  EXPECT_EQ(ErrorField(Make("train_path: \"x\" length: 1", "train").status()), "length");
  EXPECT_EQ(ErrorField(Make("train_path: \"x\" length: -3", "train").status()), "length");
  EXPECT_EQ(ErrorField(Make("train_path: \"x\" normalization: \"zscore\"", "train").status()),
            "normalization");
  EXPECT_EQ(ErrorField(Make("", "train").status()), "train_path");
  EXPECT_EQ(ErrorField(Make("train_path: \"x\"", "test").status()), "test_path");
}

}  // namespace
}  // namespace siamese
