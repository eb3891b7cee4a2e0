#include "experiments/benchmarks/small_cnn.h"

#include "framework/autograd/gradient_check.h"
#include "framework/tensor/dnnl_context.h"
#include "gtest/gtest.h"
#include "plugins/optimizers/sgd/sgd.h"

namespace siamese {
namespace {

TEST(SmallCnnTest, OutputsUnitEmbeddings) {
  SmallCnn model(0);
  NoGradScope no_grad;
  Tensor e = model.Forward(Variable(RandomTensor({6, 1, 28, 28}, 1))).value().ToPlain();
  ASSERT_EQ(e.shape(), (Shape{6, 64}));
  for (int i = 0; i < 6; ++i) {
    double s = 0;
    for (int j = 0; j < 64; ++j) s += e.data()[i * 64 + j] * e.data()[i * 64 + j];
    EXPECT_NEAR(s, 1.0, 1e-4);
  }
}

TEST(SmallCnnTest, TrainingStepLowersLossAndSteadyStateCreatesNoPrimitive) {
  SmallCnn model(0);
  Variable images(RandomTensor({48, 1, 28, 28}, 1));
  std::vector<std::pair<std::string, Variable>> named;
  for (const Variable& p : model.Parameters())
    named.emplace_back("p" + std::to_string(named.size()), p);
  SgdOptions options;
  options.learning_rate = 0.05f;
  options.momentum = 0.9f;
  Sgd sgd(named, options);
  auto step = [&] {
    sgd.ZeroGrad();
    Variable loss = StackedTripletMarginLoss(model.Forward(images), 0.2f);
    loss.Backward();
    sgd.Step();
    return loss.value().item();
  };
  const float first = step();
  const int64_t created = PrimitiveCache::creations();
  float last = first;
  for (int i = 0; i < 10; ++i) last = step();
  EXPECT_EQ(PrimitiveCache::creations(), created);
  EXPECT_LT(last, first);
}

}  // namespace
}  // namespace siamese
