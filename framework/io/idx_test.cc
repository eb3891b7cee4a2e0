#include "framework/io/idx.h"

#include <sys/stat.h>
#include <zlib.h>

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

// In-memory gzip (with header and CRC trailer) of `data`.
std::string Gzip(const std::string& data) {
  z_stream strm{};
  EXPECT_EQ(
      deflateInit2(&strm, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
      Z_OK);
  std::string out(deflateBound(&strm, data.size()) + 64, '\0');
  strm.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  strm.avail_in = data.size();
  strm.next_out = reinterpret_cast<Bytef*>(&out[0]);
  strm.avail_out = out.size();
  EXPECT_EQ(deflate(&strm, Z_FINISH), Z_STREAM_END);
  out.resize(strm.total_out);
  deflateEnd(&strm);
  return out;
}

// A 10 x 28 x 28 image array with distinct-ish bytes, and its IDX encoding.
IdxArray Images() {
  IdxArray images;
  images.dims = {10, 28, 28};
  for (int i = 0; i < 10 * 28 * 28; ++i) {
    images.data.push_back(static_cast<uint8_t>((i * 7 + i / 13) & 0xFF));
  }
  return images;
}

std::string Encode(const IdxArray& array) {
  const std::string path = NewTestDir() + "/encoded.idx";
  EXPECT_TRUE(WriteIdx(path, array).ok());
  return *ReadFile(path);
}

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  const std::string path = NewTestDir() + "/" + name;
  EXPECT_TRUE(WriteFileAtomically(path, bytes).ok());
  return path;
}

TEST(IdxTest, RawRoundTrip) {
  const IdxArray images = Images();
  const std::string bytes = Encode(images);
  ASSERT_EQ(bytes.size(), 16u + 7840u);
  EXPECT_EQ(bytes.substr(0, 16), std::string("\0\0\x08\x03\0\0\0\x0a\0\0\0\x1c\0\0\0\x1c", 16));
  auto read = ReadIdx(WriteTemp("images.idx", bytes));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->dims, images.dims);
  EXPECT_EQ(read->data, images.data);
}

TEST(IdxTest, GzipIsDetectedByContentNotName) {
  const IdxArray images = Images();
  auto read = ReadIdx(WriteTemp("no_suffix", Gzip(Encode(images))));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->dims, images.dims);
  EXPECT_EQ(read->data, images.data);
  // And a raw file with a .gz name is read as raw.
  read = ReadIdx(WriteTemp("raw.gz", Encode(images)));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->data, images.data);
}

TEST(IdxTest, ConcatenatedGzipMembersAreOneStream) {
  const std::string bytes = Encode(Images());
  auto read = ReadIdx(WriteTemp("two.gz", Gzip(bytes.substr(0, 1000)) + Gzip(bytes.substr(1000))));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->data, Images().data);
}

TEST(IdxTest, LabelsAndEmptyDims) {
  IdxArray labels{{5}, {0, 1, 2, 9, 4}};
  auto read = ReadIdx(WriteTemp("labels", Encode(labels)));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(read->dims, ElementsAre(5));
  EXPECT_THAT(read->data, ElementsAre(0, 1, 2, 9, 4));
  IdxArray empty{{0, 28, 28}, {}};
  read = ReadIdx(WriteTemp("empty", Encode(empty)));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(read->dims, ElementsAre(0, 28, 28));
  EXPECT_TRUE(read->data.empty());
}

