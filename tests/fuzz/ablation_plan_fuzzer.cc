// The ablation-file loader: the input is the ablation file (its base is a
// small valid experiment), then, after each NUL byte, one override.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "framework/ablation/plan.h"
#include "framework/io/atomic_file.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

constexpr char kBase[] = R"(name: "base"
data { dataset { name: "cylinder_bell_funnel" } }
sampler { name: "pk" [siamese.pk] { k: 4 } }
encoder { name: "cnn1d" }
miner { name: "semi_hard" }
loss { name: "triplet" }
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool base_written =
      siamese::WriteFileAtomically(siamese::fuzz::ScratchDir() + "/base.pbtxt", kBase).ok();
  (void)base_written;
  const std::vector<std::string> parts =
      absl::StrSplit(std::string(reinterpret_cast<const char*>(data), size), '\0');
  const std::string path = siamese::fuzz::WriteInput(
      reinterpret_cast<const uint8_t*>(parts[0].data()), parts[0].size(), "a.pbtxt");
  const std::vector<std::string> overrides(parts.begin() + 1, parts.end());
  (void)siamese::PlanAblation(path, 1, overrides);
  return 0;
}
