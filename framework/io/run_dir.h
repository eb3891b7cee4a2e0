// Paths given by users, and output directories.
#ifndef SIAMESE_FRAMEWORK_IO_RUN_DIR_H_
#define SIAMESE_FRAMEWORK_IO_RUN_DIR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace siamese {

// Turns a path the user typed (a flag value) into an absolute one.
// Absolute paths are returned unchanged. "~" and "~/..." are expanded with
// $HOME. Other relative paths are resolved against $BUILD_WORKING_DIRECTORY
// when it is set and non-empty (`bazel run` sets it to the directory the user
// ran bazel from, while the binary itself runs inside the runfiles tree),
// else against the current directory. Leading "./" components are dropped;
// ".." is kept (it is resolved by the file system, symlinks included).
// The path need not exist.
// Errors: InvalidArgument for an empty path, "~" without $HOME, or a
// relative $BUILD_WORKING_DIRECTORY; the getcwd() failure otherwise.
absl::StatusOr<std::string> ResolveUserPath(const std::string& path);

// Creates directory `path` and any missing parents (as `mkdir -p`, mode
// 0777 & ~umask). Succeeds if it already exists as a directory.
// Errors name `path` and, when they differ, the component that failed,
// e.g. "<path>: cannot create directory: 'out/a' exists and is not a
// directory", or the system's reason (PermissionDenied, ...).
absl::Status MakeDirs(const std::string& path);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_RUN_DIR_H_
