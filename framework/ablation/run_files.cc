#include "framework/ablation/run_files.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "framework/ablation/flat_json.h"
#include "framework/io/atomic_file.h"
#include "framework/io/tsv.h"

namespace siamese {

absl::StatusOr<TrainingCurves> ReadTrainingCurves(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  TrainingCurves curves;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    absl::StatusOr<FlatJson> j = ParseFlatJson(line, absl::StrCat(path, ":", line_number));
    if (!j.ok()) return j.status();
    auto split = j->strings.find("split");
    auto step = j->numbers.find("step");
    if (split == j->strings.end() || step == j->numbers.end()) continue;
    if (split->second == "train") {
      if (auto loss = j->numbers.find("loss"); loss != j->numbers.end()) {
        curves.loss.x.push_back(step->second);
        curves.loss.y.push_back(loss->second);
      }
    } else if (split->second == "validation") {
      for (const auto& [key, value] : j->numbers) {
        if (key == "step") continue;
        curves.validation[key].x.push_back(step->second);
        curves.validation[key].y.push_back(value);
      }
    }
  }
  return curves;
}

absl::StatusOr<Curve> ReadRoc(const std::string& path) {
  absl::StatusOr<std::vector<TsvRow>> rows = ReadTsv(path, 3);
  if (!rows.ok()) return rows.status();
  if (rows->empty() || (*rows)[0] != TsvRow{"threshold", "far", "tar"}) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":1: expected the header threshold<TAB>far<TAB>tar"));
  }
  Curve roc;
  for (size_t i = 1; i < rows->size(); ++i) {
    double far, tar;
    if (!absl::SimpleAtod((*rows)[i][1], &far) || !absl::SimpleAtod((*rows)[i][2], &tar)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", i + 1, ": far/tar not numbers"));
    }
    roc.x.push_back(far);
    roc.y.push_back(tar);
  }
  return roc;
}

}  // namespace siamese
