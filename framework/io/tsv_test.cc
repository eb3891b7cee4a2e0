#include "framework/io/tsv.h"

#include <string>
#include <vector>

#include "framework/io/atomic_file.h"
#include "framework/io/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::siamese::testing_io::NewTestDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string WriteTemp(const std::string& bytes) {
  const std::string path = NewTestDir() + "/t.tsv";
  EXPECT_TRUE(WriteFileAtomically(path, bytes).ok());
  return path;
}

TEST(TsvTest, WriteProducesTabsAndNewlines) {
  const std::string path = NewTestDir() + "/meta.tsv";
  ASSERT_TRUE(WriteTsv(path, {{"label", "name"}, {"3", "dress"}, {"", "x"}}).ok());
  EXPECT_EQ(*ReadFile(path), "label\tname\n3\tdress\n\tx\n");
}

TEST(TsvTest, RoundTrip) {
  const std::string path = NewTestDir() + "/rows.tsv";
  const std::vector<TsvRow> rows = {{"0.5", "-1", "2e3"}, {"a b", "", "c"}};
  ASSERT_TRUE(WriteTsv(path, rows).ok());
  auto read = ReadTsv(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, rows);
}

TEST(TsvTest, WriteRefusesFieldsWithSeparators) {
  const std::string dir = NewTestDir();
  const std::string path = dir + "/bad.tsv";
  absl::Status status = WriteTsv(path, {{"ok"}, {"fine", "tab\there"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(path + ": cannot write TSV: row 2, column 2 contains a "
                                                 "tab at character 4"));
  status = WriteTsv(path, {{"line\nbreak"}});
  EXPECT_THAT(status.message(), HasSubstr("contains a line break (\\n)"));
  status = WriteTsv(path, {{"cr\r"}});
  EXPECT_THAT(status.message(), HasSubstr("contains a carriage return (\\r)"));
  EXPECT_TRUE(testing_io::ListDir(dir).empty());
}

TEST(TsvTest, ReaderHandlesLineEndingsAndEmptyLines) {
  const std::string path = WriteTemp("a\tb\r\n\nc\td");  // No final newline.
  auto reader = TsvReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  TsvRow row;
  EXPECT_EQ(reader->line_number(), 0);
  ASSERT_TRUE(*reader->Next(&row));
  EXPECT_THAT(row, ElementsAre("a", "b"));
  ASSERT_TRUE(*reader->Next(&row));
  EXPECT_THAT(row, ElementsAre(""));
  ASSERT_TRUE(*reader->Next(&row));
  EXPECT_THAT(row, ElementsAre("c", "d"));
  EXPECT_EQ(reader->line_number(), 3);
  EXPECT_FALSE(*reader->Next(&row));
  EXPECT_TRUE(row.empty());
  EXPECT_FALSE(*reader->Next(&row));
}

TEST(TsvTest, EmptyFileHasNoRows) {
  auto rows = ReadTsv(WriteTemp(""));
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_TRUE(rows->empty());
}

TEST(TsvTest, ErrorsNamePathAndLine) {
  const std::string path = WriteTemp("a\tb\tc\n1\t2\t3\n4\t5\n");
  auto rows = ReadTsv(path);
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rows.status().message(), path +
                                         ":3: expected 3 tab-separated fields (as on line 1), "
                                         "found 2");
  rows = ReadTsv(path, 2);
  EXPECT_EQ(rows.status().message(), path + ":1: expected 2 tab-separated fields, found 3");
  rows = ReadTsv(path, kTsvAnyColumns);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->size(), 3u);
}

TEST(TsvTest, CallersReportFieldErrorsThroughTheReader) {
  const std::string path = WriteTemp("7\n8\nbanana\n");
  auto reader = TsvReader::Open(path);
  ASSERT_TRUE(reader.ok());
  TsvRow row;
  absl::Status status;
  while (*reader->Next(&row)) {
    if (row[0].find_first_not_of("0123456789") != std::string::npos) {
      status = reader->Error("label '" + row[0] + "' is not an integer");
      break;
    }
  }
  EXPECT_EQ(status.message(), path + ":3: label 'banana' is not an integer");
}

TEST(TsvTest, BinaryFileIsReported) {
  const std::string path = WriteTemp(std::string("ok\nab\0cd\n", 9));
  auto rows = ReadTsv(path, kTsvAnyColumns);
  EXPECT_THAT(rows.status().message(), HasSubstr(path + ":2: NUL byte at character 3 (is this a "
                                                        "binary file?)"));
}

TEST(TsvTest, MissingFileAndDirectory) {
  const std::string dir = NewTestDir();
  auto rows = ReadTsv(dir + "/missing.tsv");
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(rows.status().message(),
              HasSubstr(dir + "/missing.tsv: cannot open TSV file: No such "
                              "file or directory"));
  rows = ReadTsv(dir);
  EXPECT_THAT(rows.status().message(), HasSubstr(dir + ": is a directory"));
}

}  // namespace
}  // namespace siamese
