// The checkpoint loader, as embed and verify use it: the file is read and
// checked, its experiment parsed, the model assembled and its weights
// loaded.
#include <cstdint>

#include "framework/train/trained_model.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)siamese::TrainedModel::Load(siamese::fuzz::WriteInput(data, size, "x.ckpt"));
  return 0;
}
