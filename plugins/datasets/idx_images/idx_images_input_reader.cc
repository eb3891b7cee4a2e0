// The InputReader of the IDX image datasets ("idx_images", "fashion_mnist"):
// new grayscale images for a model trained on them, as PNG or binary PGM
// files (framework/io/image.h: color is converted to gray) of exactly the
// model's size, never resized (a resized photo is not what the model saw
// in training; resize it yourself, knowingly). Pixels become p * (1 / 255), as
// the dataset's examples are.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/core/input_reader.h"
#include "framework/io/image.h"
#include "plugins/datasets/idx_images/idx_images.pb.h"

namespace siamese {
namespace {

class IdxImagesInputReader : public InputReader {
 public:
  std::string Describe() const override {
    return "grayscale images: PNG or binary PGM files of the model's size (never resized)";
  }

  absl::StatusOr<std::vector<NewInput>> ReadFile(const std::string& path,
                                                 const Shape& shape) const override {
    if (shape.size() != 3 || shape[0] != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "idx_images: the model's examples are ", ShapeToString(shape), ", not [1, H, W] images"));
    }
    absl::StatusOr<GrayImage> image = ReadImage(path);
    if (!image.ok()) return image.status();
    if (image->height != shape[1] || image->width != shape[2]) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: the image is %dx%d (height x width) but the model takes %dx%d images (example "
          "shape %s); images are not resized",
          path, image->height, image->width, shape[1], shape[2], ShapeToString(shape)));
    }
    NewInput in;
    in.name = path;
    in.values.reserve(image->pixels.size());
    for (uint8_t p : image->pixels) in.values.push_back(static_cast<float>(p) * (1.0f / 255.0f));  // as CopyExample
    return std::vector<NewInput>{std::move(in)};
  }
};

absl::StatusOr<std::unique_ptr<InputReader>> CreateReader(const IdxImagesParams&,
                                                          const PluginContext&) {
  return std::unique_ptr<InputReader>(new IdxImagesInputReader());
}

SIAMESE_REGISTER_PLUGIN(InputReader, "idx_images", siamese::idx_images, IdxImagesParams,
                        "new grayscale images (PNG, PGM) of the model's size", &CreateReader);
SIAMESE_REGISTER_PLUGIN(InputReader, "fashion_mnist", siamese::idx_images, IdxImagesParams,
                        "new grayscale images (PNG, PGM) of the model's size", &CreateReader);

}  // namespace
}  // namespace siamese
