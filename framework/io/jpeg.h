// JPEG decoding with libjpeg-turbo (Debian's libjpeg62-turbo), for
// framework/io/image.h; callers use DecodeColorImage there, which
// recognizes the format by its first bytes.
#ifndef SIAMESE_FRAMEWORK_IO_JPEG_H_
#define SIAMESE_FRAMEWORK_IO_JPEG_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "framework/io/image.h"

namespace siamese {

// Decodes a baseline or progressive JPEG: grayscale stays 1 channel, YCbCr
// and RGB give 3 (RGB); CMYK/YCCK are refused. When min_side > 0 the image
// may be decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's DCT scaling,
// far cheaper than decoding in full and shrinking) as long as both sides
// stay >= min_side. Every libjpeg warning is an error, so that a truncated
// file (which libjpeg would pad with gray) or corrupt entropy data never
// becomes a silently wrong example. Errors (InvalidArgument) start with
// "<path>: bad JPEG: " and carry libjpeg's message; a truncated file says
// "truncated at byte offset <size>"; more than max_pixels pixels is refused
// from the header, before decoding.
absl::StatusOr<ColorImage> DecodeJpeg(const std::string& bytes, const std::string& path,
                                      int64_t max_pixels, int64_t min_side = 0);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_IO_JPEG_H_
