// The PNG / JPEG / PGM readers: gray (verify's) and color (image_folder's).
#include <cstdint>
#include <string>

#include "framework/io/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A bound that keeps the fuzzer's memory small; the default is 64M pixels.
  (void)siamese::DecodeImage(std::string(reinterpret_cast<const char*>(data), size), "x.png",
                             1 << 20);
  // Color, with JPEG's DCT downscaling as image_folder asks for it.
  (void)siamese::DecodeColorImage(std::string(reinterpret_cast<const char*>(data), size), "x.jpg",
                                  1 << 20, 16);
  return 0;
}
