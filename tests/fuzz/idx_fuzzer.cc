// The IDX reader (raw, or gzip when the input starts with its magic).
#include <cstdint>

#include "framework/io/idx.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  (void)siamese::ReadIdx(siamese::fuzz::WriteInput(data, size, gz ? "x.idx.gz" : "x.idx"));
  return 0;
}
