#include "framework/core/input_reader.h"

#include "absl/strings/str_cat.h"

namespace siamese {

absl::StatusOr<NewInput> InputReader::ParseText(const std::string& text, const Shape&) const {
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text, "\" is not a file, and this model's inputs are ", Describe(),
      ": give a file path (or <split>:<index> for an example of the model's dataset)"));
}

}  // namespace siamese
