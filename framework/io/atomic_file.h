// Whole-file reads and crash-safe whole-file writes.
//
// Every failure is an absl::Status whose message names the file and the
// system's reason (strerror text); the status code follows errno
// (NotFound for ENOENT, PermissionDenied for EACCES, ...).
#ifndef SIAMESE_FRAMEWORK_IO_ATOMIC_FILE_H_
#define SIAMESE_FRAMEWORK_IO_ATOMIC_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace siamese {

// Replaces `path` with `contents` so that a reader (or a crash) sees either
// the old file or the complete new one, never a mix: writes
// "<path>.tmp.<pid>" in the same directory, fsyncs it, renames it over
// `path`, then fsyncs the directory. New files get mode 0666 & ~umask.
// On failure before the rename, the temporary file is removed and `path` is
// untouched. If only the final directory fsync fails, `path` already holds
// the new contents and the error says so.
// REQUIRES: the directory of `path` exists (see MakeDirs in run_dir.h); no
// two threads of one process write the same `path` at the same time.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents);

// As above, with the file's contents given as consecutive pieces (e.g. a
// header and a large data buffer, written without concatenating them).
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::Span<const absl::string_view> pieces);

// Returns the whole contents of the regular file `path`.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_ATOMIC_FILE_H_
