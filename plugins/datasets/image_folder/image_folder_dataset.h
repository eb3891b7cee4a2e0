// Dataset "image_folder": PNG and JPEG photos in a folder of class
// sub-folders, a list file or a benchmark's layout (layouts.h), decoded
// once when the split opens into a cache of size x size bytes
// (transform.h), with optional training-time augmentation.
#ifndef SIAMESE_PLUGINS_DATASETS_IMAGE_FOLDER_IMAGE_FOLDER_DATASET_H_
#define SIAMESE_PLUGINS_DATASETS_IMAGE_FOLDER_IMAGE_FOLDER_DATASET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/dataset.h"
#include "plugins/datasets/image_folder/image_folder.pb.h"

namespace siamese {

class ImageFolderDataset : public Dataset {
 public:
  // Lists the images of `params` (root already resolved) and decodes those
  // of `split` ("train" or "test") on the framework's threads. An image
  // that cannot be read or decoded is an error naming its file (the first
  // in list order), or, with skip_bad_files, left out and listed in
  // skipped_files(). REQUIRES: params validated (size, channels).
  static absl::StatusOr<std::unique_ptr<Dataset>> Open(const ImageFolderParams& params,
                                                       const std::string& split, uint64_t seed);

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Shape example_shape() const override { return {channels_, size_, size_}; }
  const std::vector<int64_t>& labels() const override { return labels_; }
  std::vector<std::string> class_names() const override { return class_names_; }
  void CopyExample(int64_t i, float* dst) const override;
  // Augmented as params.augment says, from (seed, epoch, i); CopyExample
  // when the experiment gives no augment.
  void CopyTrainingExample(int64_t i, int64_t epoch, float* dst) const override;
  std::vector<std::string> source_files() const override { return files_; }
  std::vector<std::string> skipped_files() const override { return skipped_; }
  // In-Shop's test split: its gallery images (the others are queries).
  std::vector<bool> gallery() const override { return gallery_; }

 private:
  int64_t channels_ = 3, size_ = 64;
  std::vector<uint8_t> pixels_;  // [N, C, size, size]
  std::vector<int64_t> labels_;
  std::vector<std::string> class_names_;
  std::vector<std::string> files_;
  std::vector<std::string> skipped_;
  std::vector<bool> gallery_;  // empty, or one per example
  bool augment_ = false;
  ImageAugmentation augment_params_;
  uint64_t seed_ = 0;
};

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_IMAGE_FOLDER_IMAGE_FOLDER_DATASET_H_
