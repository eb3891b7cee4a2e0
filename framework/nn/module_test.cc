#include "framework/nn/module.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace siamese {
namespace {

// weight [out, in], bias [out], one buffer.
class Leaf : public Module {
 public:
  Leaf(int64_t in, int64_t out) {
    weight = RegisterParameter("weight", Tensor::Full({out, in}, 0.5f));
    bias = RegisterParameter("bias", Tensor::Zeros({out}));
    running_mean = RegisterBuffer("running_mean", Tensor::Zeros({out}));
  }
  Variable weight, bias;
  Tensor* running_mean;
};

// Two leaves under numeric names, like a sequential container.
class Block : public Module {
 public:
  Block() {
    first = RegisterModule("0", std::make_unique<Leaf>(2, 3));
    second = RegisterModule("1", std::make_unique<Leaf>(3, 1));
  }
  Leaf* first;
  Leaf* second;
};

class Net : public Module {
 public:
  Net() {
    conv1 = RegisterModule("conv1", std::make_unique<Leaf>(4, 2));
    scale = RegisterParameter("scale", Tensor::Full({1}, 2.0f));
    block = RegisterModule("block", std::make_unique<Block>());
    conv10 = RegisterModule("conv10", std::make_unique<Leaf>(1, 1));
    steps = RegisterBuffer("steps", Tensor::Zeros({}));
  }
  Leaf* conv1;
  Variable scale;
  Block* block;
  Leaf* conv10;
  Tensor* steps;
};

std::vector<std::string> Names(const std::vector<std::pair<std::string, Variable>>& named) {
  std::vector<std::string> out;
  for (const auto& p : named) out.push_back(p.first);
  return out;
}

TEST(ModuleTest, NamedParametersAreHierarchicalAndOrdered) {
  Net net;
  // Own entries first, then children in registration order (PyTorch's order).
  std::vector<std::string> expected = {"scale",          "conv1.weight",  "conv1.bias",
                                       "block.0.weight", "block.0.bias",  "block.1.weight",
                                       "block.1.bias",   "conv10.weight", "conv10.bias"};
  EXPECT_EQ(Names(net.NamedParameters()), expected);
  EXPECT_EQ(net.Parameters().size(), expected.size());
  EXPECT_TRUE(net.NamedParameters()[1].second.SameAs(net.conv1->weight));
  for (const Variable& v : net.Parameters()) EXPECT_TRUE(v.requires_grad());
}

TEST(ModuleTest, NamedBuffersPointIntoTheModules) {
  Net net;
  auto buffers = net.NamedBuffers();
  ASSERT_EQ(buffers.size(), 5u);
  EXPECT_EQ(buffers[0].first, "steps");
  EXPECT_EQ(buffers[1].first, "conv1.running_mean");
  EXPECT_EQ(buffers[3].first, "block.1.running_mean");
  EXPECT_EQ(buffers[1].second, net.conv1->running_mean);
  // Loading in place is seen by the layer.
  *buffers[2].second = Tensor::FromVector({3}, {1, 2, 3});
  EXPECT_EQ(net.block->first->running_mean->ToVector(), (std::vector<float>{1, 2, 3}));
  const Net& const_net = net;
  EXPECT_EQ(const_net.NamedBuffers()[2].second, net.block->first->running_mean);
}

TEST(ModuleTest, ParameterLoadedInPlaceIsSeenByTheLayer) {
  Net net;
  auto params = net.NamedParameters();
  params[2].second.mutable_value() = Tensor::FromVector({2}, {7, 8});  // conv1.bias
  EXPECT_EQ(net.conv1->bias.value().ToVector(), (std::vector<float>{7, 8}));
}

TEST(ModuleTest, TrainAndEvalPropagate) {
  Net net;
  EXPECT_TRUE(net.is_training());
  net.Eval();
  EXPECT_FALSE(net.is_training());
  EXPECT_FALSE(net.block->second->is_training());
  net.Train();
  EXPECT_TRUE(net.block->second->is_training());
  net.block->Train(false);
  EXPECT_TRUE(net.conv1->is_training());
  EXPECT_FALSE(net.block->first->is_training());
}

TEST(ModuleTest, ZeroGradAndNumParameters) {
  Net net;
  // scale 1 + conv1 (8+2) + block.0 (6+3) + block.1 (3+1) + conv10 (1+1).
  EXPECT_EQ(net.NumParameters(), 1 + 10 + 9 + 4 + 2);
  net.scale.AccumulateGrad(Tensor::Full({1}, 3.0f));
  net.block->second->weight.AccumulateGrad(Tensor::Full({1, 3}, 1.0f));
  EXPECT_TRUE(net.scale.grad().defined());
  net.ZeroGrad();
  for (const Variable& v : net.Parameters()) EXPECT_FALSE(v.grad().defined());
}

TEST(ModuleTest, SetRequiresGradMatchesWholeNameComponents) {
  Net net;
  EXPECT_EQ(net.SetRequiresGrad("conv1", false), 2);  // not conv10.*
  EXPECT_FALSE(net.conv1->weight.requires_grad());
  EXPECT_FALSE(net.conv1->bias.requires_grad());
  EXPECT_TRUE(net.conv10->weight.requires_grad());
  EXPECT_EQ(net.SetRequiresGrad("block.0.weight", false), 1);
  EXPECT_FALSE(net.block->first->weight.requires_grad());
  EXPECT_TRUE(net.block->first->bias.requires_grad());
  EXPECT_EQ(net.SetRequiresGrad("block.0.w", false), 0);
  EXPECT_EQ(net.SetRequiresGrad("", true), 9);
  for (const Variable& v : net.Parameters()) EXPECT_TRUE(v.requires_grad());
  // A frozen parameter receives no gradient.
  net.SetRequiresGrad("scale", false);
  net.scale.AccumulateGrad(Tensor::Full({1}, 1.0f));
  EXPECT_FALSE(net.scale.grad().defined());
}

class Registrar : public Module {
 public:
  void Param(const std::string& name) { RegisterParameter(name, Tensor::Zeros({1})); }
  void Buffer(const std::string& name) { RegisterBuffer(name, Tensor::Zeros({1})); }
  void Child(const std::string& name) { RegisterModule(name, std::make_unique<Registrar>()); }
};

TEST(ModuleDeathTest, DuplicateNameNamesBothRegistrations) {
  EXPECT_DEATH(
      {
        Registrar m;
        m.Param("weight");
        m.Buffer("weight");
      },
      "module: cannot register buffer 'weight': the name is already registered as a parameter");
  EXPECT_DEATH(
      {
        Registrar m;
        m.Child("fc");
        m.Param("fc");
      },
      "module: cannot register parameter 'fc': the name is already registered as a module");
}

TEST(ModuleDeathTest, InvalidNameIsRejected) {
  EXPECT_DEATH(
      {
        Registrar m;
        m.Param("conv1.weight");
      },
      "module: parameter name 'conv1.weight' must match \\[A-Za-z0-9_\\]\\+");
  EXPECT_DEATH(
      {
        Registrar m;
        m.Child("");
      },
      "module: module name '' must match");
}

}  // namespace
}  // namespace siamese
