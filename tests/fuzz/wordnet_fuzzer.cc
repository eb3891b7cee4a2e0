// The WordNet data-file reader (data.noun, data.verb, ...).
#include <cstdint>

#include "plugins/datasets/wordnet_glosses/wordnet_glosses_dataset.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)siamese::ReadWordnetDataFile(siamese::fuzz::WriteInput(data, size, "data.noun"), "nv");
  return 0;
}
