// Optimizer "sgd" (parameters: sgd.proto). Stochastic gradient descent with
// momentum, PyTorch's torch.optim.SGD with
// dampening 0. Per element, with p the parameter, g its gradient, lr the
// current learning rate, wd = weight_decay, mu = momentum:
//
//   g   = g + wd * p                     (if wd != 0; L2 regularization)
//   buf = mu * buf + g                   (if mu != 0; buf starts at 0, so
//                                         the first step sets buf = g)
//   g   = nesterov ? g + mu * buf : buf  (if mu != 0)
//   p   = p - lr * g
//
// State slot (only when mu != 0): "momentum_buffer".
#ifndef SIAMESE_PLUGINS_OPTIMIZERS_SGD_SGD_H_
#define SIAMESE_PLUGINS_OPTIMIZERS_SGD_SGD_H_

#include "framework/optim/optimizer.h"

namespace siamese {

struct SgdOptions {
  // The initial learning rate (later: Optimizer::learning_rate()).
  float learning_rate = 0.01f;
  float momentum = 0.0f;
  // REQUIRES: momentum > 0 when true (as in PyTorch).
  bool nesterov = false;
  float weight_decay = 0.0f;
};

class Sgd : public Optimizer {
 public:
  // REQUIRES: learning_rate, momentum, weight_decay >= 0.
  Sgd(NamedVariables parameters, const SgdOptions& options);

  const SgdOptions& options() const { return options_; }

 protected:
  void Update(const FlatParam& p) override;
  bool ElementwiseUpdate() const override { return true; }

 private:
  SgdOptions options_;
};

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_OPTIMIZERS_SGD_SGD_H_