TEST(IdxTest, MissingFileIsNotFoundNamingPath) {
  const std::string path = NewTestDir() + "/train-images-idx3-ubyte.gz";
  auto read = ReadIdx(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(read.status().message(), HasSubstr(path + ": cannot open"));
  EXPECT_THAT(read.status().message(), HasSubstr("No such file or directory"));
}

TEST(IdxTest, DirectoryIsAClearError) {
  const std::string dir = NewTestDir();
  auto read = ReadIdx(dir);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(read.status().message(), HasSubstr(dir + ": is a directory"));
}

TEST(IdxTest, BadMagicNamesOffsetZeroAndBytesFound) {
  const std::string path = WriteTemp("zip", std::string("PK\x03\x04rest", 8));
  auto read = ReadIdx(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(read.status().message(),
              HasSubstr(path + ": not an IDX file: bad magic number at byte "
                               "offset 0: expected 00 00 08 <rank> or 00 00 0c <rank>, found "
                               "50 4b 03 04"));
}

TEST(IdxTest, BadMagicInsideGzipSaysDecompressed) {
  const std::string path = WriteTemp("text.gz", Gzip("hello, world"));
  auto read = ReadIdx(path);
  EXPECT_THAT(read.status().message(),
              HasSubstr("byte offset 0 of the decompressed stream: expected "
                        "00 00 08 <rank> or 00 00 0c <rank>, found 68 65 6c 6c"));
}

TEST(IdxTest, UnsupportedTypeIsNamed) {
  const std::string path = WriteTemp("floats", std::string("\0\0\x0d\x01\0\0\0\x01\0\0\0\0", 12));
  auto read = ReadIdx(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(read.status().message(),
              HasSubstr(path + ": unsupported IDX element type 0x0d (float32) "
                               "at byte offset 2: only 0x08 (unsigned byte) "
                               "and 0x0c (int32) are supported"));
}

// Labels of more than 256 classes: int32 (type 0x0C), big-endian.
TEST(IdxTest, Int32LabelsRoundTripBigEndian) {
  IdxArray labels{{3}, {}, kIdxInt32, {0, 300, 70000}};
  const std::string path = NewTestDir() + "/labels32.idx";
  ASSERT_TRUE(WriteIdx(path, labels).ok());
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, std::string("\0\0\x0c\x01\0\0\0\x03"
                                "\0\0\0\0\0\0\x01\x2c\0\x01\x11\x70",
                                20));
  auto read = ReadIdx(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->type, kIdxInt32);
  EXPECT_THAT(read->int32s, ElementsAre(0, 300, 70000));
  EXPECT_TRUE(read->data.empty());
  EXPECT_EQ(read->at(1), 300);
}

TEST(IdxTest, TruncatedInt32LabelsCountBytes) {
  // Two int32 labels need 8 data bytes; 5 are there.
  const std::string path =
      WriteTemp("cut32", std::string("\0\0\x0c\x01\0\0\0\x02\0\0\x01\x2c\0", 13));
  auto read = ReadIdx(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(),
              HasSubstr(path + ": truncated at byte offset 13: expected 8 bytes of label data "
                               "(dims [2], int32) starting at byte offset 8, got 5"));
}

TEST(IdxTest, Int32CountMismatchIsNotWritten) {
  IdxArray labels{{3}, {}, kIdxInt32, {1, 2}};
  absl::Status s = WriteIdx(NewTestDir() + "/bad32.idx", labels);
  EXPECT_THAT(s.message(), HasSubstr("need 3 int32 values of data, got 2"));
}

TEST(IdxTest, RankZeroIsRejected) {
  auto read = ReadIdx(WriteTemp("rank0", std::string("\0\0\x08\0", 4)));
  EXPECT_THAT(read.status().message(),
              HasSubstr("IDX rank 0 at byte offset 3: expected at least one "
                        "dimension"));
}

TEST(IdxTest, EmptyAndShortFilesAreTruncated) {
  const std::string empty = WriteTemp("empty", "");
  auto read = ReadIdx(empty);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), HasSubstr(empty + ": truncated at byte offset 0: expected 4 "
                                                         "bytes of IDX magic number"));
  EXPECT_THAT(read.status().message(), HasSubstr("(the file is empty)"));

  const std::string header = Encode(Images()).substr(0, 10);
  read = ReadIdx(WriteTemp("header", header));
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(),
              HasSubstr(": truncated at byte offset 10: expected 12 bytes of "
                        "dimension sizes (rank 3) starting at byte offset 4, "
                        "got 6"));
}

TEST(IdxTest, TruncatedMidImageNamesOffsetAndImage) {
  // Cut 12 bytes into image 3.
  const std::string bytes = Encode(Images()).substr(0, 16 + 3 * 784 + 12);
  const std::string path = WriteTemp("cut", bytes);
  auto read = ReadIdx(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(),
              HasSubstr(path + ": truncated at byte offset 2380: expected 7840 "
                               "bytes of image data (dims [10, 28, 28]) "
                               "starting at byte offset 16, got 2364"));
  EXPECT_THAT(read.status().message(),
              HasSubstr("image 3 (0-based) of 10 is cut after 12 of its 784 "
                        "bytes"));
}

TEST(IdxTest, TruncatedAtImageBoundaryCountsCompleteImages) {
  const std::string bytes = Encode(Images()).substr(0, 16 + 4 * 784);
  auto read = ReadIdx(WriteTemp("cut", bytes));
  EXPECT_THAT(read.status().message(), HasSubstr("only 4 of 10 images are complete"));
}

TEST(IdxTest, TruncatedLabels) {
  IdxArray labels{{100}, std::vector<uint8_t>(100, 3)};
  auto read = ReadIdx(WriteTemp("labels", Encode(labels).substr(0, 8 + 40)));
  EXPECT_THAT(read.status().message(),
              HasSubstr("truncated at byte offset 48: expected 100 bytes of "
                        "label data (dims [100]) starting at byte offset 8, "
                        "got 40"));
}

