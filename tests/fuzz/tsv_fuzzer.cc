// The TSV reader, with each column-count rule.
#include <cstdint>

#include "framework/io/tsv.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = siamese::fuzz::WriteInput(data, size, "x.tsv");
  for (int columns : {siamese::kTsvAnyColumns, siamese::kTsvColumnsOfFirstLine, 2}) {
    (void)siamese::ReadTsv(path, columns);
  }
  return 0;
}
