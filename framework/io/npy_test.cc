#include "framework/io/npy.h"

#include <cstdlib>
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

// The preamble NumPy's format spec prescribes, written out by hand:
// magic, version 1.0, little-endian header length, dict, spaces, '\n'.
TEST(NpyTest, HeaderBytesMatchSpec) {
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
  ASSERT_EQ(dict.size(), 59u);
  // 10 + 59 + 58 spaces + '\n' = 128.
  const std::string expected =
      std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict + std::string(58, ' ') + "\n";
  EXPECT_EQ(NpyHeader("<f4", {3, 4}), expected);
  EXPECT_EQ(expected.size(), 128u);
}

TEST(NpyTest, HeaderShapesUsePythonTupleSyntax) {
  const std::string one_d = NpyHeader("<i8", {5});
  EXPECT_EQ(one_d.size(), 128u);
  EXPECT_EQ(one_d.substr(10, 57), "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }");
  EXPECT_EQ(one_d.back(), '\n');
  const std::string scalar = NpyHeader("<f4", {});
  EXPECT_EQ(scalar.substr(10, 55), "{'descr': '<f4', 'fortran_order': False, 'shape': (), }");
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{},
                                            {1},
                                            {7, 1},
                                            {2, 3, 4},
                                            {100000, 128},
                                            {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}) {
    const std::string header = NpyHeader("<f4", shape);
    EXPECT_EQ(header.size() % 64, 0u) << header;
    EXPECT_EQ(header.back(), '\n');
    const size_t length = static_cast<uint8_t>(header[8]) | (static_cast<uint8_t>(header[9]) << 8);
    EXPECT_EQ(length + 10, header.size());
  }
}

TEST(NpyTest, FileIsHeaderThenLittleEndianData) {
  const std::string path = NewTestDir() + "/x.npy";
  const float data[] = {1.0f, -2.5f};
  ASSERT_TRUE(WriteNpy(path, data, {2}).ok());
  const std::string bytes = *ReadFile(path);
  ASSERT_EQ(bytes.size(), 128u + 8u);
  EXPECT_EQ(bytes.substr(0, 128), NpyHeader("<f4", {2}));
  // IEEE-754 binary32: 1.0 = 3f800000, -2.5 = c0200000, little-endian.
  EXPECT_EQ(bytes.substr(128), std::string("\x00\x00\x80\x3f\x00\x00\x20\xc0", 8));
}

TEST(NpyTest, FloatRoundTrip) {
  const std::string path = NewTestDir() + "/emb.npy";
  std::vector<float> data;
  for (int i = 0; i < 3 * 5 * 7; ++i) data.push_back(0.25f * i - 3.0f);
  ASSERT_TRUE(WriteNpy(path, data.data(), {3, 5, 7}).ok());
  auto read = ReadNpy(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(read->shape, ElementsAre(3, 5, 7));
  EXPECT_EQ(read->data, data);
}

TEST(NpyTest, Int64RoundTripAndEmptyArrays) {
  const std::string dir = NewTestDir();
  const int64_t labels[] = {0, 9, -1, int64_t{1} << 40};
  ASSERT_TRUE(WriteNpyInt64(dir + "/labels.npy", labels, {4}).ok());
  auto read = ReadNpyInt64(dir + "/labels.npy");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(read->shape, ElementsAre(4));
  EXPECT_THAT(read->data, ElementsAre(0, 9, -1, int64_t{1} << 40));

  ASSERT_TRUE(WriteNpy(dir + "/empty.npy", nullptr, {0, 128}).ok());
  auto empty = ReadNpy(dir + "/empty.npy");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_THAT(empty->shape, ElementsAre(0, 128));
  EXPECT_TRUE(empty->data.empty());
}

TEST(NpyTest, WriteRejectsBadShapes) {
  const std::string dir = NewTestDir();
  const float x = 1;
  absl::Status status = WriteNpy(dir + "/a.npy", &x, {2, -1});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(dir + "/a.npy: cannot write .npy of shape (2, -1)"));
  status = WriteNpy(dir + "/b.npy", nullptr, {3});
  EXPECT_THAT(status.message(), HasSubstr("shape (3,): data is null"));
  EXPECT_TRUE(testing_io::ListDir(dir).empty());
}

// Writes `header_dict` (without padding) as a v1.0 .npy plus `data`.
std::string RawNpy(const std::string& header_dict, const std::string& data) {
  const std::string header = header_dict + "\n";
  return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size() & 0xFF) +
         static_cast<char>(header.size() >> 8) + header + data;
}

std::string WriteTemp(const std::string& bytes) {
  const std::string path = NewTestDir() + "/t.npy";
  EXPECT_TRUE(WriteFileAtomically(path, bytes).ok());
  return path;
}

std::string ReadError(const std::string& bytes) {
  return std::string(ReadNpy(WriteTemp(bytes)).status().message());
}

