#include "plugins/datasets/image_folder/image_folder_dataset.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "framework/io/image.h"
#include "framework/io/run_dir.h"
#include "framework/tensor/parallel.h"
#include "plugins/datasets/image_folder/layouts.h"
#include "plugins/datasets/image_folder/transform.h"

namespace siamese {

absl::StatusOr<std::unique_ptr<Dataset>> ImageFolderDataset::Open(const ImageFolderParams& params,
                                                                  const std::string& split,
                                                                  uint64_t seed) {
  absl::StatusOr<ImageList> list = ListImages(params);
  if (!list.ok()) return list.status();
  const std::vector<ImageEntry>& entries = split == "train" ? list->train : list->test;
  auto d = std::unique_ptr<ImageFolderDataset>(new ImageFolderDataset);
  d->channels_ = params.channels();
  d->size_ = params.size();
  d->class_names_ = list->class_names;
  d->files_ = list->list_files;
  d->skipped_ = list->skipped;
  d->augment_ = params.has_augment();
  d->augment_params_ = params.augment();
  d->seed_ = seed;

  // Decoding dominates opening (a few ms a photo): spread it over the
  // framework's threads, each image into its own slot.
  const int64_t n = static_cast<int64_t>(entries.size());
  std::vector<absl::StatusOr<std::vector<uint8_t>>> fitted(n, std::vector<uint8_t>());
  const int size = params.size(), channels = params.channels();
  ParallelFor(n, [&](int64_t i) {
    absl::StatusOr<ColorImage> image = ReadColorImage(entries[i].path, kDefaultMaxPixels, size);
    if (!image.ok()) {
      fitted[i] = image.status();
      return;
    }
    fitted[i] = FitImage(*image, channels, size);
  });
  const int64_t example = int64_t{channels} * size * size;
  d->pixels_.reserve(static_cast<size_t>(n * example));
  for (int64_t i = 0; i < n; ++i) {
    if (!fitted[i].ok()) {
      if (!params.skip_bad_files()) {
        return absl::Status(fitted[i].status().code(),
                            absl::StrCat(fitted[i].status().message(),
                                         " (image_folder: set skip_bad_files: true to leave "
                                         "unreadable images out)"));
      }
      d->skipped_.push_back(std::string(fitted[i].status().message()));
      continue;
    }
    d->pixels_.insert(d->pixels_.end(), fitted[i]->begin(), fitted[i]->end());
    d->labels_.push_back(entries[i].label);
    d->files_.push_back(entries[i].path);
    if (split == "test" && list->query_gallery) d->gallery_.push_back(entries[i].gallery);
    fitted[i] = std::vector<uint8_t>();  // free as we go
  }
  return std::unique_ptr<Dataset>(std::move(d));
}

void ImageFolderDataset::CopyExample(int64_t i, float* dst) const {
  SIAMESE_CHECK(i >= 0 && i < size()) << "image_folder: example " << i << " of " << size();
  const int64_t n = channels_ * size_ * size_;
  const uint8_t* src = pixels_.data() + i * n;
  for (int64_t k = 0; k < n; ++k) dst[k] = src[k] * (1.0f / 255.0f);
}

void ImageFolderDataset::CopyTrainingExample(int64_t i, int64_t epoch, float* dst) const {
  if (!augment_) return CopyExample(i, dst);
  SIAMESE_CHECK(i >= 0 && i < size()) << "image_folder: example " << i << " of " << size();
  const int64_t n = channels_ * size_ * size_;
  AugmentImage(pixels_.data() + i * n, static_cast<int>(channels_), static_cast<int>(size_),
               augment_params_, seed_, epoch, i, dst);
}

namespace {

absl::StatusOr<std::unique_ptr<Dataset>> Create(const ImageFolderParams& p,
                                                const PluginContext& context) {
  if (context.split != "train" && context.split != "test") {
    return absl::InvalidArgumentError(absl::StrCat(
        "image_folder: split must be \"train\" or \"test\", got \"", context.split, "\""));
  }
  if (p.root().empty()) {
    return FieldError("root", "is empty: give the folder of the images, e.g. root: \"/data/photos\"");
  }
  if (p.size() < 4 || p.size() > 1024) return FieldError("size", "must be in [4, 1024]");
  if (p.channels() != 1 && p.channels() != 3) {
    return FieldError("channels", "must be 1 (grayscale) or 3 (RGB)");
  }
  if (!(p.test_class_fraction() > 0 && p.test_class_fraction() < 1)) {
    return FieldError("test_class_fraction", "must be in (0, 1)");
  }
  if (p.has_augment()) {
    if (!(p.augment().min_crop_area() > 0 && p.augment().min_crop_area() <= 1)) {
      return FieldError("augment.min_crop_area", "must be in (0, 1]");
    }
    if (!(p.augment().color_jitter() >= 0 && p.augment().color_jitter() < 1)) {
      return FieldError("augment.color_jitter", "must be in [0, 1)");
    }
  }
  absl::StatusOr<std::string> root = ResolveUserPath(p.root());
  if (!root.ok()) return root.status();
  ImageFolderParams resolved = p;
  resolved.set_root(*root);
  return ImageFolderDataset::Open(resolved, context.split, context.seed);
}

SIAMESE_REGISTER_PLUGIN(Dataset, "image_folder", siamese::image_folder, ImageFolderParams,
                        "PNG/JPEG photos: class sub-folders, a list file, or the CUB-200-2011, "
                        "Stanford Online Products and In-Shop layouts",
                        &Create);

}  // namespace
}  // namespace siamese
