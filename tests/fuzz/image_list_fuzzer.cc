// The image_folder dataset's list-file reader (layout LIST).
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "plugins/datasets/image_folder/layouts.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)siamese::ParseImageList(absl::string_view(reinterpret_cast<const char*>(data), size),
                                "list.txt", "/root");
  return 0;
}
