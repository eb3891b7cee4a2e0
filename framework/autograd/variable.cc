#include "framework/autograd/variable.h"

#include <utility>

#include "framework/base/check.h"
#include "framework/tensor/parallel.h"

namespace siamese {
namespace {

struct Node {
  const char* op;
  std::shared_ptr<VariableImpl> output;
  std::function<void(const Tensor&)> backward;
};

thread_local std::vector<Node> tape;
thread_local bool grad_enabled = true;

// out = a + b, element-wise over the storage of two tensors of equal layout.
Tensor AddSameLayout(const Tensor& a, const Tensor& b) {
  Tensor out = Tensor::EmptyWithLayout(a.shape(), a.desc());
  const float* pa = a.raw();
  const float* pb = b.raw();
  float* po = out.raw();
  // In chunks on the framework's threads (gradients of a transformer's
  // residual stream are millions of floats); element-wise, so the bits do
  // not depend on the split.
  ParallelRows(a.raw_size(), 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) po[i] = pa[i] + pb[i];
  });
  return out;
}

}  // namespace

Variable::Variable(Tensor value, bool requires_grad) : impl_(std::make_shared<VariableImpl>()) {
  impl_->value = std::move(value);
  impl_->requires_grad = requires_grad;
  impl_->is_leaf = true;
}

void Variable::AccumulateGrad(const Tensor& g) const {
  if (!requires_grad()) return;
  SIAMESE_CHECK(g.shape() == impl_->value.shape())
      << "autograd: gradient of shape " << g.ShapeString() << " for a variable of shape "
      << impl_->value.ShapeString();
  Tensor incoming = g;
  if (impl_->is_leaf) {
    incoming = incoming.ToLayout(impl_->value.desc());
    // A leaf owns its gradient: ops may pass one buffer to several inputs
    // (e.g. add) or a view of the output gradient (reshape).
    if (!impl_->grad.defined() && incoming.raw() == g.raw()) incoming = incoming.Clone();
  }
  if (!impl_->grad.defined()) {
    impl_->grad = incoming;
    return;
  }
  impl_->grad = AddSameLayout(impl_->grad, incoming.ToLayout(impl_->grad.desc()));
}

void Variable::Backward() const {
  SIAMESE_CHECK(numel() == 1) << "backward: called on a variable of shape "
                              << impl_->value.ShapeString() << "; pass grad_output";
  Backward(Tensor::Full(shape(), 1.0f));
}

void Variable::Backward(const Tensor& grad_output) const {
  SIAMESE_CHECK(grad_output.shape() == shape())
      << "backward: grad_output " << grad_output.ShapeString() << " for variable "
      << impl_->value.ShapeString();
  AccumulateGrad(grad_output);
  // Move the tape out first: backward closures never record (grad is disabled
  // below), and a throwing closure must not leave a half-consumed tape.
  std::vector<Node> nodes = std::move(tape);
  tape.clear();
  NoGradScope no_grad;
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    VariableImpl& out = *it->output;
    if (out.grad.defined()) {
      Tensor g = std::move(out.grad);
      out.grad = Tensor();
      it->backward(g);
    }
    // Free the closure (and what it saved) as soon as it has run.
    it->backward = nullptr;
  }
}

Variable RecordOp(const char* op, const std::vector<Variable>& inputs, Tensor output,
                  std::function<void(const Tensor&)> backward) {
  Variable out(std::move(output), false);
  bool needs = false;
  if (grad_enabled) {
    for (const Variable& v : inputs) needs = needs || v.requires_grad();
  }
  if (!needs) return out;
  out.impl_->requires_grad = true;
  out.impl_->is_leaf = false;
  tape.push_back(Node{op, out.impl_, std::move(backward)});
  return out;
}

bool GradEnabled() { return grad_enabled; }

NoGradScope::NoGradScope() : previous_(grad_enabled) { grad_enabled = false; }
NoGradScope::~NoGradScope() { grad_enabled = previous_; }

int64_t TapeSize() { return static_cast<int64_t>(tape.size()); }
void ClearTape() { tape.clear(); }

}  // namespace siamese
