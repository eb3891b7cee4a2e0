#include "framework/train/data.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "framework/core/registry.h"
#include "framework/tensor/parallel.h"
#include "framework/tensor/rng.h"

namespace siamese {
namespace {

absl::StatusOr<std::shared_ptr<const Dataset>> Open(const ExperimentFile& file,
                                                    const std::string& split,
                                                    const std::string& dataset_state) {
  PluginContext context;
  context.split = split;
  context.seed = file.config().seed();
  context.dataset_state = dataset_state;
  auto d = Registry<Dataset>::Create(file.config().data().dataset(), context);
  if (!d.ok()) return file.Locate("data", d.status());
  return std::shared_ptr<const Dataset>(std::move(*d));
}

absl::StatusOr<std::set<int64_t>> Classes(const ExperimentFile& file, const char* field,
                                          const google::protobuf::RepeatedField<int32_t>& wanted,
                                          int64_t num_classes) {
  std::set<int64_t> out;
  if (wanted.empty()) {
    for (int64_t c = 0; c < num_classes; ++c) out.insert(c);
    return out;
  }
  for (int32_t c : wanted) {
    if (c < 0 || c >= num_classes) {
      return absl::InvalidArgumentError(absl::StrCat(file.Where({"data", field}), "data.", field,
                                                     ": class ", c, " is not in [0, ", num_classes,
                                                     ")"));
    }
    out.insert(c);
  }
  return out;
}

// The training classes held out whole as the validation split (empty: the
// per-class fraction is held out instead).
absl::StatusOr<std::set<int64_t>> ValidationClasses(const ExperimentFile& file,
                                                    const std::set<int64_t>& train_classes) {
  const DataSpec& spec = file.config().data();
  std::set<int64_t> out;
  if (!spec.validation_classes().empty() && spec.validation_class_count() > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.Where({"data", "validation_class_count"}),
        "data.validation_class_count: give either validation_classes or a count, not both"));
  }
  for (int32_t c : spec.validation_classes()) {
    if (!train_classes.count(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.Where({"data", "validation_classes"}), "data.validation_classes: class ", c,
          " is not a training class (data.train_classes)"));
    }
    out.insert(c);
  }
  const int64_t count = spec.validation_class_count();
  if (count > 0) {
    const int64_t available = static_cast<int64_t>(train_classes.size());
    if (count > available - 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.Where({"data", "validation_class_count"}), "data.validation_class_count: ", count,
          " of ", available, " training classes would leave fewer than 2 to train on"));
    }
    std::vector<int64_t> classes(train_classes.begin(), train_classes.end());
    Rng rng = Rng(file.config().seed()).Fork(0x76616c636c73ULL);
    for (int64_t i = 0; i < count; ++i) {
      std::swap(classes[i], classes[i + rng.UniformInt(available - i)]);
    }
    out.insert(classes.begin(), classes.begin() + count);
  }
  if (static_cast<int64_t>(out.size()) >= static_cast<int64_t>(train_classes.size()) - 1 &&
      !out.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.Where({"data", "validation_classes"}),
                     "data.validation_classes: holding out ", out.size(), " of ",
                     train_classes.size(), " training classes leaves fewer than 2 to train on"));
  }
  return out;
}