TEST(IdxTest, TruncatedGzipCountsDecompressedOffsets) {
  const std::string gz = Gzip(Encode(Images()));
  ASSERT_GT(gz.size(), 200u);
  const std::string path = WriteTemp("cut.gz", gz.substr(0, gz.size() / 2));
  auto read = ReadIdx(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  const std::string message(read.status().message());
  EXPECT_THAT(message, HasSubstr(path + ": truncated at byte offset "));
  EXPECT_THAT(message, HasSubstr(" of the decompressed stream: expected 7840 bytes of "
                                 "image data (dims [10, 28, 28])"));
  EXPECT_THAT(message, HasSubstr(absl::StrCat("the gzip stream ends early: the "
                                              "compressed file is cut after ",
                                              gz.size() / 2, " bytes")));

  // Cut inside the gzip header: nothing decompressed yet.
  read = ReadIdx(WriteTemp("cut_header.gz", gz.substr(0, 5)));
  EXPECT_THAT(read.status().message(), HasSubstr("truncated at byte offset 0 of the decompressed "
                                                 "stream: expected 4 bytes of IDX magic number"));
}

TEST(IdxTest, GzipWithoutTrailerIsReported) {
  const std::string gz = Gzip(Encode(Images()));
  const std::string path = WriteTemp("no_trailer.gz", gz.substr(0, gz.size() - 8));
  auto read = ReadIdx(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), HasSubstr(path + ": the gzip stream ends early"));
  EXPECT_THAT(read.status().message(),
              HasSubstr("before the gzip end-of-stream marker and CRC (all "
                        "7840 data bytes were read)"));
}

TEST(IdxTest, GzipCrcMismatchIsCorruption) {
  std::string gz = Gzip(Encode(Images()));
  gz[gz.size() - 6] ^= 0x55;  // Inside the CRC-32 of the trailer.
  const std::string path = WriteTemp("bad_crc.gz", gz);
  auto read = ReadIdx(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), HasSubstr(path + ": corrupt gzip data near compressed byte "
                                                        "offset "));
  EXPECT_THAT(read.status().message(), HasSubstr("incorrect data check"));
}

TEST(IdxTest, TrailingBytesAreReported) {
  const std::string path = WriteTemp("trailing", Encode(Images()) + "x");
  auto read = ReadIdx(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), HasSubstr(path + ": unexpected trailing data at byte offset "
                                                        "7856: dims [10, 28, 28] declare 7840 data "
                                                        "bytes"));
  // Inside the compressed stream.
  read = ReadIdx(WriteTemp("trailing.gz", Gzip(Encode(Images()) + "xyz")));
  EXPECT_THAT(read.status().message(),
              HasSubstr("unexpected trailing data at byte offset 7856 of the "
                        "decompressed stream"));
}

TEST(IdxTest, GarbageAfterGzipStreamIsReported) {
  const std::string gz = Gzip(Encode(Images()));
  const std::string path = WriteTemp("junk.gz", gz + "JUNK");
  auto read = ReadIdx(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(),
              HasSubstr(absl::StrCat(path,
                                     ": unexpected bytes after the end of the "
                                     "gzip stream at compressed byte offset ",
                                     gz.size(), " (found 4a 55 4e 4b")));
}

TEST(IdxTest, WriteRejectsInconsistentArrays) {
  const std::string dir = NewTestDir();
  absl::Status status = WriteIdx(dir + "/a", IdxArray{{2, 3}, {1, 2, 3}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(dir + "/a: cannot write IDX: dims [2, 3] need 6 bytes "
                                                "of data, got 3"));
  status = WriteIdx(dir + "/b", IdxArray{{}, {}});
  EXPECT_THAT(status.message(), HasSubstr("rank 0: expected 1 to 255"));
  status = WriteIdx(dir + "/c", IdxArray{{-1}, {}});
  EXPECT_THAT(status.message(), HasSubstr("each must be in 0..2^32-1"));
  EXPECT_TRUE(testing_io::ListDir(dir).empty());
}

constexpr char kFashionMnist[] = "/usr/share/datasets/fashion-mnist/";

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

TEST(IdxTest, RealFashionMnistTestLabels) {
  const std::string path = std::string(kFashionMnist) + "t10k-labels-idx1-ubyte.gz";
  if (!Exists(path)) GTEST_SKIP() << path << " is not installed";
  auto labels = ReadIdx(path);
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_THAT(labels->dims, ElementsAre(10000));
  std::vector<int> counts(10, 0);
  for (uint8_t label : labels->data) {
    ASSERT_LT(label, 10);
    ++counts[label];
  }
  for (int c = 0; c < 10; ++c) EXPECT_EQ(counts[c], 1000) << "class " << c;
}

TEST(IdxTest, RealFashionMnistTestImages) {
  const std::string path = std::string(kFashionMnist) + "t10k-images-idx3-ubyte.gz";
  if (!Exists(path)) GTEST_SKIP() << path << " is not installed";
  auto images = ReadIdx(path);
  ASSERT_TRUE(images.ok()) << images.status();
  EXPECT_THAT(images->dims, ElementsAre(10000, 28, 28));
  EXPECT_EQ(images->data.size(), 10000u * 28 * 28);
}

}  // namespace
}  // namespace siamese
