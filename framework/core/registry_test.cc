#include "framework/core/registry.h"

#include "framework/core/miner.h"
#include "framework/core/registry_test.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

// A plugin that exists only in this test.
class StrideMiner : public Miner {
 public:
  explicit StrideMiner(int stride) : stride_(stride) {}
  static absl::StatusOr<std::unique_ptr<Miner>> Create(const testing::StrideMinerParams& p,
                                                       const PluginContext&) {
    if (p.stride() < 1)
      return FieldError("stride", "must be >= 1, got " + std::to_string(p.stride()));
    return std::unique_ptr<Miner>(new StrideMiner(p.stride()));
  }
  TupleKind output() const override { return TupleKind::kTriplets; }
  Tuples Mine(const MinerInput& in) override {
    const std::vector<int64_t>& labels = *in.labels;
    Triplets t;
    int64_t n = static_cast<int64_t>(labels.size()), k = 0;
    for (int64_t a = 0; a < n; ++a)
      for (int64_t p = 0; p < n; ++p)
        for (int64_t q = 0; q < n; ++q)
          if (a != p && labels[a] == labels[p] && labels[a] != labels[q] && k++ % stride_ == 0) {
            t.anchors.push_back(a);
            t.positives.push_back(p);
            t.negatives.push_back(q);
          }
    return t;
  }
  int stride() const { return stride_; }

 private:
  int stride_;
};

SIAMESE_REGISTER_PLUGIN(Miner, "test_stride", testing::stride_miner, testing::StrideMinerParams,
                        "keeps every stride-th triplet (test only)", &StrideMiner::Create);

MinerConfig Parse(const std::string& text) {
  MinerConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  return c;
}

TEST(RegistryTest, CreatesRegisteredPluginWithTypedParameters) {
  auto miner = Registry<Miner>::Create(
      Parse(R"(name: "test_stride" [siamese.testing.stride_miner] { stride: 3 })"), {});
  ASSERT_TRUE(miner.ok()) << miner.status();
  EXPECT_EQ(static_cast<StrideMiner*>(miner->get())->stride(), 3);
  const std::vector<int64_t> labels = {0, 0, 1, 1};
  MinerInput in;
  in.labels = &labels;
  Tuples t = (*miner)->Mine(in);
  // 8 valid triplets (4 anchors x 1 positive x 2 negatives); every 3rd kept.
  EXPECT_EQ(t.size(), 3);
}

TEST(RegistryTest, DefaultsApplyWhenParametersAreOmitted) {
  auto miner = Registry<Miner>::Create(Parse(R"(name: "test_stride")"), {});
  ASSERT_TRUE(miner.ok());
  EXPECT_EQ(static_cast<StrideMiner*>(miner->get())->stride(), 2);
}

TEST(RegistryTest, UnknownNameListsRegisteredNames) {
  auto miner = Registry<Miner>::Create(Parse(R"(name: "test_strid")"), {});
  ASSERT_FALSE(miner.ok());
  EXPECT_EQ(miner.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(miner.status().message(), HasSubstr("unknown miner \"test_strid\""));
  EXPECT_THAT(miner.status().message(), HasSubstr("registered: "));
  EXPECT_THAT(miner.status().message(), HasSubstr("test_stride"));
}

TEST(RegistryTest, InvalidParameterNamesTheField) {
  auto miner = Registry<Miner>::Create(
      Parse(R"(name: "test_stride" [siamese.testing.stride_miner] { stride: 0 })"), {});
  ASSERT_FALSE(miner.ok());
  EXPECT_THAT(miner.status().message(), HasSubstr("stride: must be >= 1, got 0"));
  EXPECT_EQ(ErrorField(miner.status()), "stride");
}

TEST(RegistryTest, ParametersOfAnotherPluginAreRejected) {
  auto miner = Registry<Miner>::Create(
      Parse(R"(name: "test_stride" [siamese.testing.other_miner] { x: 1 })"), {});
  ASSERT_FALSE(miner.ok());
  EXPECT_THAT(miner.status().message(),
              HasSubstr("does not take [siamese.testing.other_miner] parameters"));
}

TEST(RegistryTest, DescribeListsParametersAndDefaults) {
  for (const PluginInfo& info : Registry<Miner>::List()) {
    if (info.name != "test_stride") continue;
    std::string d = DescribePlugin(info);
    EXPECT_THAT(d, HasSubstr("miner \"test_stride\""));
    EXPECT_THAT(d, HasSubstr("stride (int32) = 2"));
    return;
  }
  FAIL() << "test_stride not listed";
}

TEST(RegistryDeathTest, DuplicateNameFailsAtStartUp) {
  EXPECT_DEATH((internal::RegisterPlugin<Miner, testing::StrideMinerParams>(
                   "test_stride", testing::stride_miner, "again", &StrideMiner::Create)),
               "miner plugin \"test_stride\" is registered twice");
}

}  // namespace
}  // namespace siamese