// A split's super-classes: empty, or one per class, each in
// [0, super_class_names().size()).
absl::Status CheckSuperClasses(const ExperimentFile& file, const Dataset& d,
                               const std::string& split) {
  const std::vector<int64_t> super = d.super_classes();
  const int64_t names = static_cast<int64_t>(d.super_class_names().size());
  if (super.empty() && names == 0) return absl::OkStatus();
  const std::string what = absl::StrCat(
      "data.dataset: dataset \"", file.config().data().dataset().name(), "\" (", split, " split) ");
  if (super.size() != d.class_names().size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.Where({"data", "dataset"}), what, "gives ", super.size(), " super-classes for ",
        d.class_names().size(), " classes; Dataset::super_classes() must give one per class"));
  }
  for (size_t c = 0; c < super.size(); ++c) {
    if (super[c] < 0 || super[c] >= names) {
      return absl::InvalidArgumentError(
          absl::StrCat(file.Where({"data", "dataset"}), what, "gives class ", c, " super-class ",
                       super[c], ", not in [0, ", names, ") (its super_class_names())"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ExperimentData> LoadExperimentData(const ExperimentFile& file,
                                                  const std::string& dataset_state) {
  const DataSpec& spec = file.config().data();
  if (spec.dataset().name().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.Where({"data"}), "data.dataset.name: no dataset given"));
  }
  auto train_set = Open(file, "train", dataset_state);
  if (!train_set.ok()) return train_set.status();
  ExperimentData data;
  data.dataset_state = dataset_state.empty() ? (*train_set)->State() : dataset_state;
  auto test_set = Open(file, "test", data.dataset_state);
  if (!test_set.ok()) return test_set.status();

  data.example_shape = (*train_set)->example_shape();
  if ((*test_set)->example_shape() != data.example_shape) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.Where({"data", "dataset"}), "data.dataset: the test split's examples have shape ",
        ShapeToString((*test_set)->example_shape()), " but the training split's have ",
        ShapeToString(data.example_shape), "; both splits must give examples of one shape"));
  }
  data.class_names = (*train_set)->class_names();
  const std::vector<std::string> test_names = (*test_set)->class_names();
  for (size_t c = data.class_names.size(); c < test_names.size(); ++c) {
    data.class_names.push_back(test_names[c]);
  }
  for (const auto& [d, split] :
       {std::make_pair(&*train_set, "train"), std::make_pair(&*test_set, "test")}) {
    if (absl::Status s = CheckSuperClasses(file, **d, split); !s.ok()) return s;
  }
  data.super_classes = (*train_set)->super_classes();
  if (!data.super_classes.empty()) {
    data.super_class_names = (*train_set)->super_class_names();
    const std::vector<int64_t> test_super = (*test_set)->super_classes();
    for (size_t c = data.super_classes.size(); c < test_super.size(); ++c) {
      data.super_classes.push_back(test_super[c]);
    }
    const std::vector<std::string> test_super_names = (*test_set)->super_class_names();
    for (size_t g = data.super_class_names.size(); g < test_super_names.size(); ++g) {
      data.super_class_names.push_back(test_super_names[g]);
    }
  }
  data.source_files = (*train_set)->source_files();
  for (const std::string& f : (*test_set)->source_files()) {
    if (std::find(data.source_files.begin(), data.source_files.end(), f) ==
        data.source_files.end()) {
      data.source_files.push_back(f);
    }
  }
  const int64_t num_classes = static_cast<int64_t>(data.class_names.size());
  auto train_classes = Classes(file, "train_classes", spec.train_classes(), num_classes);
  if (!train_classes.ok()) return train_classes.status();
  auto test_classes = Classes(file, "test_classes", spec.test_classes(), num_classes);
  if (!test_classes.ok()) return test_classes.status();

  auto held_out = ValidationClasses(file, *train_classes);
  if (!held_out.ok()) return held_out.status();
  std::map<int64_t, std::vector<int64_t>> by_class;
  const auto& train_labels = (*train_set)->labels();
  for (int64_t i = 0; i < static_cast<int64_t>(train_labels.size()); ++i) {
    if (train_classes->count(train_labels[i])) by_class[train_labels[i]].push_back(i);
  }
  std::vector<int64_t> train_idx, val_idx;
  if (!held_out->empty()) {
    // Class-disjoint: every example of a held-out class is validation.
    for (const auto& [label, members] : by_class) {
      auto& into = held_out->count(label) ? val_idx : train_idx;
      into.insert(into.end(), members.begin(), members.end());
    }
  } else {
    // Per training class, a seeded shuffle; the first fraction is validation.
    Rng rng = Rng(file.config().seed()).Fork(0x73706c6974ULL);
    for (auto& [label, members] : by_class) {
      for (int64_t i = static_cast<int64_t>(members.size()) - 1; i > 0; --i) {
        std::swap(members[i], members[rng.UniformInt(i + 1)]);
      }
      const int64_t held = static_cast<int64_t>(
          std::llround(spec.validation_fraction() * static_cast<double>(members.size())));
      val_idx.insert(val_idx.end(), members.begin(), members.begin() + held);
      train_idx.insert(train_idx.end(), members.begin() + held, members.end());
    }
  }
  // Dataset order within each split, independent of the shuffle.
  std::sort(train_idx.begin(), train_idx.end());
  std::sort(val_idx.begin(), val_idx.end());
  const std::vector<int64_t>& super = data.super_classes;
  auto fill = [&super](Split* s, const std::string& name, std::shared_ptr<const Dataset> d,
                       std::vector<int64_t> idx) {
    s->name = name;
    s->dataset = std::move(d);
    s->indices = std::move(idx);
    for (int64_t i : s->indices) s->labels.push_back(s->dataset->labels()[i]);
    // Super-classes when every label has one (a test split whose classes
    // the train split's list does not cover may have none).
    const bool covered = std::all_of(s->labels.begin(), s->labels.end(), [&](int64_t l) {
      return l >= 0 && l < static_cast<int64_t>(super.size());
    });
    if (!super.empty() && covered) {
      for (int64_t l : s->labels) s->super_labels.push_back(super[l]);
    }
  };
  fill(&data.train, "train", *train_set, train_idx);
  fill(&data.validation, "validation", *train_set, val_idx);
  std::vector<int64_t> test_idx;
  const auto& test_labels = (*test_set)->labels();
  for (int64_t i = 0; i < static_cast<int64_t>(test_labels.size()); ++i) {
    if (test_classes->count(test_labels[i])) test_idx.push_back(i);
  }
  fill(&data.test, "test", *test_set, test_idx);
  if (data.train.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(file.Where({"data", "train_classes"}),
                                                   "the training split has ", data.train.size(),
                                                   " examples"));
  }
  if (data.test.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(file.Where({"data", "test_classes"}),
                                                   "the test split has ", data.test.size(),
                                                   " examples"));
  }
  if (file.config().preprocessing().normalize()) {
    data.normalization =
        ComputeNormalization(data.train, file.config().preprocessing().per_channel());
  }
  for (const std::shared_ptr<const Dataset>& d : {*train_set, *test_set}) {
    for (const std::string& f : d->skipped_files()) {
      if (std::find(data.skipped_files.begin(), data.skipped_files.end(), f) ==
          data.skipped_files.end()) {
        data.skipped_files.push_back(f);
      }
    }
  }
  return data;
}

