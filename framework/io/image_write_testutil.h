// Test helper (testonly): encodes small images as JPEG (libjpeg-turbo) or
// PNG (libpng), so tests make their fixtures in TEST_TMPDIR instead of
// checking binary files in.
#ifndef SIAMESE_FRAMEWORK_IO_IMAGE_WRITE_TESTUTIL_H_
#define SIAMESE_FRAMEWORK_IO_IMAGE_WRITE_TESTUTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace siamese {
namespace testing_io {

// `pixels`: height * width * channels bytes, row-major, interleaved;
// channels 1 (gray) or 3 (RGB). REQUIRES: the sizes match.
// quality: libjpeg's 1..100; 100 with 4:4:4 sampling (no chroma
// subsampling) so flat colors decode within a level or two.
std::string EncodeJpeg(int width, int height, int channels, const std::vector<uint8_t>& pixels,
                       int quality = 100);
std::string EncodePng(int width, int height, int channels, const std::vector<uint8_t>& pixels);

// Encodes and writes to `path` (JPEG or PNG by the function, not the name).
absl::Status WriteJpeg(const std::string& path, int width, int height, int channels,
                       const std::vector<uint8_t>& pixels, int quality = 100);
absl::Status WritePng(const std::string& path, int width, int height, int channels,
                      const std::vector<uint8_t>& pixels);

}  // namespace testing_io
}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_IMAGE_WRITE_TESTUTIL_H_
