#include "framework/io/checksum.h"

#include <string>

#include "framework/io/atomic_file.h"
#include "framework/io/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::siamese::testing_io::NewTestDir;
using ::testing::HasSubstr;

// FIPS 180-4 / NIST CSRC example vectors.
TEST(Sha256Test, StandardVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                      "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Message lengths around the padding boundary (one vs two final blocks);
// expected values from coreutils sha256sum.
TEST(Sha256Test, PaddingBoundaries) {
  EXPECT_EQ(Sha256Hex(std::string(55, 'a')),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(Sha256Hex(std::string(56, 'a')),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(Sha256Hex(std::string(63, 'a')),
            "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
  EXPECT_EQ(Sha256Hex(std::string(64, 'a')),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  EXPECT_EQ(Sha256Hex(std::string(119, 'a')),
            "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb");
}

TEST(Sha256Test, IncrementalUpdatesMatchOneShotAtEverySplit) {
  std::string message;
  for (int i = 0; i < 200; ++i) message += static_cast<char>(i * 37 + 11);
  const std::string expected = Sha256Hex(message);
  for (size_t split = 0; split <= message.size(); ++split) {
    for (size_t second : {size_t{0}, size_t{1}, size_t{64}}) {
      const size_t mid = std::min(message.size(), split + second);
      Sha256 hasher;
      hasher.Update(absl::string_view(message).substr(0, split));
      hasher.Update(absl::string_view(message).substr(split, mid - split));
      hasher.Update(absl::string_view(message).substr(mid));
      ASSERT_EQ(DigestToHex(hasher.Finish()), expected) << split << " " << mid;
    }
  }
}

TEST(Sha256Test, FileDigestMatchesBufferDigest) {
  const std::string path = NewTestDir() + "/data.bin";
  std::string contents;
  for (int i = 0; i < 300000; ++i) contents += static_cast<char>(i % 251);
  ASSERT_TRUE(WriteFileAtomically(path, contents).ok());
  auto digest = Sha256FileHex(path);
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(*digest, Sha256Hex(contents));
}

TEST(Sha256Test, MissingFileErrorNamesPath) {
  const std::string path = NewTestDir() + "/nope.gz";
  auto digest = Sha256FileHex(path);
  EXPECT_EQ(digest.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(digest.status().message(), HasSubstr(path));
}

TEST(Sha256Test, FinishTwiceDies) {
  Sha256 hasher;
  hasher.Finish();
  EXPECT_DEATH(hasher.Finish(), "Sha256::Finish called twice");
}

TEST(Crc32Test, CheckValueAndExtension) {
  // The CRC-32/ISO-HDLC check value.
  EXPECT_EQ(Crc32("123456789", 9), 0xCBF43926u);
  EXPECT_EQ(Crc32("", 0), 0u);
  const uint32_t head = Crc32("1234", 4);
  EXPECT_EQ(Crc32Extend(head, "56789", 5), 0xCBF43926u);
  EXPECT_EQ(Crc32Extend(0, "123456789", 9), 0xCBF43926u);
}

}  // namespace
}  // namespace siamese