void Normalization::Apply(float* x, int64_t n) const {
  if (channel_mean.empty()) {
    const float scale = 1.0f / std;
    for (int64_t k = 0; k < n; ++k) x[k] = (x[k] - mean) * scale;
    return;
  }
  const int64_t channels = static_cast<int64_t>(channel_mean.size());
  const int64_t per = n / channels;
  for (int64_t c = 0; c < channels; ++c) {
    const float m = channel_mean[c], scale = 1.0f / channel_std[c];
    float* p = x + c * per;
    for (int64_t k = 0; k < per; ++k) p[k] = (p[k] - m) * scale;
  }
}

Normalization ComputeNormalization(const Split& split, bool per_channel) {
  const Shape shape = split.dataset->example_shape();
  const int64_t n = NumElements(shape);
  const int64_t channels = per_channel && !shape.empty() ? shape[0] : 1;
  const int64_t per = n / channels;
  std::vector<float> x(n);
  std::vector<double> sum(channels, 0.0), sum2(channels, 0.0);
  for (int64_t i : split.indices) {
    split.dataset->CopyExample(i, x.data());
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t k = c * per; k < (c + 1) * per; ++k) {
        sum[c] += x[k];
        sum2[c] += static_cast<double>(x[k]) * x[k];
      }
    }
  }
  const double count = static_cast<double>(per) * split.size();
  Normalization out;
  for (int64_t c = 0; c < channels; ++c) {
    const double mean = sum[c] / count;
    const double var = std::max(sum2[c] / count - mean * mean, 0.0);
    const float std = static_cast<float>(std::max(std::sqrt(var), 1e-6));
    if (!per_channel) {
      out.mean = static_cast<float>(mean);
      out.std = std;
    } else {
      out.channel_mean.push_back(static_cast<float>(mean));
      out.channel_std.push_back(std);
    }
  }
  return out;
}

Tensor MakeBatch(const Split& split, const std::vector<int64_t>& positions,
                 const Normalization& normalization, int64_t training_epoch) {
  Shape shape = split.dataset->example_shape();
  const int64_t n = NumElements(shape);
  shape.insert(shape.begin(), static_cast<int64_t>(positions.size()));
  Tensor batch = Tensor::Empty(shape);
  float* data = batch.data();
  // Examples on the framework's threads: each writes its own rows.
  ParallelRows(static_cast<int64_t>(positions.size()), n, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      float* dst = data + b * n;
      const int64_t i = split.indices[positions[b]];
      if (training_epoch >= 0) {
        split.dataset->CopyTrainingExample(i, training_epoch, dst);
      } else {
        split.dataset->CopyExample(i, dst);
      }
      normalization.Apply(dst, n);
    }
  });
  return batch;
}

void ForEachBlock(const Split& split, int64_t block, const Normalization& normalization,
                  const std::function<void(const Tensor&, int64_t)>& fn) {
  for (int64_t start = 0; start < split.size(); start += block) {
    std::vector<int64_t> positions;
    for (int64_t i = start; i < std::min(split.size(), start + block); ++i) positions.push_back(i);
    fn(MakeBatch(split, positions, normalization), start);
  }
}

}  // namespace siamese
