// The UCR time-series reader.
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "plugins/datasets/ucr/ucr_dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)siamese::ParseUcr(absl::string_view(reinterpret_cast<const char*>(data), size), "x.tsv");
  return 0;
}
