// manifest.json of a run folder: everything needed to know what produced it.
#ifndef SIAMESE_FRAMEWORK_TRAIN_MANIFEST_H_
#define SIAMESE_FRAMEWORK_TRAIN_MANIFEST_H_

#include <string>
#include <vector>

#include "framework/proto/experiment.pb.h"
#include "framework/proto/records.pb.h"

namespace siamese {

// The manifest (framework/proto/records.proto): git commit and dirty flag of
// the source tree (when run through `bazel run`, which sets
// BUILD_WORKSPACE_DIRECTORY; "unknown" otherwise), compiler, oneDNN version,
// the CPU ISA oneDNN dispatches to, threads, seed, the command line, and the
// SHA-256 of every data file.
Manifest MakeManifest(const Experiment& config, const std::vector<std::string>& data_files,
                      const std::string& command_line);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_MANIFEST_H_
