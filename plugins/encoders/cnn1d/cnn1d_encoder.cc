// Encoder "cnn1d": a 1-D convolutional network for sequences [C, L]; the
// architecture, parameter names and initialization are described in
// plugins/encoders/common/conv_encoder.h, the parameters in cnn1d.proto.
#include "framework/core/encoder.h"
#include "framework/core/registry.h"
#include "plugins/encoders/cnn1d/cnn1d.pb.h"
#include "plugins/encoders/common/conv_encoder.h"

namespace siamese {
namespace {

absl::StatusOr<std::unique_ptr<Encoder>> CreateCnn1dEncoder(const Cnn1dEncoderParams& params,
                                                            const PluginContext& context) {
  return encoders::CreateConvEncoder(encoders::SpecFromParams(params, "cnn1d", 1), context);
}

SIAMESE_REGISTER_PLUGIN(Encoder, "cnn1d", siamese::cnn1d, Cnn1dEncoderParams,
                        "1-D CNN for sequences [C, L]: conv blocks, global average pool, fc "
                        "layers, L2-normalized output",
                        &CreateCnn1dEncoder);

}  // namespace
}  // namespace siamese
