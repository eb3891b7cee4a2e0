#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

absl::StatusOr<std::unique_ptr<Loss>> Make(const std::string& text) {
  LossConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  return Registry<Loss>::Create(c, {});
}

Variable Compute(Loss* loss, const Variable& e, const std::vector<int64_t>& labels) {
  const Distance d = Distance::Euclidean();
  const Tuples none;
  return loss->Compute({e, d.Matrix(e, e), &labels, &none, d});
}

// Unit vectors at these angles: squared distance 2 - 2 cos(angle difference).
Variable AtAngles(const std::vector<float>& angles, bool requires_grad = false) {
  std::vector<float> v;
  for (float t : angles) v.insert(v.end(), {std::cos(t), std::sin(t)});
  return Variable(Tensor::FromVector({static_cast<int64_t>(angles.size()), 2}, v), requires_grad);
}

TEST(FastApLossTest, MatchesHandComputation) {
  // 4 bins of width 1 (centers 0, 1, 2, 3, 4). Three points: 0 and 1 of
  // class a at angles 0 and pi/3 (d = 1), 2 of class b at pi (d = 4 from 0,
  // d = 2 - 2 cos(2pi/3) = 3 from 1).
  auto loss = Make(R"(name: "fast_ap" [siamese.fast_ap] { num_bins: 4 })");
  ASSERT_TRUE(loss.ok()) << loss.status();
  const float pi = static_cast<float>(M_PI);
  // Example 0: positive at d 1 (bin 1), negative at 4 (bin 4): h+ = (0,1,0,0,0),
  // H+ = (0,1,1,1,1), H = (0,1,1,1,2): AP = 1 * 1 / 1 = 1. Example 1: positive
  // at 1, negative at 3: AP 1. Example 2 has no positive. Loss 1 - 1 = 0.
  EXPECT_NEAR(Compute(loss->get(), AtAngles({0.0f, pi / 3, pi}), {0, 0, 1}).value().item(), 0.0f,
              1e-5);
  // Swap the labels of 1 and 2: 0's positive is at 4 (bin 4) behind its
  // negative at 1: h+ = (0,0,0,0,1), H+ = (0,0,0,0,1), H = (0,1,1,1,2): AP = 1/2.
  // 2's positive (0) at 4, negative (1) at 3: AP = 1/2. Loss 1 - 1/2.
  EXPECT_NEAR(Compute(loss->get(), AtAngles({0.0f, pi / 3, pi}), {0, 1, 0}).value().item(), 0.5f,
              1e-5);
}

TEST(FastApLossTest, GradientsMatchFiniteDifferences) {
  auto loss = Make(R"(name: "fast_ap" [siamese.fast_ap] { num_bins: 5 })");
  ASSERT_TRUE(loss.ok());
  EXPECT_FALSE((*loss)->uses_tuples());
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) {
        return Compute(loss->get(), in[0], {0, 0, 1, 1, 2, 2});
      },
      {Variable(RandomTensor({6, 3}, 9), true)}, options));
}

TEST(FastApLossTest, BadBinsNamesTheField) {
  auto loss = Make(R"(name: "fast_ap" [siamese.fast_ap] { num_bins: 0 })");
  ASSERT_FALSE(loss.ok());
  EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr("num_bins"));
}

}  // namespace
}  // namespace siamese
