// Checksums: SHA-256 (FIPS 180-4) for data files recorded in run manifests,
// CRC-32 (zlib's, the gzip/PNG polynomial) for checkpoint integrity.
#ifndef SIAMESE_FRAMEWORK_IO_CHECKSUM_H_
#define SIAMESE_FRAMEWORK_IO_CHECKSUM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace siamese {

using Sha256Digest = std::array<uint8_t, 32>;

// Incremental SHA-256: Update() any number of times, then Finish() once.
class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t size);
  void Update(absl::string_view data) { Update(data.data(), data.size()); }
  // Returns the digest. REQUIRES: called once; no Update() afterwards.
  Sha256Digest Finish();

 private:
  void ProcessBlock(const uint8_t* block);

  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;  // Bytes in buffer_.
  uint64_t total_bytes_ = 0;
  bool finished_ = false;
};

// Lower-case hex of `digest` (64 characters).
std::string DigestToHex(const Sha256Digest& digest);

// SHA-256 of `data` as 64 lower-case hex characters.
std::string Sha256Hex(absl::string_view data);

// SHA-256 of the file at `path`, read in chunks (constant memory). A
// gzip file is hashed as stored (compressed bytes). Errors name the path.
absl::StatusOr<std::string> Sha256FileHex(const std::string& path);

// CRC-32 (ISO-HDLC / zlib / gzip polynomial) of `size` bytes at `data`.
uint32_t Crc32(const void* data, size_t size);

// Continues a CRC-32: Crc32Extend(Crc32(a), b) == Crc32(a followed by b).
// Crc32Extend(0, ...) == Crc32(...).
uint32_t Crc32Extend(uint32_t crc, const void* data, size_t size);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_CHECKSUM_H_
