// The InputReader of dataset "image_folder": new photos (PNG or JPEG, gray
// or color, any size) for a model trained on it, fitted exactly as the
// dataset fits its own images (the shorter side scaled to `size`, center
// crop, area resampling, converted to the model's channels; FitImage), never
// augmented, as floats p * (1 / 255).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/core/input_reader.h"
#include "framework/io/image.h"
#include "plugins/datasets/image_folder/image_folder.pb.h"
#include "plugins/datasets/image_folder/transform.h"

namespace siamese {
namespace {

class ImageFolderInputReader : public InputReader {
 public:
  std::string Describe() const override {
    return "photos: PNG or JPEG files (gray or color, any size; fitted as in training)";
  }

  absl::StatusOr<std::vector<NewInput>> ReadFile(const std::string& path,
                                                 const Shape& shape) const override {
    if (shape.size() != 3 || (shape[0] != 1 && shape[0] != 3) || shape[1] != shape[2]) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": image_folder: the model's examples are ", ShapeToString(shape),
          ", not square images [1 or 3, size, size]"));
    }
    const int channels = static_cast<int>(shape[0]), size = static_cast<int>(shape[1]);
    // As the dataset decodes: a JPEG may be decoded at a reduced scale that
    // keeps both sides >= size.
    absl::StatusOr<ColorImage> image = ReadColorImage(path, kDefaultMaxPixels, size);
    if (!image.ok()) return image.status();
    const std::vector<uint8_t> pixels = FitImage(*image, channels, size);
    NewInput in;
    in.name = path;
    in.values.reserve(pixels.size());
    for (uint8_t p : pixels) in.values.push_back(static_cast<float>(p) * (1.0f / 255.0f));
    return std::vector<NewInput>{std::move(in)};
  }
};

absl::StatusOr<std::unique_ptr<InputReader>> CreateReader(const ImageFolderParams&,
                                                          const PluginContext&) {
  return std::unique_ptr<InputReader>(new ImageFolderInputReader());
}

SIAMESE_REGISTER_PLUGIN(InputReader, "image_folder", siamese::image_folder, ImageFolderParams,
                        "new photos (PNG, JPEG; any size, fitted as in training)", &CreateReader);

}  // namespace
}  // namespace siamese
