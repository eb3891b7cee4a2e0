#include "framework/io/tsv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "framework/io/atomic_file.h"

namespace siamese {

absl::Status WriteTsv(const std::string& path, const std::vector<TsvRow>& rows) {
  std::string contents;
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < rows[r].size(); ++c) {
      const std::string& field = rows[r][c];
      const size_t bad = field.find_first_of("\t\n\r");
      if (bad != std::string::npos) {
        const char* what = field[bad] == '\t'   ? "a tab"
                           : field[bad] == '\n' ? "a line break (\\n)"
                                                : "a carriage return (\\r)";
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": cannot write TSV: row ", r + 1, ", column ", c + 1, " contains ", what,
            " at character ", bad + 1, "; TSV fields cannot contain tabs or line breaks"));
      }
      if (c > 0) contents += '\t';
      contents += field;
    }
    contents += '\n';
  }
  return WriteFileAtomically(path, contents);
}

absl::StatusOr<TsvReader> TsvReader::Open(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rbe");
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot open TSV file"));
  }
  struct stat st;
  if (::fstat(::fileno(file), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::fclose(file);
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": is a directory, expected a TSV file"));
  }
  return TsvReader(path, file);
}

absl::StatusOr<bool> TsvReader::Next(TsvRow* fields) {
  fields->clear();
  char* buffer = nullptr;
  size_t capacity = 0;
  errno = 0;
  const ssize_t n = ::getline(&buffer, &capacity, file_.get());
  const int err = errno;
  std::unique_ptr<char, decltype(&std::free)> owned(buffer, &std::free);
  if (n < 0) {
    if (std::ferror(file_.get())) {
      return absl::ErrnoToStatus(err, absl::StrCat(path_, ":", line_number_ + 1, ": read failed"));
    }
    return false;
  }
  ++line_number_;
  absl::string_view line(buffer, static_cast<size_t>(n));
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const size_t nul = line.find('\0');
  if (nul != absl::string_view::npos) {
    return Error(absl::StrCat("NUL byte at character ", nul + 1, " (is this a binary file?)"));
  }
  *fields = absl::StrSplit(line, '\t');
  return true;
}

absl::Status TsvReader::Error(absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(path_, ":", line_number_, ": ", message));
}

absl::StatusOr<std::vector<TsvRow>> ReadTsv(const std::string& path, int columns) {
  absl::StatusOr<TsvReader> reader = TsvReader::Open(path);
  if (!reader.ok()) return reader.status();
  std::vector<TsvRow> rows;
  const bool from_first_line = columns == kTsvColumnsOfFirstLine;
  TsvRow row;
  while (true) {
    absl::StatusOr<bool> more = reader->Next(&row);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (columns == kTsvColumnsOfFirstLine) columns = static_cast<int>(row.size());
    if (columns > 0 && row.size() != static_cast<size_t>(columns)) {
      return reader->Error(absl::StrCat("expected ", columns, " tab-separated fields",
                                        from_first_line ? " (as on line 1)" : "", ", found ",
                                        row.size()));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace siamese
