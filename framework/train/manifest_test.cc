#include "framework/train/manifest.h"

#include <cstdio>
#include <cstdlib>

#include "framework/io/atomic_file.h"
#include "framework/records/records.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

// Issue 10: non-UTF-8 file paths were written raw into manifest.json.
TEST(ManifestTest, NonUtf8PathsAreEscapedAndKeptExactly) {
  const std::string path = TmpDir() + "/data\xff\xfe.idx";
  ASSERT_TRUE(WriteFileAtomically(path, "abc").ok());
  Experiment e;
  const Manifest m = MakeManifest(e, {path}, "train --config=\xc3");
  ASSERT_EQ(m.data_files_size(), 1);
  EXPECT_EQ(m.data_files(0).path(), TmpDir() + "/data\xEF\xBF\xBD\xEF\xBF\xBD.idx");
  EXPECT_FALSE(m.data_files(0).path_hex().empty());
  // SHA-256 of "abc".
  EXPECT_EQ(m.data_files(0).sha256(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Valid JSON that reads back, and a check that finds the exact file.
  Manifest back;
  ASSERT_TRUE(ParseJson(ToJson(m), "manifest.json", &back).ok());
  EXPECT_TRUE(CheckDataFiles(back, {path}, "manifest.json").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "abd").ok());
  EXPECT_THAT(std::string(CheckDataFiles(back, {path}, "manifest.json").message()),
              ::testing::HasSubstr("the data file changed since the run started"));
}

}  // namespace
}  // namespace siamese
