#include "framework/io/atomic_file.h"

#include <sys/stat.h>

#include <string>
#include <vector>

#include "framework/io/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::siamese::testing_io::ListDir;
using ::siamese::testing_io::NewTestDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(AtomicFileTest, WriteThenReadRoundTrips) {
  const std::string dir = NewTestDir();
  const std::string path = dir + "/a.bin";
  const std::string contents("binary\0data\n", 12);
  ASSERT_TRUE(WriteFileAtomically(path, contents).ok());
  auto read = ReadFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, contents);
  EXPECT_THAT(ListDir(dir), ElementsAre("a.bin"));
}

TEST(AtomicFileTest, EmptyContentsMakeEmptyFile) {
  const std::string path = NewTestDir() + "/empty";
  ASSERT_TRUE(WriteFileAtomically(path, "").ok());
  auto read = ReadFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "");
}

TEST(AtomicFileTest, PiecesAreConcatenated) {
  const std::string path = NewTestDir() + "/pieces";
  const absl::string_view pieces[] = {"head", "", "-body-", "tail"};
  ASSERT_TRUE(WriteFileAtomically(path, absl::MakeConstSpan(pieces)).ok());
  EXPECT_EQ(*ReadFile(path), "head-body-tail");
}

TEST(AtomicFileTest, SecondWriteReplacesWholeFileAndLeavesNoTemp) {
  const std::string dir = NewTestDir();
  const std::string path = dir + "/state";
  ASSERT_TRUE(WriteFileAtomically(path, std::string(100000, 'A')).ok());
  ASSERT_TRUE(WriteFileAtomically(path, "B").ok());
  EXPECT_EQ(*ReadFile(path), "B");
  EXPECT_THAT(ListDir(dir), ElementsAre("state"));
}

TEST(AtomicFileTest, MissingDirectoryFailsClearlyAndLeavesNothing) {
  const std::string dir = NewTestDir();
  const std::string path = dir + "/no_such_dir/out.txt";
  const absl::Status status = WriteFileAtomically(path, "x");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr(path));
  EXPECT_THAT(status.message(), HasSubstr("No such file or directory"));
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(AtomicFileTest, FailedRenameRemovesTempAndKeepsTarget) {
  // The target is a non-empty directory, so the final rename fails after the
  // temporary file was fully written: it must be removed again.
  const std::string dir = NewTestDir();
  const std::string path = dir + "/target";
  ASSERT_EQ(::mkdir(path.c_str(), 0777), 0);
  ASSERT_TRUE(WriteFileAtomically(path + "/keep", "kept").ok());
  const absl::Status status = WriteFileAtomically(path, "new");
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(path + ": cannot rename"));
  EXPECT_THAT(status.message(), HasSubstr("nothing was replaced"));
  EXPECT_THAT(ListDir(dir), ElementsAre("target"));
  EXPECT_EQ(*ReadFile(path + "/keep"), "kept");
}

TEST(AtomicFileTest, EmptyPathIsInvalid) {
  EXPECT_EQ(WriteFileAtomically("", "x").code(), absl::StatusCode::kInvalidArgument);
}

TEST(AtomicFileTest, ReadMissingFileIsNotFoundNamingPath) {
  const std::string path = NewTestDir() + "/missing.txt";
  auto read = ReadFile(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(read.status().message(), HasSubstr(path));
  EXPECT_THAT(read.status().message(), HasSubstr("No such file or directory"));
}

TEST(AtomicFileTest, ReadDirectoryIsAClearError) {
  const std::string dir = NewTestDir();
  auto read = ReadFile(dir);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(read.status().message(), HasSubstr(dir + ": is a directory, expected a file"));
}

}  // namespace
}  // namespace siamese
