// The checkpoint loader, as embed and verify use it: the file is read and
// checked, its experiment parsed, the model assembled and its weights
// loaded. The input is a Checkpoint payload (serialized protobuf) that the
// target wraps in a valid header (magic, CRC-32, length), so mutations reach
// the parser and the assembly instead of stopping at the checksum; an input
// that starts with the magic is written as it is, to fuzz the header too.
#include <cstdint>
#include <cstring>
#include <string>

#include "framework/io/checksum.h"
#include "framework/train/trained_model.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string file(reinterpret_cast<const char*>(data), size);
  if (file.compare(0, 8, "SIAMCKPT") != 0) {
    const uint32_t crc = siamese::Crc32(data, size);
    const uint64_t length = size;
    std::string header("SIAMCKPT", 8);
    header.append(reinterpret_cast<const char*>(&crc), 4);
    header.append(reinterpret_cast<const char*>(&length), 8);
    file = header + file;
  }
  (void)siamese::TrainedModel::Load(siamese::fuzz::WriteInput(
      reinterpret_cast<const uint8_t*>(file.data()), file.size(), "x.ckpt"));
  return 0;
}
