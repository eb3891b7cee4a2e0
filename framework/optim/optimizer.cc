#include "framework/optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/tensor/parallel.h"

namespace siamese {
namespace {

// A deep copy in layout `md` that shares no storage with `t`.
Tensor CopyToLayout(const Tensor& t, const dnnl::memory::desc& md) {
  Tensor out = t.ToLayout(md);
  if (out.raw() == t.raw()) out = out.Clone();
  return out;
}

Tensor ZerosLike(const Tensor& t) {
  Tensor z = Tensor::EmptyWithLayout(t.shape(), t.desc());
  z.Fill(0.0f);
  return z;
}

// Element-wise updates run over slices of this many floats: 64 KiB of each
// array, a multiple of 16 so that only a parameter's last slice ends in a
// vector loop's scalar tail.
constexpr int64_t kSliceElements = int64_t{1} << 14;
// RowChunks' rough count of inner operations per element. The shipped
// updates are vectorized: Adam takes about 0.2 ns an element with AVX-512,
// 0.65 with SSE (training_benchmark BM_OptimizerStep), so parameters are
// split from about a million elements on; the shipped CNN's 430k (86 us)
// stay on one thread, where waking the other threads would cost more than
// it saves on a busy machine (parallel.h).
constexpr int64_t kWorkPerElement = 1;

}  // namespace

Optimizer::Optimizer(NamedVariables parameters, float learning_rate,
                     std::vector<std::string> slot_names)
    : parameters_(std::move(parameters)),
      slot_names_(std::move(slot_names)),
      steps_(parameters_.size(), 0),
      multipliers_(parameters_.size(), 1.0f),
      slots_(parameters_.size()),
      learning_rate_(0.0f) {
  set_learning_rate(learning_rate);
  for (const std::string& slot : slot_names_) {
    SIAMESE_CHECK(!slot.empty() && slot.find('.') == std::string::npos)
        << "optimizer: invalid state slot name '" << slot << "'";
  }
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const auto& [name, var] = parameters_[i];
    SIAMESE_CHECK(var.defined()) << "optimizer: parameter '" << name << "' is undefined";
    for (size_t j = 0; j < i; ++j) {
      SIAMESE_CHECK(parameters_[j].first != name)
          << "optimizer: parameter name '" << name << "' appears twice";
      SIAMESE_CHECK(!parameters_[j].second.SameAs(var))
          << "optimizer: parameters '" << parameters_[j].first << "' and '" << name
          << "' are the same Variable";
    }
  }
}

void Optimizer::set_learning_rate(float learning_rate) {
  SIAMESE_CHECK(learning_rate >= 0.0f) << "optimizer: negative learning rate " << learning_rate;
  learning_rate_ = learning_rate;
}

int Optimizer::SetLearningRateMultiplier(const std::string& prefix, float multiplier) {
  SIAMESE_CHECK(multiplier >= 0.0f)
      << "optimizer: negative learning-rate multiplier " << multiplier;
  int matched = 0;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const std::string& name = parameters_[i].first;
    if (prefix.empty() || name == prefix || name.rfind(prefix + ".", 0) == 0) {
      multipliers_[i] = multiplier;
      ++matched;
    }
  }
  return matched;
}

void Optimizer::ZeroGrad() {
  for (auto& p : parameters_) p.second.ZeroGrad();
}

