// Datasets "idx_images" and "fashion_mnist" (the same reader with
// Fashion-MNIST's class names): grayscale images from IDX files.
#ifndef SIAMESE_PLUGINS_DATASETS_IDX_IMAGES_IDX_IMAGES_DATASET_H_
#define SIAMESE_PLUGINS_DATASETS_IDX_IMAGES_IDX_IMAGES_DATASET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/dataset.h"

namespace siamese {

class IdxImagesDataset : public Dataset {
 public:
  // Reads and checks both files: images [N, H, W] of bytes (0x08), labels
  // [N] of bytes or int32 (0x0C, for more than 256 classes; >= 0); labels
  // must be < the number of class names when names are given.
  static absl::StatusOr<std::unique_ptr<Dataset>> Open(const std::string& images_path,
                                                       const std::string& labels_path,
                                                       std::vector<std::string> class_names);

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Shape example_shape() const override { return {1, height_, width_}; }
  const std::vector<int64_t>& labels() const override { return labels_; }
  std::vector<std::string> class_names() const override { return class_names_; }
  void CopyExample(int64_t i, float* dst) const override;
  std::vector<std::string> source_files() const override { return files_; }

 private:
  int64_t height_ = 0, width_ = 0;
  std::vector<uint8_t> pixels_;
  std::vector<int64_t> labels_;
  std::vector<std::string> class_names_;
  std::vector<std::string> files_;
};

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_IDX_IMAGES_IDX_IMAGES_DATASET_H_
