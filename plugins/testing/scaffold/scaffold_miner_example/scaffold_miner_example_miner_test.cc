#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

absl::StatusOr<std::unique_ptr<Miner>> Make(const std::string& text) {
  MinerConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  return Registry<Miner>::Create(c, {});
}

TEST(ScaffoldMinerExampleMinerTest, KeepsPositivesAndCloseNegatives) {
  auto miner = Make(R"(name: "scaffold_miner_example" [siamese.scaffold_miner_example] { margin: 0.5 })");
  ASSERT_TRUE(miner.ok()) << miner.status();
  // Points 0, 0.3 (a) and 0.6, 2.0 (b): distances |x_i - x_j|.
  const std::vector<float> x = {0.0f, 0.3f, 0.6f, 2.0f};
  std::vector<float> d(16);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) d[i * 4 + j] = std::fabs(x[i] - x[j]);
  const Tensor distances = Tensor::FromVector({4, 4}, d);
  const std::vector<int64_t> labels = {0, 0, 1, 1};
  MinerInput in;
  in.distances = &distances;
  in.labels = &labels;
  const Pairs p = (*miner)->Mine(in).pairs();
  // Positives (0, 1), (2, 3); negatives closer than 0.5: only (1, 2) at 0.3.
  EXPECT_EQ(p.pos_a, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(p.pos_b, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(p.neg_a, (std::vector<int64_t>{1}));
  EXPECT_EQ(p.neg_b, (std::vector<int64_t>{2}));
}

TEST(ScaffoldMinerExampleMinerTest, BadParameterNamesTheField) {
  auto miner = Make(R"(name: "scaffold_miner_example" [siamese.scaffold_miner_example] { margin: -1 })");
  ASSERT_FALSE(miner.ok());
  EXPECT_THAT(std::string(miner.status().message()), ::testing::HasSubstr("margin"));
}

}  // namespace
}  // namespace siamese
