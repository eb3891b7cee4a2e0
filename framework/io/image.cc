#include "framework/io/image.h"

#include <png.h>

#include <cctype>
#include <csetjmp>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "framework/io/atomic_file.h"
#include "framework/io/jpeg.h"

namespace siamese {
namespace {

// width * height > max_pixels, without overflowing for any sizes >= 0.
bool TooManyPixels(int64_t width, int64_t height, int64_t max_pixels) {
  return height > 0 && width > max_pixels / height;
}

// ----------------------------------------------------------------- PNG

// What libpng's callbacks read from and report to. Owned by the caller of
// DecodePngRows, so a longjmp out of libpng never skips its destructor.
struct PngState {
  const std::string* bytes = nullptr;
  size_t offset = 0;
  std::string error;
  bool truncated = false;
  // The largest width * height to decode (checked before any allocation).
  int64_t max_pixels = 0;
  bool too_large = false;
  // Filled by DecodePngRows.
  png_uint_32 width = 0, height = 0;
  int channels = 0;  // 1 (gray) or 3 (RGB), after the transformations
  std::vector<png_byte> data;
  std::vector<png_bytep> rows;
};

void PngRead(png_structp png, png_bytep out, png_size_t length) {
  auto* s = static_cast<PngState*>(png_get_io_ptr(png));
  if (s->bytes->size() - s->offset < length) {
    s->truncated = true;  // no C++ temporaries here: png_error longjmps
    png_error(png, "unexpected end of file");
  }
  std::memcpy(out, s->bytes->data() + s->offset, length);
  s->offset += length;
}

void PngError(png_structp png, png_const_charp message) {
  static_cast<PngState*>(png_get_error_ptr(png))->error = message;
  png_longjmp(png, 1);
}

void PngWarning(png_structp, png_const_charp) {}  // e.g. odd ancillary chunks

// Decodes into state->data with only trivially destructible locals between
// setjmp and libpng (a longjmp must not skip a destructor). Returns false on
// a libpng error (state->error says why).
bool DecodePngRows(png_structp png, png_infop info, PngState* state) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_read_fn(png, state, PngRead);
  png_read_info(png, info);
  state->width = png_get_image_width(png, info);
  state->height = png_get_image_height(png, info);
  if (TooManyPixels(state->width, state->height, state->max_pixels)) {
    state->too_large = true;
    return false;
  }
  const int color_type = png_get_color_type(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (bit_depth == 16) png_set_scale_16(png);
  if (color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  state->width = png_get_image_width(png, info);
  state->height = png_get_image_height(png, info);
  state->channels = png_get_channels(png, info);
  const size_t row_bytes = png_get_rowbytes(png, info);
  state->data.resize(row_bytes * state->height);
  state->rows.resize(state->height);
  for (png_uint_32 y = 0; y < state->height; ++y) state->rows[y] = &state->data[y * row_bytes];
  png_read_image(png, state->rows.data());
  png_read_end(png, nullptr);
  return true;
}

absl::StatusOr<ColorImage> DecodePng(const std::string& bytes, const std::string& path,
                                    int64_t max_pixels) {
  // The size from the IHDR chunk (it must come first), before libpng reads
  // anything else: a small file can claim a huge image.
  if (bytes.size() >= 24 && bytes.compare(12, 4, "IHDR") == 0) {
    auto be32 = [&](size_t at) {
      return (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) << 24) |
             (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 16) |
             (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 8) |
             static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3]));
    };
    const int64_t width = be32(16), height = be32(20);
    if (TooManyPixels(width, height, max_pixels)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": PNG of ", width, "x", height,
                                                     " pixels is larger than the ", max_pixels,
                                                     " pixels allowed here"));
    }
  }
  PngState state;
  state.bytes = &bytes;
  state.max_pixels = max_pixels;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, PngError, PngWarning);
  if (png == nullptr)
    return absl::ResourceExhaustedError(absl::StrCat(path, ": cannot start libpng"));
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return absl::ResourceExhaustedError(absl::StrCat(path, ": cannot start libpng"));
  }
  const bool ok = DecodePngRows(png, info, &state);
  png_destroy_read_struct(&png, &info, nullptr);
  if (state.too_large) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": PNG of ", state.width, "x",
                                                   state.height, " pixels is larger than the ",
                                                   max_pixels, " pixels allowed here"));
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": bad PNG: ", state.error,
        state.truncated ? absl::StrCat(" (the file is truncated at byte offset ", bytes.size(), ")")
                        : ""));
  }
  if (state.channels != 1 && state.channels != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": PNG with ", state.channels, " channels after conversion"));
  }
  ColorImage image;
  image.height = state.height;
  image.width = state.width;
  image.channels = state.channels;
  image.pixels.resize(static_cast<size_t>(image.height * image.width * image.channels));
  const size_t row = static_cast<size_t>(image.width * image.channels);
  for (int64_t y = 0; y < image.height; ++y) {
    std::memcpy(&image.pixels[y * row], state.rows[y], row);
  }
  return image;
}

// ----------------------------------------------------------------- PGM

class PgmHeader {
 public:
  PgmHeader(const std::string& bytes, const std::string& path) : bytes_(bytes), path_(path) {}

