// Command-line handling shared by the experiment binaries.
#ifndef SIAMESE_EXPERIMENTS_CLI_H_
#define SIAMESE_EXPERIMENTS_CLI_H_

#include <string>
#include <vector>

namespace siamese {

// Parses the absl flags of argv and returns every --set=VALUE / --set VALUE
// in order (an absl flag would keep only the last one).
std::vector<std::string> ParseFlagsAndOverrides(int argc, char** argv);

}  // namespace siamese

#endif  // SIAMESE_EXPERIMENTS_CLI_H_
