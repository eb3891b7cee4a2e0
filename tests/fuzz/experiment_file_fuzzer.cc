// The experiment-file loader with overrides: the input is the file's text,
// then, after each NUL byte, one override.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "framework/core/experiment_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> parts =
      absl::StrSplit(std::string(reinterpret_cast<const char*>(data), size), '\0');
  const std::vector<std::string> overrides(parts.begin() + 1, parts.end());
  auto file = siamese::ExperimentFile::Parse("fuzz.pbtxt", parts[0], overrides);
  if (file.ok()) (void)(*file)->ResolvedText();
  return 0;
}
