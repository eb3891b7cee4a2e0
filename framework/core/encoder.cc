#include "framework/core/encoder.h"

#include "framework/base/check.h"

namespace siamese {

Variable Encoder::ForwardTo(const Variable& inputs, const std::string& layer) {
  SIAMESE_CHECK(layer.empty()) << "encoder: no embedding layer \"" << layer
                               << "\" (this encoder offers only its output)";
  return Forward(inputs);
}

}  // namespace siamese