  // Skips whitespace and '#' comments, then reads a decimal number.
  absl::StatusOr<int64_t> Number(const char* what) {
    while (pos_ < bytes_.size()) {
      if (std::isspace(static_cast<unsigned char>(bytes_[pos_]))) {
        ++pos_;
      } else if (bytes_[pos_] == '#') {
        while (pos_ < bytes_.size() && bytes_[pos_] != '\n' && bytes_[pos_] != '\r') ++pos_;
      } else {
        break;
      }
    }
    const size_t start = pos_;
    int64_t value = 0;
    while (pos_ < bytes_.size() && std::isdigit(static_cast<unsigned char>(bytes_[pos_]))) {
      value = value * 10 + (bytes_[pos_] - '0');
      if (value > (int64_t{1} << 31)) {
        return absl::InvalidArgumentError(
            absl::StrCat(path_, ": PGM ", what, " at byte offset ", start, " is too large"));
      }
      ++pos_;
    }
    if (pos_ == start) {
      return absl::InvalidArgumentError(absl::StrCat(path_, ": bad PGM header: expected the ", what,
                                                     " at byte offset ", start,
                                                     pos_ < bytes_.size() ? "" : " (end of file)"));
    }
    return value;
  }

  // The single whitespace character that ends the header.
  absl::StatusOr<size_t> DataStart() {
    if (pos_ >= bytes_.size() || !std::isspace(static_cast<unsigned char>(bytes_[pos_]))) {
      return absl::InvalidArgumentError(absl::StrCat(
          path_, ": bad PGM header: expected one whitespace character after maxval at byte offset ",
          pos_));
    }
    return pos_ + 1;
  }

 private:
  const std::string& bytes_;
  const std::string& path_;
  size_t pos_ = 2;  // after "P5"
};

absl::StatusOr<ColorImage> DecodePgm(const std::string& bytes, const std::string& path,
                                    int64_t max_pixels) {
  PgmHeader header(bytes, path);
  auto width = header.Number("width");
  if (!width.ok()) return width.status();
  auto height = header.Number("height");
  if (!height.ok()) return height.status();
  auto maxval = header.Number("maxval");
  if (!maxval.ok()) return maxval.status();
  if (*width == 0 || *height == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": PGM of ", *width, "x", *height, " pixels (width x height)"));
  }
  if (TooManyPixels(*width, *height, max_pixels)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": PGM of ", *width, "x", *height,
                                                   " pixels is larger than the ", max_pixels,
                                                   " pixels allowed here"));
  }
  if (*maxval < 1 || *maxval > 255) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": PGM maxval ", *maxval, " is not supported (only 8-bit, maxval 1..255)"));
  }
  auto start = header.DataStart();
  if (!start.ok()) return start.status();
  const size_t size = static_cast<size_t>(*width * *height);
  if (bytes.size() - *start < size) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": PGM truncated at byte offset ", bytes.size(), ": ", *width, "x",
                     *height, " pixels need ", size, " bytes from offset ", *start));
  }
  ColorImage image;
  image.channels = 1;
  image.width = *width;
  image.height = *height;
  image.pixels.assign(bytes.begin() + *start, bytes.begin() + *start + size);
  if (*maxval < 255) {
    for (uint8_t& p : image.pixels) {
      if (p > *maxval) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": PGM pixel ", static_cast<int>(p), " exceeds maxval ", *maxval,
                         " at byte offset ", *start + (&p - image.pixels.data())));
      }
      p = static_cast<uint8_t>((p * 255 + *maxval / 2) / *maxval);
    }
  }
  return image;
}

}  // namespace

absl::StatusOr<ColorImage> DecodeColorImage(const std::string& bytes, const std::string& path,
                                            int64_t max_pixels, int64_t min_side) {
  if (bytes.size() >= 8 &&
      png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) == 0) {
    return DecodePng(bytes, path, max_pixels);
  }
  if (bytes.size() >= 3 && static_cast<uint8_t>(bytes[0]) == 0xFF &&
      static_cast<uint8_t>(bytes[1]) == 0xD8 && static_cast<uint8_t>(bytes[2]) == 0xFF) {
    return DecodeJpeg(bytes, path, max_pixels, min_side);
  }
  if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] == '5') {
    return DecodePgm(bytes, path, max_pixels);
  }
  if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] == '2') {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ASCII PGM (P2) is not supported; convert it to binary PGM (P5) or PNG"));
  }
  if (bytes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": empty file, expected an image"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": not a PNG, JPEG or binary PGM (P5) image (unrecognized first bytes at offset 0)"));
}

absl::StatusOr<ColorImage> ReadColorImage(const std::string& path, int64_t max_pixels,
                                          int64_t min_side) {
  auto bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  return DecodeColorImage(*bytes, path, max_pixels, min_side);
}

absl::StatusOr<GrayImage> DecodeImage(const std::string& bytes, const std::string& path,
                                      int64_t max_pixels) {
  absl::StatusOr<ColorImage> color = DecodeColorImage(bytes, path, max_pixels);
  if (!color.ok()) return color.status();
  GrayImage image;
  image.height = color->height;
  image.width = color->width;
  if (color->channels == 1) {
    image.pixels = std::move(color->pixels);
    return image;
  }
  image.pixels.resize(static_cast<size_t>(image.height * image.width));
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    // ITU-R BT.601 luma, rounded to nearest.
    const uint8_t* p = &color->pixels[3 * i];
    image.pixels[i] = static_cast<uint8_t>((299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000);
  }
  return image;
}

absl::StatusOr<GrayImage> ReadImage(const std::string& path, int64_t max_pixels) {
  auto bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  return DecodeImage(*bytes, path, max_pixels);
}

}  // namespace siamese
