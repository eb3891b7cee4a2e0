// Encoder "cnn": a convolutional network for images [C, H, W]; the
// architecture, parameter names and initialization are described in
// plugins/encoders/common/conv_encoder.h, the parameters in cnn.proto.
#include "framework/core/encoder.h"
#include "framework/core/registry.h"
#include "plugins/encoders/cnn/cnn.pb.h"
#include "plugins/encoders/common/conv_encoder.h"

namespace siamese {
namespace {

absl::StatusOr<std::unique_ptr<Encoder>> CreateCnnEncoder(const CnnEncoderParams& params,
                                                          const PluginContext& context) {
  return encoders::CreateConvEncoder(encoders::SpecFromParams(params, "cnn", 2), context);
}

SIAMESE_REGISTER_PLUGIN(
    Encoder, "cnn", siamese::cnn, CnnEncoderParams,
    "2-D CNN for images [C, H, W]: conv blocks, fc layers, L2-normalized output",
    &CreateCnnEncoder);

}  // namespace
}  // namespace siamese
