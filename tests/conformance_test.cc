// Tests of the suite's own helpers (tests/conformance.h), with a miner that
// exists only in this binary and cannot be created with its defaults: the
// suite must fail for such a plugin and tell its author what to add.
#include "tests/conformance.h"

#include <memory>
#include <string>
#include <vector>

#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/core/registry_test.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

// Needs x > 0; the default x is 0.
class NeedsXMiner : public Miner {
 public:
  static absl::StatusOr<std::unique_ptr<Miner>> Create(const testing::OtherParams& p,
                                                       const PluginContext&) {
    if (!(p.x() > 0)) return FieldError("x", "must be > 0");
    return std::unique_ptr<Miner>(new NeedsXMiner);
  }
  TupleKind output() const override { return TupleKind::kTriplets; }
  Tuples Mine(const MinerInput&) override { return Tuples(); }
};

SIAMESE_REGISTER_PLUGIN(Miner, "needs_x", testing::other_miner, testing::OtherParams,
                        "needs x > 0 (test only)", &NeedsXMiner::Create);

const char kTable[] = "kTable in some_test.cc";

TEST(ConformanceTest, UnlistedPluginFailingWithDefaultsSaysWhatToAdd) {
  auto miner = conformance::CreateForSuite<Miner>("needs_x", {}, kTable, PluginContext());
  ASSERT_FALSE(miner.ok());
  EXPECT_EQ(miner.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(miner.status().message(),
              HasSubstr("miner \"needs_x\" cannot be created with its default parameters "
                        "(x: must be > 0); add an entry {\"needs_x\", R\"(name: \"needs_x\" "
                        "[siamese.testing.other_miner] { ... })\"} to kTable in some_test.cc"));
}

TEST(ConformanceTest, ListedPluginIsCreatedFromItsEntry) {
  const conformance::Overrides table = {
      {"needs_x", R"(name: "needs_x" [siamese.testing.other_miner] { x: 1 })"}};
  auto miner = conformance::CreateForSuite<Miner>("needs_x", table, kTable, PluginContext());
  EXPECT_TRUE(miner.ok()) << miner.status();
}

TEST(ConformanceTest, BadEntriesAreErrors) {
  const conformance::Overrides bad_value = {
      {"needs_x", R"(name: "needs_x" [siamese.testing.other_miner] { x: -1 })"}};
  auto a = conformance::CreateForSuite<Miner>("needs_x", bad_value, kTable, PluginContext());
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(),
              HasSubstr("miner \"needs_x\": its entry in kTable in some_test.cc does not create "
                        "it: x: must be > 0"));

  const conformance::Overrides other_name = {{"needs_x", R"(name: "other")"}};
  auto b = conformance::CreateForSuite<Miner>("needs_x", other_name, kTable, PluginContext());
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(),
              HasSubstr("the override entry of miner \"needs_x\" names \"other\""));

  const conformance::Overrides unparsable = {{"needs_x", "name: "}};
  auto c = conformance::CreateForSuite<Miner>("needs_x", unparsable, kTable, PluginContext());
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("miner config does not parse"));
}

TEST(ConformanceTest, StaleEntriesAndTestNames) {
  const conformance::Overrides table = {{"needs_x", ""}, {"gone", ""}};
  EXPECT_EQ(conformance::StaleEntries<Miner>(table), std::vector<std::string>{"gone"});
  EXPECT_EQ(conformance::TestName("a-b.c_1"), "a_b_c_1");
  EXPECT_EQ(conformance::TestName(""), "_");
}

}  // namespace
}  // namespace siamese
