#include "framework/io/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "absl/strings/str_cat.h"

namespace siamese {
namespace {

absl::Status ErrnoError(int err, absl::string_view path, absl::string_view what) {
  return absl::ErrnoToStatus(err, absl::StrCat(path, ": ", what));
}

// Directory part of `path` for fsync: "." for a bare file name.
std::string DirName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Writes all of `data` to `fd`, retrying short writes and EINTR.
// Returns 0 or the errno of the failure.
int WriteAll(int fd, absl::string_view data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents) {
  const absl::string_view pieces[] = {contents};
  return WriteFileAtomically(path, absl::MakeConstSpan(pieces));
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::Span<const absl::string_view> pieces) {
  if (path.empty()) return absl::InvalidArgumentError("empty output path");
  const std::string tmp = absl::StrCat(path, ".tmp.", ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    return ErrnoError(
        errno, path,
        absl::StrCat("cannot create temporary file '", tmp, "' to write it atomically"));
  }
  // Every failure from here on removes the temporary file.
  auto fail = [&](int err, absl::string_view what) {
    ::unlink(tmp.c_str());
    return ErrnoError(err, path, what);
  };
  for (absl::string_view piece : pieces) {
    if (int err = WriteAll(fd, piece)) {
      ::close(fd);
      return fail(err,
                  absl::StrCat("write to temporary file '", tmp, "' failed; nothing was replaced"));
    }
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return fail(err,
                absl::StrCat("fsync of temporary file '", tmp, "' failed; nothing was replaced"));
  }
  if (::close(fd) != 0) {
    return fail(errno,
                absl::StrCat("close of temporary file '", tmp, "' failed; nothing was replaced"));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail(errno, absl::StrCat("cannot rename temporary file '", tmp,
                                    "' over it; nothing was replaced"));
  }
  const std::string dir = DirName(path);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    return ErrnoError(
        errno, path,
        absl::StrCat("written, but cannot open directory '", dir, "' to make the rename durable"));
  }
  const int sync_result = ::fsync(dir_fd);
  const int sync_errno = errno;
  ::close(dir_fd);
  if (sync_result != 0) {
    return ErrnoError(sync_errno, path,
                      absl::StrCat("written, but fsync of directory '", dir,
                                   "' failed; the rename may not survive a "
                                   "crash"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, path, "cannot open for reading");
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError(err, path, "cannot stat");
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat(path, ": is a directory, expected a file"));
  }
  std::string contents;
  if (S_ISREG(st.st_mode)) contents.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoError(err, path, absl::StrCat("read failed at byte offset ", contents.size()));
    }
    contents.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return contents;
}

}  // namespace siamese
