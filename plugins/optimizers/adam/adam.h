// Optimizers "adam" and "adamw" (parameters: adam.proto). Adam and AdamW, PyTorch's
// torch.optim.Adam / AdamW (amsgrad off, maximize off). Per element, with t this parameter's step
// count (1 on its first update), lr the current learning rate, wd = weight_decay:
//
//   Adam:  g = g + wd * p                 (L2 penalty added to the gradient)
//   AdamW: p = p * (1 - lr * wd)          (decoupled weight decay, applied
//                                          before the moment update)
//   m = m + (1 - beta1) * (g - m)         (= beta1 m + (1 - beta1) g; PyTorch's lerp)
//   v = beta2 * v + (1 - beta2) * g * g
//   step_size = lr / (1 - beta1^t)
//   denom     = sqrt(v) / sqrt(1 - beta2^t) + eps   (eps outside the sqrt)
//   p = p - step_size * (m / denom)
//
// m and v start at 0. The bias corrections are computed in double and
// rounded to float, as PyTorch computes them in Python floats.
// State slots: "exp_avg" (m) and "exp_avg_sq" (v).
#ifndef SIAMESE_PLUGINS_OPTIMIZERS_ADAM_ADAM_H_
#define SIAMESE_PLUGINS_OPTIMIZERS_ADAM_ADAM_H_

#include "framework/optim/optimizer.h"

namespace siamese {

struct AdamOptions {
  // The initial learning rate (later: Optimizer::learning_rate()).
  float learning_rate = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  // Adam: L2 coefficient. AdamW: decoupled decay (PyTorch's AdamW default is
  // 1e-2; here the default is 0 for both, and AdamW with 0 equals Adam).
  float weight_decay = 0.0f;
};

class Adam : public Optimizer {
 public:
  // REQUIRES: 0 <= beta1, beta2 < 1; eps > 0 (so that elements whose
  // gradient is always 0, such as blocked-layout padding, stay finite);
  // learning_rate, weight_decay >= 0.
  Adam(NamedVariables parameters, const AdamOptions& options);

  const AdamOptions& options() const { return options_; }
  bool decoupled_weight_decay() const { return decoupled_; }

 protected:
  Adam(NamedVariables parameters, const AdamOptions& options, bool decoupled_weight_decay);
  void Update(const FlatParam& p) override;
  bool ElementwiseUpdate() const override { return true; }

 private:
  AdamOptions options_;
  bool decoupled_;
};

class AdamW : public Adam {
 public:
  AdamW(NamedVariables parameters, const AdamOptions& options)
      : Adam(std::move(parameters), options, /*decoupled_weight_decay=*/true) {}
};

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_OPTIMIZERS_ADAM_ADAM_H_
