#include "framework/core/experiment_file.h"

#include "framework/core/registry.h"
#include "framework/core/registry_test.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

constexpr char kText[] = R"(name: "demo"
seed: 7
training {
  epochs: 2
  batch_size: 64
}
miner {
  name: "test_stride"
  [siamese.testing.stride_miner] {
    stride: 0
  }
}
evaluation { recall_at: 1 recall_at: 4 }
)";

TEST(ExperimentFileTest, ParsesAndKeepsDefaults) {
  auto f = ExperimentFile::Parse("demo.pbtxt", kText);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)->config().seed(), 7u);
  EXPECT_EQ((*f)->config().training().batch_size(), 64);
  EXPECT_EQ((*f)->config().threads(), 2);  // default
}

TEST(ExperimentFileTest, UnknownFieldNamesFileLineAndField) {
  auto f = ExperimentFile::Parse("demo.pbtxt", "seed: 1\ntraining {\n  batchsize: 3\n}\n");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status().message(), HasSubstr("demo.pbtxt:3:"));
  EXPECT_THAT(f.status().message(), HasSubstr("no field named \"batchsize\""));
}

TEST(ExperimentFileTest, WrongTypeNamesFileAndLine) {
  auto f = ExperimentFile::Parse("demo.pbtxt", "seed: 1\nthreads: \"two\"\n");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status().message(), HasSubstr("demo.pbtxt:2:"));
  EXPECT_THAT(f.status().message(), HasSubstr("(field \"threads\")"));
}

TEST(ExperimentFileTest, OutOfRangeValueNamesFileLineAndField) {
  auto f = ExperimentFile::Parse("demo.pbtxt", "seed: 1\ntraining {\n  batch_size: 1\n}\n");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "demo.pbtxt:3:3: training.batch_size: must be >= 2, got 1");
}

TEST(ExperimentFileTest, PluginFieldErrorIsLocated) {
  auto f = ExperimentFile::Parse("demo.pbtxt", kText);
  ASSERT_TRUE(f.ok());
  absl::Status s = (*f)->Locate("miner", FieldError("stride", "must be >= 1, got 0"));
  EXPECT_EQ(s.message(), "demo.pbtxt:10:5: miner.stride: must be >= 1, got 0");
}

TEST(ExperimentFileTest, OverridesReplaceScalarsAndRepeatedFields) {
  auto f = ExperimentFile::Parse("demo.pbtxt", kText,
                                 {"training { epochs: 5 }", "evaluation { recall_at: 8 }"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)->config().training().epochs(), 5);
  EXPECT_EQ((*f)->config().training().batch_size(), 64);  // untouched sibling
  ASSERT_EQ((*f)->config().evaluation().recall_at_size(), 1);
  EXPECT_EQ((*f)->config().evaluation().recall_at(0), 8);
  EXPECT_EQ((*f)->Where({"training", "epochs"}), "override 1: ");
}

TEST(ExperimentFileTest, OverrideNamingAnotherPluginDropsOldParameters) {
  auto f = ExperimentFile::Parse("demo.pbtxt", kText, {"miner { name: \"other\" }"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)->config().miner().name(), "other");
  EXPECT_FALSE((*f)->config().miner().HasExtension(testing::stride_miner));
}

TEST(ExperimentFileTest, BadOverrideIsNamed) {
  auto f = ExperimentFile::Parse("demo.pbtxt", kText, {"training { epoch: 5 }"});
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status().message(), HasSubstr("override 1 (\"training { epoch: 5 }\")"));
  EXPECT_THAT(f.status().message(), HasSubstr("no field named \"epoch\""));
}

TEST(ExperimentFileTest, MissingFileIsNamed) {
  auto f = ExperimentFile::Load("/nonexistent/x.pbtxt");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "/nonexistent/x.pbtxt: cannot open experiment file: No such file or directory");
}

// Issue 10: --config=<a folder> said "no dataset given"; a binary file
// echoed its bytes.
TEST(ExperimentFileTest, AFolderOrABinaryFileIsNamedForWhatItIs) {
  const std::string dir = ::testing::TempDir();
  auto folder = ExperimentFile::Load(dir);
  ASSERT_FALSE(folder.ok());
  EXPECT_THAT(std::string(folder.status().message()), ::testing::HasSubstr(": is a directory"));
  auto binary = ExperimentFile::Parse("model.ckpt", std::string("SIAMCKPT\x01\x00\xff", 11));
  ASSERT_FALSE(binary.ok());
  EXPECT_EQ(std::string(binary.status().message()),
            "model.ckpt: not a text file (byte 0x01 at offset 8); an experiment file is protobuf "
            "text format (framework/proto/experiment.proto)");
}

TEST(ExperimentFileTest, ResolvedTextRoundTrips) {
  auto f = ExperimentFile::Parse("demo.pbtxt", kText);
  ASSERT_TRUE(f.ok());
  auto again = ExperimentFile::Parse("resolved", (*f)->ResolvedText());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->config().SerializeAsString(), (*f)->config().SerializeAsString());
}

}  // namespace
}  // namespace siamese
