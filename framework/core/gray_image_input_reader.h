// The InputReader (input_reader.h) of grayscale image datasets, whose
// examples are [1, H, W] with values p * (1 / 255): a PNG or binary PGM
// file (framework/io/image.h; color is converted to gray) of exactly the
// model's size, never resized (a resized image is not what the model saw in
// training: resize it yourself, knowingly). idx_images and fashion_mnist
// register it; the framework also gives it to image datasets that register
// no reader of their own.
#ifndef SIAMESE_FRAMEWORK_CORE_GRAY_IMAGE_INPUT_READER_H_
#define SIAMESE_FRAMEWORK_CORE_GRAY_IMAGE_INPUT_READER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/input_reader.h"
#include "framework/io/image.h"

namespace siamese {

std::unique_ptr<InputReader> NewGrayImageInputReader();

// The example values of `image` (read from `path`, which errors name):
// p * (1 / 255), as the IDX image datasets store pixels. InvalidArgument
// when example_shape is not [1, H, W] or the image is not H x W (both sizes
// given).
absl::StatusOr<std::vector<float>> GrayImageToExample(const GrayImage& image,
                                                      const std::string& path,
                                                      const Shape& example_shape);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_GRAY_IMAGE_INPUT_READER_H_
