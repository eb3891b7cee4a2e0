#include "framework/io/npz.h"

#include <string>
#include <vector>

#include "framework/io/atomic_file.h"
#include "framework/io/npy.h"
#include "framework/io/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zlib.h"

namespace siamese {
namespace {

using ::siamese::testing_io::NewTestDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Written by numpy.savez and numpy.savez_compressed
// (tools/pytorch_fixture/make_fixture.py).
constexpr char kStored[] = "tests/pytorch_fixture/fixture.npz";
constexpr char kDeflated[] = "tests/pytorch_fixture/fixture_deflated.npz";

TEST(NpzTest, RoundTripKeepsOrderNamesShapesAndValues) {
  const std::string path = NewTestDir() + "/w.npz";
  TensorArchive a;
  a.tensors.push_back({"conv0.weight", {2, 1, 2}, "F32", {1, -2, 3.5f, 4}});
  a.tensors.push_back({"b", {}, "F32", {9}});
  a.tensors.push_back({"empty", {0}, "F32", {}});
  ASSERT_TRUE(WriteNpz(path, a).ok());
  auto b = ReadNpz(path);
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(b->tensors.size(), 3u);
  EXPECT_EQ(b->tensors[0].name, "conv0.weight");
  EXPECT_THAT(b->tensors[0].shape, ElementsAre(2, 1, 2));
  EXPECT_THAT(b->tensors[0].data, ElementsAre(1, -2, 3.5f, 4));
  EXPECT_EQ(b->tensors[1].name, "b");
  EXPECT_TRUE(b->tensors[1].shape.empty());
  EXPECT_THAT(b->tensors[1].data, ElementsAre(9));
  EXPECT_EQ(b->tensors[2].name, "empty");
  // Each entry is a plain .npy file, stored: its header is in the archive.
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_THAT(*bytes, HasSubstr("conv0.weight.npy\x93NUMPY"));
}

TEST(NpzTest, ReadsNumpySavezStoredAndDeflatedAlike) {
  auto stored = ReadNpz(kStored);
  ASSERT_TRUE(stored.ok()) << stored.status();
  auto deflated = ReadNpz(kDeflated);
  ASSERT_TRUE(deflated.ok()) << deflated.status();
  ASSERT_EQ(stored->tensors.size(), 14u);  // the state_dict less num_batches_tracked
  ASSERT_EQ(deflated->tensors.size(), stored->tensors.size());
  EXPECT_EQ(stored->tensors[0].name, "features.0.weight");
  EXPECT_THAT(stored->tensors[0].shape, ElementsAre(4, 1, 3, 3));
  for (size_t i = 0; i < stored->tensors.size(); ++i) {
    EXPECT_EQ(deflated->tensors[i].name, stored->tensors[i].name);
    EXPECT_EQ(deflated->tensors[i].shape, stored->tensors[i].shape);
    EXPECT_EQ(deflated->tensors[i].data, stored->tensors[i].data) << stored->tensors[i].name;
  }
  // The deflated file is really compressed (else this test proves nothing).
  auto a = ReadFile(kStored), b = ReadFile(kDeflated);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LT(b->size(), a->size());
}

TEST(NpzTest, CorruptionIsReportedWithEntryAndOffset) {
  const std::string dir = NewTestDir();
  TensorArchive a;
  a.tensors.push_back({"w", {4}, "F32", {1, 2, 3, 4}});
  ASSERT_TRUE(WriteNpz(dir + "/ok.npz", a).ok());
  auto bytes = ReadFile(dir + "/ok.npz");
  ASSERT_TRUE(bytes.ok());
  // Local header 30 + "w.npy" 5 + .npy header 128: the first value's byte.
  std::string flipped = *bytes;
  flipped[30 + 5 + 128] ^= 0x40;
  ASSERT_TRUE(WriteFileAtomically(dir + "/crc.npz", flipped).ok());
  absl::Status s = ReadNpz(dir + "/crc.npz").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.ToString(), HasSubstr(dir + "/crc.npz: w.npy: CRC-32 mismatch in the data at "
                                            "byte offset 35"));

  ASSERT_TRUE(WriteFileAtomically(dir + "/cut.npz", bytes->substr(0, 100)).ok());
  s = ReadNpz(dir + "/cut.npz").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.ToString(),
              HasSubstr("cut.npz: not an .npz (zip) file: no end-of-central-directory"));

  // The end record intact, the central directory cut off before it.
  std::string short_file = bytes->substr(0, 50) + bytes->substr(bytes->size() - 22);
  ASSERT_TRUE(WriteFileAtomically(dir + "/short.npz", short_file).ok());
  s = ReadNpz(dir + "/short.npz").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.ToString(), HasSubstr("short.npz: central directory at byte offset 179 (51 bytes) "
                                      "runs past the end record at byte offset 50"));
}

TEST(NpzTest, NonFloatEntriesAreRejectedNamingTheEntry) {
  const std::string dir = NewTestDir();
  ASSERT_TRUE(WriteNpyInt64(dir + "/x.npy", std::vector<int64_t>{5}.data(), {1}).ok());
  auto npy = ReadFile(dir + "/x.npy");
  ASSERT_TRUE(npy.ok());
  TensorArchive a;
  a.tensors.push_back({"x", {2}, "F32", {0, 0}});  // as many bytes as the int64 [1] array
  ASSERT_TRUE(WriteNpz(dir + "/f.npz", a).ok());
  auto zip = ReadFile(dir + "/f.npz");
  ASSERT_TRUE(zip.ok());
  ASSERT_EQ(npy->size(), 136u);
  // Swap in the int64 array and its CRC (local header at 0, central at 171).
  std::string patched = *zip;
  patched.replace(30 + 5, npy->size(), *npy);
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(npy->data()), static_cast<uInt>(npy->size())));
  for (size_t at : {size_t{14}, size_t{171 + 16}}) {
    for (int i = 0; i < 4; ++i) patched[at + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
  }
  ASSERT_TRUE(WriteFileAtomically(dir + "/i.npz", patched).ok());
  const absl::Status s = ReadNpz(dir + "/i.npz").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.ToString(), HasSubstr(dir + "/i.npz: x.npy: .npy dtype is '<i8': expected '<f4'"));
}

}  // namespace
}  // namespace siamese
