// manifest.json of a run folder: everything needed to know what produced it.
#ifndef SIAMESE_FRAMEWORK_TRAIN_MANIFEST_H_
#define SIAMESE_FRAMEWORK_TRAIN_MANIFEST_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "framework/proto/experiment.pb.h"
#include "framework/proto/records.pb.h"

namespace siamese {

// The manifest (framework/proto/records.proto): git commit and dirty flag of
// the source tree (when run through `bazel run`, which sets
// BUILD_WORKSPACE_DIRECTORY; "unknown" otherwise), compiler, oneDNN version,
// the CPU ISA oneDNN dispatches to, threads, seed, the command line, the
// SHA-256 of every data file, and the files the dataset skipped as
// unreadable (their count, always written, and "<path>: <reason>" each).
Manifest MakeManifest(const Experiment& config, const std::vector<std::string>& data_files,
                      const std::string& command_line,
                      const std::vector<std::string>& skipped_files = {});

// OK when every data file `recorded` lists that is also in `files` still
// has the recorded SHA-256; FailedPrecondition naming the first that
// changed (or cannot be read) and `manifest_path` otherwise: a run must not
// resume, or a model embed, on other data than it was trained on.
absl::Status CheckDataFiles(const Manifest& recorded, const std::vector<std::string>& files,
                            const std::string& manifest_path);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_MANIFEST_H_
