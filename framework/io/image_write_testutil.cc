#include "framework/io/image_write_testutil.h"

#include <cstddef>
#include <cstdio>
#include <cstdlib>
// clang-format off
#include <jpeglib.h>
// clang-format on
#include <png.h>

#include "framework/io/atomic_file.h"

namespace siamese {
namespace testing_io {

std::string EncodeJpeg(int width, int height, int channels, const std::vector<uint8_t>& pixels,
                       int quality) {
  if (pixels.size() != static_cast<size_t>(width) * height * channels) std::abort();
  jpeg_compress_struct cinfo;
  jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);  // test data: libjpeg's exit() on error is fine
  jpeg_create_compress(&cinfo);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &out, &size);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = channels;
  cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  for (int c = 0; c < cinfo.num_components; ++c) {
    cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;  // 4:4:4
  }
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(&pixels[cinfo.next_scanline * width * channels]);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::string bytes(reinterpret_cast<char*>(out), size);
  jpeg_destroy_compress(&cinfo);
  std::free(out);
  return bytes;
}

namespace {

void AppendPng(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(data), length);
}

}  // namespace

std::string EncodePng(int width, int height, int channels, const std::vector<uint8_t>& pixels) {
  if (pixels.size() != static_cast<size_t>(width) * height * channels) std::abort();
  std::string bytes;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) std::abort();
  png_set_write_fn(png, &bytes, AppendPng, nullptr);
  png_set_IHDR(png, info, width, height, 8, channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y) {
    png_write_row(png, const_cast<png_bytep>(&pixels[static_cast<size_t>(y) * width * channels]));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return bytes;
}

absl::Status WriteJpeg(const std::string& path, int width, int height, int channels,
                       const std::vector<uint8_t>& pixels, int quality) {
  return WriteFileAtomically(path, EncodeJpeg(width, height, channels, pixels, quality));
}

absl::Status WritePng(const std::string& path, int width, int height, int channels,
                      const std::vector<uint8_t>& pixels) {
  return WriteFileAtomically(path, EncodePng(width, height, channels, pixels));
}

}  // namespace testing_io
}  // namespace siamese
