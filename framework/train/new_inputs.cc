#include "framework/train/new_inputs.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "framework/core/registry.h"
#include "framework/core/gray_image_input_reader.h"

namespace siamese {
namespace {

// The regular files below `folder`, in path order, hidden names skipped.
absl::StatusOr<std::vector<std::string>> FilesBelow(const std::string& folder) {
  std::vector<std::string> files;
  std::error_code ec;
  std::filesystem::recursive_directory_iterator it(folder, ec), end;
  if (ec) return absl::NotFoundError(absl::StrCat(folder, ": ", ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) return absl::NotFoundError(absl::StrCat(folder, ": ", ec.message()));
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) files.push_back(it->path().string());
  }
  if (ec) return absl::NotFoundError(absl::StrCat(folder, ": ", ec.message()));
  std::sort(files.begin(), files.end());
  if (files.empty()) return absl::InvalidArgumentError(absl::StrCat(folder, ": no files"));
  return files;
}

// The class id of `label` among `classes`: the same string, or the same
// number (UCR files write class 1 as "1" or "1.0000000e+00"); -1 if none.
int64_t ClassOf(const std::string& label, const std::vector<std::string>& classes) {
  if (label.empty()) return -1;
  const auto exact = std::find(classes.begin(), classes.end(), label);
  if (exact != classes.end()) return exact - classes.begin();
  double x = 0;
  if (!absl::SimpleAtod(label, &x)) return -1;
  for (size_t c = 0; c < classes.size(); ++c) {
    double y = 0;
    if (absl::SimpleAtod(classes[c], &y) && x == y) return static_cast<int64_t>(c);
  }
  return -1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<InputReader>> ModelInputReader(const TrainedModel& model) {
  const DatasetConfig& dataset = model.experiment().config().data().dataset();
  const std::vector<std::string> names = Registry<InputReader>::Names();
  if (std::find(names.begin(), names.end(), dataset.name()) != names.end()) {
    PluginContext context;
    context.dataset_state = model.dataset_state();
    return Registry<InputReader>::Create(dataset, context);
  }
  const Shape shape = model.example_shape();
  if (shape.size() == 3 && shape[0] == 1) return NewGrayImageInputReader();
  return absl::FailedPreconditionError(absl::StrCat(
      model.path(), ": the model's dataset \"", dataset.name(),
      "\" reads no new inputs (it registers no InputReader); give <split>:<index> examples"));
}

absl::StatusOr<NewInputs> ReadNewInputs(const TrainedModel& model, const InputReader& reader,
                                        const std::vector<std::string>& paths) {
  const Shape shape = model.example_shape();
  const int64_t per_example = NumElements(shape);
  std::vector<NewInput> all;
  for (const std::string& path : paths) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
      return absl::NotFoundError(absl::StrCat(path, ": no such file or folder"));
    }
    std::vector<std::string> files = {path};
    if (std::filesystem::is_directory(status)) {
      absl::StatusOr<std::vector<std::string>> below = FilesBelow(path);
      if (!below.ok()) return below.status();
      files = std::move(*below);
    }
    for (const std::string& file : files) {
      absl::StatusOr<std::vector<NewInput>> inputs = reader.ReadFile(file, shape);
      if (!inputs.ok()) return inputs.status();
      for (NewInput& in : *inputs) all.push_back(std::move(in));
    }
  }
  if (all.empty()) return absl::InvalidArgumentError("no inputs given");
  NewInputs out;
  Shape batch = shape;
  batch.insert(batch.begin(), static_cast<int64_t>(all.size()));
  out.examples = Tensor::Empty(batch);
  const std::vector<std::string>& classes = model.class_names();
  for (size_t i = 0; i < all.size(); ++i) {
    // A reader's contract; a wrong count would misalign every later row.
    if (static_cast<int64_t>(all[i].values.size()) != per_example) {
      return absl::InternalError(absl::StrCat(all[i].name, ": the reader made ",
                                              all[i].values.size(), " values for an example of ",
                                              ShapeToString(shape)));
    }
    std::memcpy(out.examples.data() + i * per_example, all[i].values.data(),
                per_example * sizeof(float));
    out.names.push_back(all[i].name);
    out.labels.push_back(ClassOf(all[i].label, classes));
  }
  return out;
}

}  // namespace siamese
