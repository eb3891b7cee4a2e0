#include "framework/io/run_dir.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "framework/io/atomic_file.h"
#include "framework/io/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::siamese::testing_io::NewTestDir;
using ::testing::HasSubstr;

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Sets an environment variable for the scope, restoring the old value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  bool had_;
  std::string old_;
};

TEST(ResolveUserPathTest, AbsolutePathsAreUnchanged) {
  ScopedEnv work("BUILD_WORKING_DIRECTORY", "/home/user/project");
  EXPECT_EQ(*ResolveUserPath("/data/x.gz"), "/data/x.gz");
}

TEST(ResolveUserPathTest, RelativeToBuildWorkingDirectory) {
  ScopedEnv work("BUILD_WORKING_DIRECTORY", "/home/user/project");
  EXPECT_EQ(*ResolveUserPath("runs/exp1"), "/home/user/project/runs/exp1");
  EXPECT_EQ(*ResolveUserPath("./runs"), "/home/user/project/runs");
  EXPECT_EQ(*ResolveUserPath("."), "/home/user/project");
  EXPECT_EQ(*ResolveUserPath("../data"), "/home/user/project/../data");
}

TEST(ResolveUserPathTest, RelativeToCurrentDirectoryWithoutBazelRun) {
  ScopedEnv work("BUILD_WORKING_DIRECTORY", nullptr);
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  EXPECT_EQ(*ResolveUserPath("out.npy"), std::string(cwd) + "/out.npy");
  ScopedEnv empty("BUILD_WORKING_DIRECTORY", "");
  EXPECT_EQ(*ResolveUserPath("out.npy"), std::string(cwd) + "/out.npy");
}

TEST(ResolveUserPathTest, TildeUsesHome) {
  ScopedEnv home("HOME", "/home/me");
  EXPECT_EQ(*ResolveUserPath("~/runs"), "/home/me/runs");
  EXPECT_EQ(*ResolveUserPath("~"), "/home/me");
  EXPECT_EQ(*ResolveUserPath("~other"), *ResolveUserPath("./~other"));
  ScopedEnv no_home("HOME", nullptr);
  EXPECT_THAT(ResolveUserPath("~/x").status().message(),
              HasSubstr("~/x: cannot expand '~': $HOME is not set"));
}

TEST(ResolveUserPathTest, Errors) {
  EXPECT_EQ(ResolveUserPath("").status().code(), absl::StatusCode::kInvalidArgument);
  ScopedEnv work("BUILD_WORKING_DIRECTORY", "relative/dir");
  EXPECT_THAT(ResolveUserPath("x").status().message(),
              HasSubstr("x: cannot resolve against $BUILD_WORKING_DIRECTORY "
                        "'relative/dir': it is not an absolute path"));
}

TEST(MakeDirsTest, CreatesParentsAndIsIdempotent) {
  const std::string dir = NewTestDir();
  const std::string path = dir + "/runs/exp1/checkpoints";
  ASSERT_TRUE(MakeDirs(path).ok());
  EXPECT_TRUE(IsDir(path));
  EXPECT_TRUE(MakeDirs(path).ok());
  EXPECT_TRUE(MakeDirs(path + "/").ok());
  EXPECT_TRUE(MakeDirs(dir + "//runs//b/").ok());
  EXPECT_TRUE(IsDir(dir + "/runs/b"));
  EXPECT_TRUE(MakeDirs("/").ok());
}

TEST(MakeDirsTest, RelativePaths) {
  const std::string dir = NewTestDir();
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(::chdir(dir.c_str()), 0);
  const absl::Status status = MakeDirs("a/b");
  ASSERT_EQ(::chdir(cwd), 0);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(IsDir(dir + "/a/b"));
}

TEST(MakeDirsTest, FileInTheWayIsNamed) {
  const std::string dir = NewTestDir();
  ASSERT_TRUE(WriteFileAtomically(dir + "/runs", "a file").ok());
  absl::Status status = MakeDirs(dir + "/runs/exp1");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), dir + "/runs/exp1: cannot create directory: '" + dir +
                                  "/runs' exists and is not a directory");
  status = MakeDirs(dir + "/runs");
  EXPECT_EQ(status.message(), dir + "/runs: cannot create directory: '" + dir +
                                  "/runs' exists and is not a directory");
}

TEST(MakeDirsTest, SystemErrorsNameTheComponent) {
  // /proc refuses new directories whatever the user's privileges.
  const absl::Status status = MakeDirs("/proc/siamese_test/x");
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("/proc/siamese_test/x: cannot create directory "
                                          "'/proc/siamese_test': "));
  EXPECT_EQ(MakeDirs("").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace siamese
