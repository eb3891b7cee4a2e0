#include "framework/nn/module.h"

#include "framework/base/check.h"

namespace siamese {
namespace {

bool IsValidLocalName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string Join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

}  // namespace

void Module::CheckNewName(const std::string& name, const char* kind) const {
  SIAMESE_CHECK(IsValidLocalName(name))
      << "module: " << kind << " name '" << name << "' must match [A-Za-z0-9_]+";
  const char* existing = nullptr;
  for (const auto& p : parameters_) {
    if (p.first == name) existing = "parameter";
  }
  for (const auto& b : buffers_) {
    if (b.first == name) existing = "buffer";
  }
  for (const auto& c : children_) {
    if (c.first == name) existing = "module";
  }
  SIAMESE_CHECK(existing == nullptr) << "module: cannot register " << kind << " '" << name
                                     << "': the name is already registered as a " << existing;
}

Variable Module::RegisterParameter(const std::string& name, Tensor init) {
  CheckNewName(name, "parameter");
  SIAMESE_CHECK(init.defined()) << "module: parameter '" << name << "' has an undefined value";
  Variable v(std::move(init), /*requires_grad=*/true);
  parameters_.emplace_back(name, v);
  return v;
}

Tensor* Module::RegisterBuffer(const std::string& name, Tensor init) {
  CheckNewName(name, "buffer");
  SIAMESE_CHECK(init.defined()) << "module: buffer '" << name << "' has an undefined value";
  buffers_.emplace_back(name, std::make_unique<Tensor>(std::move(init)));
  return buffers_.back().second.get();
}

void Module::AddChild(const std::string& name, std::unique_ptr<Module> child) {
  CheckNewName(name, "module");
  SIAMESE_CHECK(child != nullptr) << "module: child module '" << name << "' is null";
  child->Train(training_);
  children_.emplace_back(name, std::move(child));
}

void Module::CollectParameters(const std::string& prefix,
                               std::vector<std::pair<std::string, Variable>>* out) const {
  for (const auto& p : parameters_) out->emplace_back(Join(prefix, p.first), p.second);
  for (const auto& c : children_) c.second->CollectParameters(Join(prefix, c.first), out);
}

void Module::CollectBuffers(const std::string& prefix,
                            std::vector<std::pair<std::string, Tensor*>>* out) const {
  for (const auto& b : buffers_) out->emplace_back(Join(prefix, b.first), b.second.get());
  for (const auto& c : children_) c.second->CollectBuffers(Join(prefix, c.first), out);
}

std::vector<std::pair<std::string, Variable>> Module::NamedParameters() const {
  std::vector<std::pair<std::string, Variable>> out;
  CollectParameters("", &out);
  return out;
}

std::vector<Variable> Module::Parameters() const {
  std::vector<Variable> out;
  for (auto& p : NamedParameters()) out.push_back(std::move(p.second));
  return out;
}

std::vector<std::pair<std::string, Tensor*>> Module::NamedBuffers() {
  std::vector<std::pair<std::string, Tensor*>> out;
  CollectBuffers("", &out);
  return out;
}

std::vector<std::pair<std::string, const Tensor*>> Module::NamedBuffers() const {
  std::vector<std::pair<std::string, Tensor*>> all;
  CollectBuffers("", &all);
  return std::vector<std::pair<std::string, const Tensor*>>(all.begin(), all.end());
}

void Module::Train(bool training) {
  training_ = training;
  for (auto& c : children_) c.second->Train(training);
}

void Module::ZeroGrad() {
  for (auto& p : NamedParameters()) p.second.ZeroGrad();
}

int64_t Module::NumParameters() const {
  int64_t n = 0;
  for (const auto& p : NamedParameters()) n += p.second.numel();
  return n;
}

int Module::SetRequiresGrad(const std::string& prefix, bool requires_grad) {
  int matched = 0;
  for (auto& p : NamedParameters()) {
    const std::string& name = p.first;
    const bool match = prefix.empty() || name == prefix ||
                       (name.size() > prefix.size() &&
                        name.compare(0, prefix.size(), prefix) == 0 && name[prefix.size()] == '.');
    if (!match) continue;
    p.second.set_requires_grad(requires_grad);
    ++matched;
  }
  return matched;
}

}  // namespace siamese
