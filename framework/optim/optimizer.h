// Optimizer: the base class of first-order optimizers, a registered plugin
// kind (plugins/optimizers/: sgd, adam, adamw). A plugin is created with
// PluginContext::parameters (what to train) and PluginContext::learning_rate.
//
// An optimizer is built from a model's named parameters (Module's
// NamedParameters()); the Variables share state with the model. Step() updates
// in place, as PyTorch does, every parameter that requires a gradient and has
// one; parameters that are frozen (requires_grad false) or received no
// gradient since the last ZeroGrad() are skipped, and their state (including
// their step count) does not advance. Call Step() after Backward(), when the
// tape no longer needs the values.
//
// Updates run element-wise over raw()/raw_size(): a leaf's gradient has the
// same desc() as its value (see variable.h), so a blocked parameter is updated
// without reordering, and optimizer state tensors have the parameter's layout.
// Padding elements of a blocked layout stay 0 (every update maps 0 state, 0
// value and 0 gradient to 0).
//
// A subclass whose Update() is element-wise says so (ElementwiseUpdate());
// Step() then updates slices of the parameters on the framework's threads
// (framework/tensor/parallel.h), with exactly the serial result at any
// thread count.
//
// Per-parameter state: a step count (how many times this parameter has been
// updated) and the subclass's slots (e.g. "momentum_buffer"), allocated as
// zeros at the parameter's first update. For checkpoints, State() lists
//   "<param>.step"           a one-element tensor holding the count, and
//   "<param>.<slot>"         for every slot, when step > 0,
// as plain deep copies, parameters in construction order, slots in the
// subclass's order. The step count is stored as float32, exact up to 2^24.
// LoadState() accepts exactly that set of entries (tensors of any layout).
// The learning rate is not state: schedules set it from the global step.
#ifndef SIAMESE_FRAMEWORK_OPTIM_OPTIMIZER_H_
#define SIAMESE_FRAMEWORK_OPTIM_OPTIMIZER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "framework/autograd/variable.h"
#include "framework/proto/experiment.pb.h"
#include "framework/tensor/tensor.h"

namespace siamese {

class Optimizer {
 public:
  using Config = OptimizerConfig;
  static constexpr const char* kKind = "optimizer";

  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Updates every parameter that requires a gradient and has one.
  // Aborts if a gradient's layout differs from its parameter's value.
  virtual void Step();
  // Clears the gradient of every parameter.
  void ZeroGrad();

  // REQUIRES: learning_rate >= 0.
  void set_learning_rate(float learning_rate);
  float learning_rate() const { return learning_rate_; }
  // Parameters whose name equals `prefix` or starts with `prefix` + "." ("" =
  // all) are updated at learning_rate() * multiplier from now on (as a
  // PyTorch parameter group with its own lr); the default multiplier is 1.
  // Returns the number of parameters matched. REQUIRES: multiplier >= 0.
  int SetLearningRateMultiplier(const std::string& prefix, float multiplier);

  // The parameters in construction order.
  const NamedVariables& parameters() const { return parameters_; }

  // Checkpoint state (see the file comment).
  NamedTensors State() const;
  // Replaces the state. On an InvalidArgument error (an entry missing,
  // unexpected, duplicated, of the wrong shape, or a step that is not a
  // non-negative integer; the message names the entry) nothing is changed.
  absl::Status LoadState(const NamedTensors& state);

 protected:
  // One parameter's update, over flat arrays of `size` floats.
  struct FlatParam {
    float* value;
    const float* grad;
    int64_t size;
    // One array per slot, in the order given to the constructor.
    std::vector<float*> slots;
    // This parameter's update count including this update (1 on the first).
    int64_t step;
    // The learning rate of this update: learning_rate() times the
    // parameter's multiplier. Update() uses this, never learning_rate().
    float learning_rate;
  };

  // REQUIRES: parameter names unique, Variables defined and distinct,
  // learning_rate >= 0. `slot_names` are the per-parameter state tensors the
  // subclass needs (no '.'; may be empty).
  Optimizer(NamedVariables parameters, float learning_rate, std::vector<std::string> slot_names);

  virtual void Update(const FlatParam& p) = 0;

  // True when Update() is element-wise: element i of the value and of every
  // slot is computed from element i of the value, gradient and slots and
  // from the FlatParam's scalars alone, and Update() changes nothing else.
  // Step() may then call Update() on disjoint slices of a parameter (a
  // FlatParam whose arrays start inside the parameter's) from several
  // threads at once. False (the default): one call per parameter, in
  // construction order, on the calling thread.
  virtual bool ElementwiseUpdate() const { return false; }

 private:
  NamedVariables parameters_;
  std::vector<std::string> slot_names_;
  // Indexed like parameters_.
  std::vector<int64_t> steps_;
  std::vector<float> multipliers_;
  std::vector<std::vector<Tensor>> slots_;
  float learning_rate_;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPTIM_OPTIMIZER_H_
