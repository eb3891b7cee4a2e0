// make_tiny_run <folder>: writes the tiny synthetic dataset into <folder>
// (created),
// trains the tiny run on it (framework/train/tiny_run_testutil.h, seconds)
// and prints the checkpoint's path. For shell tests of the binaries.
#include <cstdio>
#include <string>

#include "framework/io/run_dir.h"
#include "framework/train/tiny_run_testutil.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_tiny_run <folder>\n");
    return 2;
  }
  if (absl::Status s = siamese::MakeDirs(argv[1]); !s.ok()) {
    std::fprintf(stderr, "make_tiny_run: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  auto checkpoint = siamese::testing_train::TrainTinyRun(argv[1], "tiny");
  if (!checkpoint.ok()) {
    std::fprintf(stderr, "make_tiny_run: %s\n", std::string(checkpoint.status().message()).c_str());
    return 1;
  }
  std::printf("%s\n", checkpoint->c_str());
  return 0;
}
