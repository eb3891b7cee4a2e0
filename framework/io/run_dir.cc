#include "framework/io/run_dir.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace siamese {
namespace {

std::string JoinPath(absl::string_view base, absl::string_view relative) {
  while (absl::StartsWith(relative, "./")) {
    relative.remove_prefix(2);
    while (absl::StartsWith(relative, "/")) relative.remove_prefix(1);
  }
  if (relative == ".") relative = "";
  if (relative.empty()) return std::string(base);
  if (absl::EndsWith(base, "/")) return absl::StrCat(base, relative);
  return absl::StrCat(base, "/", relative);
}

}  // namespace

absl::StatusOr<std::string> ResolveUserPath(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty path");
  if (path[0] == '/') return path;
  if (path == "~" || absl::StartsWith(path, "~/")) {
    const char* home = std::getenv("HOME");
    if (home == nullptr || home[0] == '\0') {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot expand '~': $HOME is not set"));
    }
    return JoinPath(home, absl::string_view(path).substr(path == "~" ? 1 : 2));
  }
  const char* work = std::getenv("BUILD_WORKING_DIRECTORY");
  if (work != nullptr && work[0] != '\0') {
    if (work[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat(path,
                       ": cannot resolve against $BUILD_WORKING_DIRECTORY"
                       " '",
                       work, "': it is not an absolute path"));
    }
    return JoinPath(work, path);
  }
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof(cwd)) == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat(path,
                                                   ": cannot resolve against the current "
                                                   "directory: getcwd failed"));
  }
  return JoinPath(cwd, path);
}

absl::Status MakeDirs(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("MakeDirs: empty path");
  // Create each prefix ending before a '/', then the whole path.
  for (size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    const std::string prefix = end == std::string::npos ? path : path.substr(0, end);
    const bool last = end == std::string::npos;
    if (!prefix.empty() && prefix.back() != '/' && ::mkdir(prefix.c_str(), 0777) != 0) {
      const int err = errno;
      struct stat st;
      if (::stat(prefix.c_str(), &st) != 0) {
        return absl::ErrnoToStatus(
            err, prefix == path ? absl::StrCat(path, ": cannot create directory")
                                : absl::StrCat(path, ": cannot create directory '", prefix, "'"));
      }
      if (!S_ISDIR(st.st_mode)) {
        return absl::FailedPreconditionError(absl::StrCat(
            path, ": cannot create directory: '", prefix, "' exists and is not a directory"));
      }
    }
    if (last) break;
  }
  return absl::OkStatus();
}

}  // namespace siamese
