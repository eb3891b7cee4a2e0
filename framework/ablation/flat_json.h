// A reader for the flat JSON objects the trainer writes (results.json,
// timing.json, the lines of metrics.jsonl): one object whose values are
// numbers, strings, true/false or null; no nesting.
#ifndef SIAMESE_FRAMEWORK_ABLATION_FLAT_JSON_H_
#define SIAMESE_FRAMEWORK_ABLATION_FLAT_JSON_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace siamese {

struct FlatJson {
  std::map<std::string, double> numbers;       // true/false are 1/0.
  std::map<std::string, std::string> strings;  // Unescaped.
};

// Parses `text` (surrounding whitespace allowed). Besides JSON numbers it
// accepts nan, inf and -inf, which "%.6g" prints for non-finite values.
// null values are dropped. Errors: InvalidArgument "<where>: offset N:
// <what>" for anything else (nesting, a missing comma, trailing text).
absl::StatusOr<FlatJson> ParseFlatJson(absl::string_view text, absl::string_view where);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_ABLATION_FLAT_JSON_H_
