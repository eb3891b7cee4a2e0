#include "framework/core/miner.h"

#include "absl/strings/str_cat.h"

namespace siamese {

absl::Status Miner::LoadState(const NamedTensors& state) {
  if (state.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "the miner keeps no state, but the checkpoint holds miner state \"", state[0].first, "\""));
}

}  // namespace siamese
