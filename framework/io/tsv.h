// Tab-separated text files: one record per line, fields separated by '\t'.
// Used by text datasets and the TensorBoard projector (metadata.tsv,
// tensors.tsv). There is no quoting: a field cannot contain a tab or a line
// break, and the writer refuses such fields instead of mangling them.
#ifndef SIAMESE_FRAMEWORK_IO_TSV_H_
#define SIAMESE_FRAMEWORK_IO_TSV_H_

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace siamese {

using TsvRow = std::vector<std::string>;

// Writes `rows` to `path` atomically, each row as its fields joined by '\t'
// and ended by '\n'. A row with no fields is an empty line.
// Errors: InvalidArgument naming the row and column (1-based, as shown by
// the reader) of a field that contains '\t', '\n' or '\r'; I/O errors name
// the path.
absl::Status WriteTsv(const std::string& path, const std::vector<TsvRow>& rows);

// Reads a TSV file line by line. Lines end in "\n" or "\r\n"; the last one
// may lack it. An empty line is a row with one empty field. Errors have the
// form "<path>:<line>: <what>", also for callers validating fields through
// Error().
class TsvReader {
 public:
  // Opens `path`. Errors: the system's reason, naming the path.
  static absl::StatusOr<TsvReader> Open(const std::string& path);

  TsvReader(TsvReader&&) = default;
  TsvReader& operator=(TsvReader&&) = default;

  // Reads the next line into `fields`. Returns false at end of file (then
  // `fields` is empty). Errors: a NUL byte in the line (a binary file?),
  // read failures.
  absl::StatusOr<bool> Next(TsvRow* fields);

  // 1-based number of the line last returned by Next(); 0 before the first.
  int64_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

  // InvalidArgument "<path>:<line>: <message>" for the current line.
  absl::Status Error(absl::string_view message) const;

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  TsvReader(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}

  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  int64_t line_number_ = 0;
};

// Column-count rule for ReadTsv.
constexpr int kTsvAnyColumns = -1;         // Lines may differ.
constexpr int kTsvColumnsOfFirstLine = 0;  // All lines as wide as line 1.

// Reads the whole file. `columns` > 0 requires exactly that many fields on
// every line; see the constants above for the other choices. Errors:
// those of TsvReader, and "<path>:<line>: expected N tab-separated fields,
// found M" (InvalidArgument).
absl::StatusOr<std::vector<TsvRow>> ReadTsv(const std::string& path,
                                            int columns = kTsvColumnsOfFirstLine);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_TSV_H_
