#include "plugins/optimizers/sgd/sgd.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "plugins/optimizers/sgd/sgd.pb.h"
#include "plugins/optimizers/sgd/sgd_kernel.h"

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
  SgdKernelArgs a;
  a.value = p.value;
  a.grad = p.grad;
  a.momentum_buffer = options_.momentum != 0.0f ? p.slots[0] : nullptr;
  a.size = p.size;
  a.learning_rate = p.learning_rate;
  a.momentum = options_.momentum;
  a.weight_decay = options_.weight_decay;
  a.nesterov = options_.nesterov;
  SgdKernel(a);
}

namespace {

absl::StatusOr<std::unique_ptr<Optimizer>> CreateSgd(const SgdParams& p,
                                                     const PluginContext& context) {
  if (!(p.momentum() >= 0.0f)) {
    return FieldError("momentum", absl::StrCat("must be >= 0, got ", p.momentum()));
  }
  if (p.nesterov() && !(p.momentum() > 0.0f)) {
    return FieldError("nesterov", "requires momentum > 0");
  }
  if (!(p.weight_decay() >= 0.0f)) {
    return FieldError("weight_decay", absl::StrCat("must be >= 0, got ", p.weight_decay()));
  }
  SgdOptions o;
  o.learning_rate = context.learning_rate;
  o.momentum = p.momentum();
  o.nesterov = p.nesterov();
  o.weight_decay = p.weight_decay();
  return std::unique_ptr<Optimizer>(new Sgd(context.parameters, o));
}

SIAMESE_REGISTER_PLUGIN(Optimizer, "sgd", siamese::sgd, SgdParams,
                        "SGD with momentum, Nesterov and L2 weight decay (torch.optim.SGD)",
                        &CreateSgd);

}  // namespace
}  // namespace siamese
