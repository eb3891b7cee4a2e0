#include "plugins/optimizers/adam/adam.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "plugins/optimizers/adam/adam.pb.h"
#include "plugins/optimizers/adam/adam_kernel.h"

namespace siamese {

Adam::Adam(NamedVariables parameters, const AdamOptions& options)
    : Adam(std::move(parameters), options, /*decoupled_weight_decay=*/false) {}

Adam::Adam(NamedVariables parameters, const AdamOptions& options, bool decoupled_weight_decay)
    : Optimizer(std::move(parameters), options.learning_rate, {"exp_avg", "exp_avg_sq"}),
      options_(options),
      decoupled_(decoupled_weight_decay) {
  const char* op = decoupled_ ? "adamw" : "adam";
  SIAMESE_CHECK(options.beta1 >= 0.0f && options.beta1 < 1.0f)
      << op << ": beta1 " << options.beta1 << " outside [0, 1)";
  SIAMESE_CHECK(options.beta2 >= 0.0f && options.beta2 < 1.0f)
      << op << ": beta2 " << options.beta2 << " outside [0, 1)";
  SIAMESE_CHECK(options.eps > 0.0f) << op << ": eps must be positive, got " << options.eps;
  SIAMESE_CHECK(options.weight_decay >= 0.0f)
      << op << ": negative weight_decay " << options.weight_decay;
}

void Adam::Update(const FlatParam& p) {
  const double lr = p.learning_rate;
  const double t = static_cast<double>(p.step);
  AdamKernelArgs a;
  a.value = p.value;
  a.grad = p.grad;
  a.exp_avg = p.slots[0];
  a.exp_avg_sq = p.slots[1];
  a.size = p.size;
  a.beta1 = options_.beta1;
  a.beta2 = options_.beta2;
  a.eps = options_.eps;
  a.weight_decay = options_.weight_decay;
  a.decoupled = decoupled_;
  a.decay = static_cast<float>(1.0 - lr * options_.weight_decay);
  a.step_size = static_cast<float>(lr / (1.0 - std::pow(double{options_.beta1}, t)));
  a.bias_correction2_sqrt =
      static_cast<float>(std::sqrt(1.0 - std::pow(double{options_.beta2}, t)));
  AdamKernel(a);
}

namespace {

absl::StatusOr<AdamOptions> Options(const AdamParams& p, const PluginContext& context) {
  if (!(p.beta1() >= 0.0f && p.beta1() < 1.0f)) {
    return FieldError("beta1", absl::StrCat("must be in [0, 1), got ", p.beta1()));
  }
  if (!(p.beta2() >= 0.0f && p.beta2() < 1.0f)) {
    return FieldError("beta2", absl::StrCat("must be in [0, 1), got ", p.beta2()));
  }
  if (!(p.eps() > 0.0f)) return FieldError("eps", absl::StrCat("must be > 0, got ", p.eps()));
  if (!(p.weight_decay() >= 0.0f)) {
    return FieldError("weight_decay", absl::StrCat("must be >= 0, got ", p.weight_decay()));
  }
  AdamOptions o;
  o.learning_rate = context.learning_rate;
  o.beta1 = p.beta1();
  o.beta2 = p.beta2();
  o.eps = p.eps();
  o.weight_decay = p.weight_decay();
  return o;
}

absl::StatusOr<std::unique_ptr<Optimizer>> CreateAdam(const AdamParams& p,
                                                      const PluginContext& context) {
  auto o = Options(p, context);
  if (!o.ok()) return o.status();
  return std::unique_ptr<Optimizer>(new Adam(context.parameters, *o));
}

absl::StatusOr<std::unique_ptr<Optimizer>> CreateAdamW(const AdamParams& p,
                                                       const PluginContext& context) {
  auto o = Options(p, context);
  if (!o.ok()) return o.status();
  return std::unique_ptr<Optimizer>(new AdamW(context.parameters, *o));
}

SIAMESE_REGISTER_PLUGIN(Optimizer, "adam", siamese::adam, AdamParams,
                        "Adam with L2 weight decay (torch.optim.Adam)", &CreateAdam);
SIAMESE_REGISTER_PLUGIN(Optimizer, "adamw", siamese::adamw, AdamParams,
                        "Adam with decoupled weight decay (torch.optim.AdamW)", &CreateAdamW);

}  // namespace
}  // namespace siamese