TEST(NpyTest, ReaderAcceptsOtherKeyOrderAndQuotes) {
  const std::string path =
      WriteTemp(RawNpy("{\"shape\": (2,), 'fortran_order': False, 'descr': '<f4'}",
                       std::string("\0\0\x80\x3f\0\0\0\x40", 8)));
  auto read = ReadNpy(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(read->data, ElementsAre(1.0f, 2.0f));
}

TEST(NpyTest, ReadErrorsNamePathAndOffset) {
  const std::string missing = NewTestDir() + "/missing.npy";
  EXPECT_EQ(ReadNpy(missing).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(ReadNpy(missing).status().message(), HasSubstr(missing));

  const std::string path = WriteTemp("PK\x03\x04 not npy");
  EXPECT_THAT(ReadNpy(path).status().message(),
              HasSubstr(path + ": not a .npy file: bad magic at byte offset 0: "
                               "expected 93 4e 55 4d 50 59 (\"\\x93NUMPY\"), "
                               "found 50 4b 03 04 20 6e"));
  EXPECT_THAT(ReadError(std::string("\x93NUM", 4)),
              HasSubstr("truncated at byte offset 4: expected the 8-byte .npy "
                        "magic and version"));
  EXPECT_THAT(ReadError(std::string("\x93NUMPY\x04\x00\x10\x00", 10)),
              HasSubstr("unsupported .npy format version 4.0 at byte offset 6"));
  EXPECT_THAT(ReadError(std::string("\x93NUMPY\x01\x00\x40\x00{", 11)),
              HasSubstr("truncated at byte offset 11: expected 64 bytes of "
                        ".npy header starting at byte offset 10"));
}

TEST(NpyTest, MalformedHeadersAreReportedAtTheirOffset) {
  EXPECT_THAT(ReadError(RawNpy("{'descr': '<f4', 'fortran_order': Nope, 'shape': ()}", "")),
              HasSubstr("malformed .npy header at byte offset 44: expected True or "
                        "False, found 'Nope, 'shape': ()}'"));
  EXPECT_THAT(ReadError(RawNpy("{'descr': '<f4', 'shape': (2,)}", "")),
              HasSubstr("must contain 'descr', 'fortran_order' and 'shape'"));
  EXPECT_THAT(ReadError(RawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': "
                               "(2, x)}",
                               "")),
              HasSubstr("expected a tuple of non-negative ints"));
  EXPECT_THAT(ReadError(RawNpy("{'descr': '<f4', 'extra': 1}", "")),
              HasSubstr("unexpected key 'extra'"));
  // No terminating newline.
  EXPECT_THAT(ReadError(std::string("\x93NUMPY\x01\x00\x02\x00{}", 12)),
              HasSubstr("malformed .npy header at byte offset 11: expected it to end "
                        "with '\\n'"));
}

TEST(NpyTest, WrongDtypeOrOrderIsNamed) {
  const std::string path = NewTestDir() + "/labels.npy";
  const int64_t labels[] = {1, 2};
  ASSERT_TRUE(WriteNpyInt64(path, labels, {2}).ok());
  EXPECT_THAT(ReadNpy(path).status().message(),
              HasSubstr(path + ": .npy dtype is '<i8': expected '<f4' "
                               "(float32, little-endian)"));
  EXPECT_THAT(ReadError(RawNpy("{'descr': '<f4', 'fortran_order': True, 'shape': "
                               "(1,)}",
                               "abcd")),
              HasSubstr("Fortran order: expected C order"));
}

TEST(NpyTest, TruncatedAndTrailingDataAreDataLoss) {
  const std::string dir = NewTestDir();
  std::vector<float> data(12, 1.5f);
  ASSERT_TRUE(WriteNpy(dir + "/full.npy", data.data(), {3, 4}).ok());
  const std::string bytes = *ReadFile(dir + "/full.npy");
  ASSERT_EQ(bytes.size(), 128u + 48u);

  const std::string cut = WriteTemp(bytes.substr(0, 150));
  auto read = ReadNpy(cut);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(),
              HasSubstr(cut + ": truncated at byte offset 150: expected 48 "
                              "bytes of '<f4' data for shape (3, 4) starting "
                              "at byte offset 128, got 22"));

  const std::string longer = WriteTemp(bytes + "zz");
  read = ReadNpy(longer);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(),
              HasSubstr(longer + ": unexpected trailing data at byte offset "
                                 "176: shape (3, 4) of '<f4' declares 48 data "
                                 "bytes"));
}

// Optional cross-check with NumPy itself, when it is installed.
TEST(NpyTest, NumpyReadsWhatWeWrite) {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 with numpy is not available";
  }
  const std::string path = NewTestDir() + "/check.npy";
  const float data[] = {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f};
  ASSERT_TRUE(WriteNpy(path, data, {2, 3}).ok());
  const std::string command =
      "/usr/bin/python3 -c \"import numpy as np, sys; a = np.load(sys.argv[1]);"
      " sys.exit(0 if a.dtype == np.float32 and a.shape == (2, 3) and "
      "a[1, 2] == 5.5 else 1)\" " +
      path;
  EXPECT_EQ(std::system(command.c_str()), 0);
}

}  // namespace
}  // namespace siamese
