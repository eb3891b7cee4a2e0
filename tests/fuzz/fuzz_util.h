// Helpers of the fuzz targets: most readers take a path, so the input is
// written to a file first.
#ifndef SIAMESE_TESTS_FUZZ_FUZZ_UTIL_H_
#define SIAMESE_TESTS_FUZZ_FUZZ_UTIL_H_

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace siamese {
namespace fuzz {

// A folder of this process's own ($TEST_TMPDIR or /tmp), created once.
inline const std::string& ScratchDir() {
  static const std::string* dir = [] {
    const char* base = std::getenv("TEST_TMPDIR");
    auto* d = new std::string(std::string(base != nullptr ? base : "/tmp") + "/siamese_fuzz_" +
                              std::to_string(getpid()));
    (void)!std::system(("mkdir -p '" + *d + "'").c_str());
    return d;
  }();
  return *dir;
}

// Writes the input to <scratch>/<name> and returns the path.
inline std::string WriteInput(const uint8_t* data, size_t size, const std::string& name) {
  const std::string path = ScratchDir() + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f != nullptr) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path;
}

}  // namespace fuzz
}  // namespace siamese

#endif  // SIAMESE_TESTS_FUZZ_FUZZ_UTIL_H_
