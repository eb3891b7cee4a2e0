// Helpers shared by the framework/io tests (testonly).
#ifndef SIAMESE_FRAMEWORK_IO_TEST_UTIL_H_
#define SIAMESE_FRAMEWORK_IO_TEST_UTIL_H_

#include <dirent.h>
#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace siamese {
namespace testing_io {

// A fresh, empty directory under the test's temporary directory.
inline std::string NewTestDir() {
  std::string pattern = ::testing::TempDir();
  if (pattern.empty() || pattern.back() != '/') pattern += '/';
  pattern += "io_test_XXXXXX";
  char* dir = ::mkdtemp(&pattern[0]);
  EXPECT_NE(dir, nullptr) << "mkdtemp failed for " << pattern;
  return pattern;
}

// Sorted names in `dir`, without "." and "..".
inline std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace testing_io
}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_TEST_UTIL_H_
