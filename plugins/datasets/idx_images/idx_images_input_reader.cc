// The InputReader of the IDX image datasets ("idx_images", "fashion_mnist"):
// new grayscale images of the model's size (framework/core/
// gray_image_input_reader.h), pixels scaled as CopyExample scales them.
#include "framework/core/gray_image_input_reader.h"
#include "framework/core/registry.h"
#include "plugins/datasets/idx_images/idx_images.pb.h"

namespace siamese {
namespace {

absl::StatusOr<std::unique_ptr<InputReader>> CreateReader(const IdxImagesParams&,
                                                          const PluginContext&) {
  return NewGrayImageInputReader();
}

SIAMESE_REGISTER_PLUGIN(InputReader, "idx_images", siamese::idx_images, IdxImagesParams,
                        "new grayscale images (PNG, PGM) of the model's size", &CreateReader);
SIAMESE_REGISTER_PLUGIN(InputReader, "fashion_mnist", siamese::idx_images, IdxImagesParams,
                        "new grayscale images (PNG, PGM) of the model's size", &CreateReader);

}  // namespace
}  // namespace siamese
