#include "framework/io/jpeg.h"

// jpeglib.h needs size_t and FILE declared first.
#include <cstddef>
#include <cstdio>
// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include <csetjmp>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace siamese {
namespace {

// libjpeg reports errors through a callback that must not return; this one
// records the message and longjmps back to the decoding function. Owned by
// the caller of DecodeJpegRows, so a longjmp never skips its destructor.
struct JpegState {
  jpeg_error_mgr mgr;  // first: libjpeg hands back a pointer to it
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {0};
  int code = 0;
  int64_t max_pixels = 0;
  int64_t min_side = 0;
  bool too_large = false;
  bool cmyk = false;
  JDIMENSION width = 0, height = 0;
  int channels = 0;
  std::vector<uint8_t> data;
};

[[noreturn]] void JpegErrorExit(j_common_ptr cinfo) {
  auto* s = reinterpret_cast<JpegState*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, s->message);
  s->code = cinfo->err->msg_code;
  longjmp(s->jump, 1);
}

// Level -1 is a warning: corrupt data libjpeg would decode around (a
// truncated file padded with gray). Treated as an error, as JpegErrorExit.
void JpegEmitMessage(j_common_ptr cinfo, int level) {
  if (level < 0) JpegErrorExit(cinfo);
}

// Decodes into state->data with only trivially destructible locals between
// setjmp and libjpeg. Returns false on an error (state->message says why).
bool DecodeJpegRows(jpeg_decompress_struct* cinfo, const std::string& bytes, JpegState* state) {
  if (setjmp(state->jump)) return false;
  jpeg_mem_src(cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(cinfo, TRUE);
  state->width = cinfo->image_width;
  state->height = cinfo->image_height;
  if (cinfo->image_height > 0 &&
      static_cast<int64_t>(cinfo->image_width) > state->max_pixels / cinfo->image_height) {
    state->too_large = true;
    return false;
  }
  if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) {
    state->cmyk = true;
    return false;
  }
  cinfo->out_color_space = cinfo->num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  if (state->min_side > 0) {
    for (unsigned denom : {8u, 4u, 2u}) {
      const int64_t w = (cinfo->image_width + denom - 1) / denom;
      const int64_t h = (cinfo->image_height + denom - 1) / denom;
      if (w >= state->min_side && h >= state->min_side) {
        cinfo->scale_num = 1;
        cinfo->scale_denom = denom;
        break;
      }
    }
  }
  jpeg_start_decompress(cinfo);
  state->width = cinfo->output_width;
  state->height = cinfo->output_height;
  state->channels = cinfo->output_components;
  const size_t row = static_cast<size_t>(state->width) * state->channels;
  state->data.resize(row * state->height);
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW out = &state->data[cinfo->output_scanline * row];
    jpeg_read_scanlines(cinfo, &out, 1);
  }
  jpeg_finish_decompress(cinfo);
  return true;
}

}  // namespace

absl::StatusOr<ColorImage> DecodeJpeg(const std::string& bytes, const std::string& path,
                                      int64_t max_pixels, int64_t min_side) {
  JpegState state;
  state.max_pixels = max_pixels;
  state.min_side = min_side;
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&state.mgr);
  state.mgr.error_exit = JpegErrorExit;
  state.mgr.emit_message = JpegEmitMessage;
  jpeg_create_decompress(&cinfo);
  const bool ok = DecodeJpegRows(&cinfo, bytes, &state);
  jpeg_destroy_decompress(&cinfo);
  if (state.too_large) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": JPEG of ", state.width, "x",
                                                   state.height, " pixels is larger than the ",
                                                   max_pixels, " pixels allowed here"));
  }
  if (state.cmyk) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": bad JPEG: CMYK JPEGs are not supported; convert it to RGB"));
  }
  if (!ok) {
    const bool truncated = state.code == JWRN_JPEG_EOF || state.code == JERR_INPUT_EOF;
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": bad JPEG: ", state.message,
        truncated ? absl::StrCat(" (the file is truncated at byte offset ", bytes.size(), ")")
                  : ""));
  }
  if (state.width == 0 || state.height == 0 || (state.channels != 1 && state.channels != 3)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": bad JPEG: ", state.width, "x",
                                                   state.height, " pixels of ", state.channels,
                                                   " channels"));
  }
  ColorImage image;
  image.height = state.height;
  image.width = state.width;
  image.channels = state.channels;
  image.pixels = std::move(state.data);
  return image;
}

}  // namespace siamese
