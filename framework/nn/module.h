// Module: the base class of layers and models. It owns named parameters
// (trainable Variables), named buffers (non-trainable state such as batch-norm
// running statistics) and named child modules, and a train/eval mode.
//
// A subclass registers everything in its constructor:
//
//   class Affine : public Module {  // y = x W^T + b
//    public:
//     Affine(int64_t in, int64_t out, Rng* rng) {
//       weight_ = RegisterParameter("weight", KaimingUniform({out, in}, in, rng));
//       bias_ = RegisterParameter("bias", Tensor::Zeros({out}));
//     }
//    private:
//     Variable weight_, bias_;
//   };
//
//   class Block : public Module {
//    public:
//     explicit Block(Rng* rng) {
//       fc_ = RegisterModule("fc", std::make_unique<Affine>(8, 4, rng));
//       scale_ = RegisterParameter("scale", Tensor::Full({4}, 1.0f));
//       running_mean_ = RegisterBuffer("running_mean", Tensor::Zeros({4}));
//     }
//    private:
//     Affine* fc_;
//     Variable scale_;
//     Tensor* running_mean_;
//   };
//
// (KaimingUniform: framework/nn/init.h.)
// Names. A local name matches [A-Za-z0-9_]+ and is unique among the
// parameters, buffers and children of one module (a violation aborts naming
// the name and both registrations). Full names join the path with '.', e.g.
// "conv1.weight", "block.0.fc.bias". Enumeration order is deterministic and,
// as in PyTorch, lists a module's own entries in registration order first and
// then each child's, children in registration order, recursively.
//
// Storage is stable: a Variable returned by RegisterParameter shares its
// value and gradient with the module's copy for the module's lifetime, and the
// Tensor* of a buffer stays valid, so checkpoint loading can assign in place
// (NamedParameters()[i].second.mutable_value() = t; *NamedBuffers()[i].second = t).
// Modules are neither copyable nor movable.
#ifndef SIAMESE_FRAMEWORK_NN_MODULE_H_
#define SIAMESE_FRAMEWORK_NN_MODULE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "framework/autograd/variable.h"
#include "framework/tensor/tensor.h"

namespace siamese {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Every parameter of this module and its descendants, with its full name
  // (order: see the file comment). The Variables share state with the module.
  std::vector<std::pair<std::string, Variable>> NamedParameters() const;
  std::vector<Variable> Parameters() const;
  // Every buffer, same naming and order; the pointers point into the modules.
  std::vector<std::pair<std::string, Tensor*>> NamedBuffers();
  std::vector<std::pair<std::string, const Tensor*>> NamedBuffers() const;

  // Training mode (the default) vs evaluation mode, for this module and all
  // descendants. Layers such as dropout and batch norm read is_training().
  void Train(bool training = true);
  void Eval() { Train(false); }
  bool is_training() const { return training_; }

  // Clears the gradient of every parameter (frozen ones included).
  void ZeroGrad();
  // Total number of parameter elements (frozen ones included).
  int64_t NumParameters() const;

  // Sets requires_grad on every parameter whose full name equals `prefix` or
  // starts with `prefix` + "." ("conv1" matches "conv1.weight" but not
  // "conv10.weight"; "" matches all). Frozen parameters (false) receive no
  // gradient and optimizers skip them. Returns the number of parameters
  // matched, so callers can reject a prefix that matches nothing.
  int SetRequiresGrad(const std::string& prefix, bool requires_grad);

 protected:
  // Registers a trainable parameter (requires_grad true) holding `init`.
  // REQUIRES: init.defined(); `name` valid and unused in this module.
  Variable RegisterParameter(const std::string& name, Tensor init);
  // Registers a non-trainable buffer; returns a pointer valid for the
  // module's lifetime. REQUIRES: as RegisterParameter.
  Tensor* RegisterBuffer(const std::string& name, Tensor init);
  // Takes ownership of `child`. REQUIRES: child != nullptr; `name` as above.
  // The child adopts this module's current training mode.
  template <typename M>
  M* RegisterModule(const std::string& name, std::unique_ptr<M> child) {
    static_assert(std::is_base_of<Module, M>::value, "RegisterModule: M must derive from Module");
    M* raw = child.get();
    AddChild(name, std::unique_ptr<Module>(std::move(child)));
    return raw;
  }

 private:
  // Aborts unless `name` is a valid, unused local name; `kind` ("parameter",
  // "buffer", "module") is what is being registered.
  void CheckNewName(const std::string& name, const char* kind) const;
  void AddChild(const std::string& name, std::unique_ptr<Module> child);
  void CollectParameters(const std::string& prefix,
                         std::vector<std::pair<std::string, Variable>>* out) const;
  void CollectBuffers(const std::string& prefix,
                      std::vector<std::pair<std::string, Tensor*>>* out) const;

  std::vector<std::pair<std::string, Variable>> parameters_;
  std::vector<std::pair<std::string, std::unique_ptr<Tensor>>> buffers_;
  std::vector<std::pair<std::string, std::unique_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_NN_MODULE_H_
