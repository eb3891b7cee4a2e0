#include "framework/optim/sgd.h"

#include <utility>

#include "framework/base/check.h"

namespace siamese {
namespace {

std::vector<std::string> SgdSlots(const SgdOptions& o) {
  if (o.momentum == 0.0f) return {};
  return {"momentum_buffer"};
}

}  // namespace

Sgd::Sgd(NamedVariables parameters, const SgdOptions& options)
    : Optimizer(std::move(parameters), options.learning_rate, SgdSlots(options)),
      options_(options) {
  SIAMESE_CHECK(options.momentum >= 0.0f) << "sgd: negative momentum " << options.momentum;
  SIAMESE_CHECK(options.weight_decay >= 0.0f)
      << "sgd: negative weight_decay " << options.weight_decay;
  SIAMESE_CHECK(!options.nesterov || options.momentum > 0.0f)
      << "sgd: nesterov requires momentum > 0";
}

void Sgd::Update(const FlatParam& p) {
  const float lr = learning_rate();
  const float wd = options_.weight_decay;
  const float mu = options_.momentum;
  const bool nesterov = options_.nesterov;
  float* buf = mu != 0.0f ? p.slots[0] : nullptr;
  for (int64_t i = 0; i < p.size; ++i) {
    float g = p.grad[i];
    if (wd != 0.0f) g += wd * p.value[i];
    if (buf != nullptr) {
      buf[i] = mu * buf[i] + g;
      g = nesterov ? g + mu * buf[i] : buf[i];
    }
    p.value[i] -= lr * g;
  }
}

}  // namespace siamese
