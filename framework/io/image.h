// Reading images given by users: single grayscale images (e.g. to verify a
// pair with a trained model) and color photos (the image_folder dataset).
//
// Formats, recognized by their first bytes (not by the file name):
//   PNG (libpng)   any bit depth and color type: 8-bit grayscale as is;
//                  1/2/4-bit grayscale scaled to 0..255; 16-bit reduced to 8
//                  (rounded, v * 255 / 65535); palette expanded to RGB; RGB
//                  converted to gray with the ITU-R BT.601 luma weights
//                  Y = 0.299 R + 0.587 G + 0.114 B (rounded); an alpha
//                  channel or a tRNS transparency is ignored (not composited).
//                  Gamma and color-profile chunks are ignored.
//   JPEG (libjpeg-turbo, framework/io/jpeg.h) baseline or progressive,
//                  grayscale or color (YCbCr/RGB); CMYK is refused; any
//                  libjpeg warning (truncated or corrupt data) is an error.
//   PGM, binary "P5" with maxval <= 255: the header (magic, width, height,
//                  maxval; '#' comments allowed) then width * height bytes;
//                  values are scaled to 0..255 when maxval < 255 (rounded);
//                  bytes after the first image are ignored (netpbm allows
//                  several images in one file).
// Images are never resized (JPEG's optional DCT downscaling aside, see
// DecodeColorImage).
#ifndef SIAMESE_FRAMEWORK_IO_IMAGE_H_
#define SIAMESE_FRAMEWORK_IO_IMAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace siamese {

struct GrayImage {
  int64_t height = 0;
  int64_t width = 0;
  std::vector<uint8_t> pixels;  // row-major, height * width, 0 black .. 255 white
};

// An image with its color: 1 channel (gray) or 3 (RGB), interleaved.
struct ColorImage {
  int64_t height = 0;
  int64_t width = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;  // row-major, height * width * channels
};

// Reads a PNG, JPEG or binary PGM file. Errors name `path`: a missing or
// unreadable file (the system's reason), an unknown format (e.g. ASCII "P2"
// PGM, JPEG), a malformed or truncated file (with libpng's reason, or the
// byte offset for PGM), a PGM maxval outside 1..255, a zero width or height,
// more than `max_pixels` pixels (checked from the header, before decoding:
// a small file can claim a huge image).
constexpr int64_t kDefaultMaxPixels = int64_t{1} << 26;  // 8192 x 8192
absl::StatusOr<GrayImage> ReadImage(const std::string& path,
                                    int64_t max_pixels = kDefaultMaxPixels);

// As ReadImage, for the bytes of a file; `path` only names it in errors.
absl::StatusOr<GrayImage> DecodeImage(const std::string& bytes, const std::string& path,
                                      int64_t max_pixels = kDefaultMaxPixels);

// As DecodeImage, keeping the color the file stores: gray PNG, grayscale
// JPEG and PGM give 1 channel; RGB and palette PNG and color JPEG give 3
// (alpha dropped as above). min_side > 0 lets a JPEG be decoded at 1/2, 1/4
// or 1/8 scale while both sides stay >= min_side (for callers that shrink
// the image anyway). Errors as DecodeImage's, naming `path`.
absl::StatusOr<ColorImage> DecodeColorImage(const std::string& bytes, const std::string& path,
                                            int64_t max_pixels = kDefaultMaxPixels,
                                            int64_t min_side = 0);
absl::StatusOr<ColorImage> ReadColorImage(const std::string& path,
                                          int64_t max_pixels = kDefaultMaxPixels,
                                          int64_t min_side = 0);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_IMAGE_H_
