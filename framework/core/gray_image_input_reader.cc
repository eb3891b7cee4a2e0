#include "framework/core/gray_image_input_reader.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace siamese {
namespace {

class GrayImageInputReader : public InputReader {
 public:
  std::string Describe() const override {
    return "grayscale images: PNG or binary PGM files of the model's size (never resized)";
  }

  absl::StatusOr<std::vector<NewInput>> ReadFile(const std::string& path,
                                                 const Shape& shape) const override {
    // A small file claiming a huge image is refused from its header
    // (ReadImage's bound), before anything is decoded.
    absl::StatusOr<GrayImage> image = ReadImage(path);
    if (!image.ok()) return image.status();
    absl::StatusOr<std::vector<float>> values = GrayImageToExample(*image, path, shape);
    if (!values.ok()) return values.status();
    NewInput in;
    in.name = path;
    in.values = std::move(*values);
    return std::vector<NewInput>{std::move(in)};
  }
};

}  // namespace

std::unique_ptr<InputReader> NewGrayImageInputReader() {
  return std::make_unique<GrayImageInputReader>();
}

absl::StatusOr<std::vector<float>> GrayImageToExample(const GrayImage& image,
                                                      const std::string& path,
                                                      const Shape& example_shape) {
  if (example_shape.size() != 3 || example_shape[0] != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the model takes examples of shape ", ShapeToString(example_shape),
        ", not grayscale images [1, height, width]; give a dataset example as <split>:<index>"));
  }
  if (image.height != example_shape[1] || image.width != example_shape[2]) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: the image is %dx%d (height x width) but the model takes %dx%d images (example shape "
        "%s); images are not resized",
        path, image.height, image.width, example_shape[1], example_shape[2],
        ShapeToString(example_shape)));
  }
  std::vector<float> v(image.pixels.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = image.pixels[i] * (1.0f / 255.0f);
  return v;
}

}  // namespace siamese
