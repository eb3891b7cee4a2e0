#include "plugins/datasets/idx_images/idx_images_dataset.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "framework/io/idx.h"
#include "framework/io/run_dir.h"
#include "plugins/datasets/idx_images/idx_images.pb.h"

namespace siamese {

absl::StatusOr<std::unique_ptr<Dataset>> IdxImagesDataset::Open(
    const std::string& images_path, const std::string& labels_path,
    std::vector<std::string> class_names) {
  absl::StatusOr<IdxArray> images = ReadIdx(images_path);
  if (!images.ok()) return images.status();
  absl::StatusOr<IdxArray> labels = ReadIdx(labels_path);
  if (!labels.ok()) return labels.status();
  if (images->type != kIdxUnsignedByte) {
    return absl::InvalidArgumentError(absl::StrCat(
        images_path, ": expected images of unsigned bytes (IDX type 0x08), found int32 (0x0c)"));
  }
  if (images->dims.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        images_path, ": expected images [N, H, W], found ", images->dims.size(), " dimensions"));
  }
  if (labels->dims.size() != 1 || labels->dims[0] != images->dims[0]) {
    return absl::InvalidArgumentError(absl::StrCat(labels_path, ": expected ", images->dims[0],
                                                   " labels to match ", images_path, ", found ",
                                                   labels->data.size()));
  }
  auto d = std::unique_ptr<IdxImagesDataset>(new IdxImagesDataset);
  d->height_ = images->dims[1];
  d->width_ = images->dims[2];
  d->pixels_ = std::move(images->data);
  // Labels of bytes (0x08) or, for more than 256 classes, int32 (0x0C).
  d->labels_.resize(labels->size());
  for (size_t i = 0; i < labels->size(); ++i) {
    d->labels_[i] = labels->at(i);
    if (d->labels_[i] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(labels_path, ": label ", i, " (0-based) is ",
                                                     d->labels_[i], ", expected >= 0"));
    }
  }
  const int64_t max_label =
      d->labels_.empty() ? -1 : *std::max_element(d->labels_.begin(), d->labels_.end());
  if (class_names.empty()) {
    for (int64_t c = 0; c <= max_label; ++c) class_names.push_back(std::to_string(c));
  } else if (max_label >= static_cast<int64_t>(class_names.size())) {
    return absl::InvalidArgumentError(absl::StrCat(labels_path, ": label ", max_label, " but only ",
                                                   class_names.size(), " class names"));
  }
  d->class_names_ = std::move(class_names);
  d->files_ = {images_path, labels_path};
  return std::unique_ptr<Dataset>(std::move(d));
}

void IdxImagesDataset::CopyExample(int64_t i, float* dst) const {
  SIAMESE_CHECK(i >= 0 && i < size()) << "idx_images: example " << i << " of " << size();
  const int64_t n = height_ * width_;
  const uint8_t* src = pixels_.data() + i * n;
  for (int64_t k = 0; k < n; ++k) dst[k] = src[k] * (1.0f / 255.0f);
}

namespace {

const std::vector<std::string>& FashionMnistClasses() {
  static const auto* names =
      new std::vector<std::string>{"t-shirt/top", "trouser", "pullover", "dress", "coat",
                                   "sandal",      "shirt",   "sneaker",  "bag",   "ankle boot"};
  return *names;
}

absl::StatusOr<std::unique_ptr<Dataset>> Create(const IdxImagesParams& p,
                                                const PluginContext& context,
                                                std::vector<std::string> default_names) {
  if (context.split != "train" && context.split != "test") {
    return absl::InvalidArgumentError(absl::StrCat(
        "idx_images: split must be \"train\" or \"test\", got \"", context.split, "\""));
  }
  const bool train = context.split == "train";
  absl::StatusOr<std::string> images = ResolveUserPath(train ? p.train_images() : p.test_images());
  if (!images.ok()) return images.status();
  absl::StatusOr<std::string> labels = ResolveUserPath(train ? p.train_labels() : p.test_labels());
  if (!labels.ok()) return labels.status();
  std::vector<std::string> names(p.class_names().begin(), p.class_names().end());
  if (names.empty()) names = std::move(default_names);
  return IdxImagesDataset::Open(*images, *labels, std::move(names));
}

SIAMESE_REGISTER_PLUGIN(Dataset, "idx_images", siamese::idx_images, IdxImagesParams,
                        "grayscale images and labels in IDX files (MNIST format, raw or .gz)",
                        [](const IdxImagesParams& p, const PluginContext& c) {
                          return Create(p, c, {});
                        });

SIAMESE_REGISTER_PLUGIN(Dataset, "fashion_mnist", siamese::idx_images, IdxImagesParams,
                        "Fashion-MNIST (Debian's dataset-fashion-mnist), 10 named classes",
                        [](const IdxImagesParams& p, const PluginContext& c) {
                          return Create(p, c, FashionMnistClasses());
                        });

}  // namespace
}  // namespace siamese