void Optimizer::Step() {
  std::vector<FlatParam> updates;
  updates.reserve(parameters_.size());
  for (size_t i = 0; i < parameters_.size(); ++i) {
    auto& [name, var] = parameters_[i];
    if (!var.requires_grad() || !var.grad().defined()) continue;
    Tensor& value = var.mutable_value();
    const Tensor& grad = var.grad();
    SIAMESE_CHECK(grad.desc() == value.desc())
        << "optimizer: gradient of '" << name << "' " << grad.ShapeString()
        << " has a different layout from its value " << value.ShapeString();
    std::vector<Tensor>& slots = slots_[i];
    if (slots.empty()) {
      for (size_t s = 0; s < slot_names_.size(); ++s) slots.push_back(ZerosLike(value));
    }
    FlatParam p{value.raw(), grad.raw(),  value.raw_size(),
                {},          ++steps_[i], learning_rate_ * multipliers_[i]};
    for (Tensor& slot : slots) {
      SIAMESE_CHECK(slot.shape() == value.shape())
          << "optimizer: state of '" << name << "' has shape " << slot.ShapeString()
          << " but the parameter has shape " << value.ShapeString();
      // The value's layout changes only when someone assigns a new value
      // (e.g. from a checkpoint); the state follows it.
      if (slot.desc() != value.desc()) slot = slot.ToLayout(value.desc());
      p.slots.push_back(slot.raw());
    }
    updates.push_back(std::move(p));
  }
  if (!ElementwiseUpdate()) {
    for (const FlatParam& p : updates) Update(p);
    return;
  }
  std::vector<FlatParam> slices;
  for (const FlatParam& p : updates) {
    for (int64_t begin = 0; begin < p.size; begin += kSliceElements) {
      FlatParam s = p;
      s.value += begin;
      s.grad += begin;
      s.size = std::min(kSliceElements, p.size - begin);
      for (float*& slot : s.slots) slot += begin;
      slices.push_back(std::move(s));
    }
  }
  ParallelRows(static_cast<int64_t>(slices.size()), kSliceElements * kWorkPerElement,
               [&](int64_t begin, int64_t end) {
                 for (int64_t k = begin; k < end; ++k) Update(slices[k]);
               });
}

NamedTensors Optimizer::State() const {
  NamedTensors out;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const std::string& name = parameters_[i].first;
    out.emplace_back(name + ".step", Tensor::Scalar(static_cast<float>(steps_[i])));
    for (size_t s = 0; s < slots_[i].size(); ++s) {
      const Tensor& slot = slots_[i][s];
      out.emplace_back(name + "." + slot_names_[s], CopyToLayout(slot, PlainDesc(slot.shape())));
    }
  }
  return out;
}

absl::Status Optimizer::LoadState(const NamedTensors& state) {
  std::map<std::string, const Tensor*> entries;
  for (const auto& [key, tensor] : state) {
    if (!entries.emplace(key, &tensor).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("optimizer state: duplicate entry '", key, "'"));
    }
    if (!tensor.defined()) {
      return absl::InvalidArgumentError(
          absl::StrCat("optimizer state: entry '", key, "' is undefined"));
    }
  }
  // Validate everything before changing anything; `remaining` ends up
  // holding the entries no parameter asked for.
  std::map<std::string, const Tensor*> remaining = entries;
  std::vector<int64_t> steps(parameters_.size());
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const std::string& name = parameters_[i].first;
    const Tensor& value = parameters_[i].second.value();
    const std::string step_key = name + ".step";
    auto it = remaining.find(step_key);
    if (it == remaining.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("optimizer state: missing entry '", step_key, "'"));
    }
    const Tensor& step = *it->second;
    const float s = step.numel() == 1 ? step.item() : -1.0f;
    if (step.numel() != 1 || !(s >= 0.0f) || std::floor(s) != s || s > 16777216.0f) {
      return absl::InvalidArgumentError(absl::StrCat(
          "optimizer state: entry '", step_key, "' must hold one non-negative integer, got shape ",
          step.ShapeString(), step.numel() == 1 ? absl::StrCat(" value ", s) : ""));
    }
    steps[i] = static_cast<int64_t>(s);
    remaining.erase(it);
    if (steps[i] == 0) continue;  // never updated: no slots expected
    for (const std::string& slot : slot_names_) {
      const std::string key = name + "." + slot;
      auto st = remaining.find(key);
      if (st == remaining.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("optimizer state: missing entry '", key, "'"));
      }
      if (st->second->shape() != value.shape()) {
        return absl::InvalidArgumentError(
            absl::StrCat("optimizer state: entry '", key, "' has shape ", st->second->ShapeString(),
                         " but parameter '", name, "' has shape ", value.ShapeString()));
      }
      remaining.erase(st);
    }
  }
  for (const auto& entry : state) {
    if (remaining.count(entry.first) > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("optimizer state: unexpected entry '", entry.first, "'"));
    }
  }
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const std::string& name = parameters_[i].first;
    const Tensor& value = parameters_[i].second.value();
    steps_[i] = steps[i];
    slots_[i].clear();
    if (steps[i] == 0) continue;
    for (const std::string& slot : slot_names_) {
      slots_[i].push_back(CopyToLayout(*entries.at(name + "." + slot), value.desc()));
    }
  }
  return absl::OkStatus();
}

}  // namespace siamese
