// Define-by-run reverse-mode automatic differentiation.
//
// A Variable holds a Tensor value and, when it requires a gradient, the
// gradient accumulated into it. Ops (framework/ops/) compute their forward
// value and, if gradients are enabled and any input requires one, record a
// node on the calling thread's tape: the inputs, the output and a closure that
// maps the output's gradient to the inputs' gradients (the op's backward,
// written next to its forward).
//
// Backward() on a one-element Variable walks the tape from the newest node to
// the oldest (a valid reverse topological order, since a node is recorded
// after all of its inputs exist) and then frees the whole tape. The order is
// fixed by the program, so gradients are bit-for-bit reproducible.
//
// Gradient accumulation rule: a leaf's grad() is the sum of the gradients of
// every Backward() since its last ZeroGrad(), as in PyTorch; optimizers read
// it and trainers call ZeroGrad() once per step. A leaf's gradient is kept in
// the same layout as its value so that optimizers can update both as flat
// arrays. Gradients of intermediate (non-leaf) Variables are freed as soon as
// their node has run.
//
// Evaluation code runs inside a NoGradScope, which records nothing.
#ifndef SIAMESE_FRAMEWORK_AUTOGRAD_VARIABLE_H_
#define SIAMESE_FRAMEWORK_AUTOGRAD_VARIABLE_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "framework/tensor/tensor.h"

namespace siamese {

struct VariableImpl {
  Tensor value;
  Tensor grad;
  bool requires_grad = false;
  bool is_leaf = true;
};

class Variable {
 public:
  // An undefined Variable.
  Variable() = default;
  // A leaf holding `value`.
  explicit Variable(Tensor value, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Tensor& value() const { return impl_->value; }
  // For optimizers and checkpoint loading; never call on a Variable that a
  // recorded node still needs for its backward.
  Tensor& mutable_value() { return impl_->value; }
  const Shape& shape() const { return impl_->value.shape(); }
  int rank() const { return impl_->value.rank(); }
  int64_t dim(int i) const { return impl_->value.dim(i); }
  int64_t numel() const { return impl_->value.numel(); }

  bool requires_grad() const { return impl_ && impl_->requires_grad; }
  void set_requires_grad(bool r) { impl_->requires_grad = r; }
  bool is_leaf() const { return impl_->is_leaf; }

  // The accumulated gradient; undefined when nothing has been accumulated.
  const Tensor& grad() const { return impl_->grad; }
  void ZeroGrad() { impl_->grad = Tensor(); }

  // Adds g to grad() (out of place; see the accumulation rule above).
  // REQUIRES: g.shape() == shape(). No-op when !requires_grad().
  void AccumulateGrad(const Tensor& g) const;

  // Runs the backward pass from this Variable, seeding its gradient with 1,
  // then frees the tape. REQUIRES: numel() == 1.
  void Backward() const;
  // As Backward(), seeding with `grad_output` (same shape as this).
  void Backward(const Tensor& grad_output) const;

  // Same underlying variable.
  bool SameAs(const Variable& other) const { return impl_ == other.impl_; }

 private:
  friend Variable RecordOp(const char*, const std::vector<Variable>&, Tensor,
                           std::function<void(const Tensor&)>);
  std::shared_ptr<VariableImpl> impl_;
};

// Variables by name, e.g. the parameters of a model.
using NamedVariables = std::vector<std::pair<std::string, Variable>>;

// Creates the output Variable of an op. If gradients are enabled and any of
// `inputs` requires a gradient, records `backward` on the tape; it is called
// with the output's gradient during Backward() and must call
// AccumulateGrad() on the inputs that require one.
Variable RecordOp(const char* op, const std::vector<Variable>& inputs, Tensor output,
                  std::function<void(const Tensor& grad_output)> backward);

// True when ops record onto the tape (the default).
bool GradEnabled();

// Within its lifetime ops on this thread record nothing.
class NoGradScope {
 public:
  NoGradScope();
  ~NoGradScope();
  NoGradScope(const NoGradScope&) = delete;
  NoGradScope& operator=(const NoGradScope&) = delete;

 private:
  bool previous_;
};

// Number of nodes on this thread's tape, and a way to drop them without
// running backward (e.g. after an aborted step).
int64_t TapeSize();
void ClearTape();

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_AUTOGRAD_VARIABLE_H_
