#include "experiments/cli.h"

#include "absl/flags/parse.h"

namespace siamese {

std::vector<std::string> ParseFlagsAndOverrides(int argc, char** argv) {
  std::vector<std::string> overrides;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--set=", 0) == 0) {
      overrides.push_back(a.substr(6));
    } else if (a == "--set" && i + 1 < argc) {
      overrides.push_back(argv[++i]);
    } else {
      rest.push_back(argv[i]);
    }
  }
  absl::ParseCommandLine(static_cast<int>(rest.size()), rest.data());
  return overrides;
}

}  // namespace siamese
