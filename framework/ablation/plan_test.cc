#include "framework/ablation/plan.h"

#include <cstdlib>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "framework/io/atomic_file.h"
#include "gtest/gtest.h"
#include "plugins/losses/triplet/triplet.pb.h"
#include "plugins/miners/semi_hard/semi_hard.pb.h"

namespace siamese {
namespace {

constexpr char kBase[] = R"(name: "base"
seed: 7
threads: 4
data { dataset { name: "fashion_mnist" } }
miner { name: "semi_hard" [siamese.semi_hard] { margin: 0.2 } }
loss { name: "triplet" [siamese.triplet] { margin: 0.2 } }
training { epochs: 1 batch_size: 16 }
)";

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/plan";
    ASSERT_EQ(system(("mkdir -p " + dir_ + "/configs " + dir_ + "/ablations").c_str()), 0);
    ASSERT_TRUE(WriteFileAtomically(dir_ + "/configs/base.pbtxt", kBase).ok());
  }

  // Writes an ablation file with `body` after name/base/output_dir lines.
  std::string Write(const std::string& body) {
    const std::string path = dir_ + "/ablations/a.pbtxt";
    EXPECT_TRUE(
        WriteFileAtomically(path, absl::StrCat("name: \"a\"\nbase: \"../configs/base.pbtxt\"\n",
                                               "output_dir: \"", dir_, "/out\"\n", body))
            .ok());
    return path;
  }

  std::string dir_;
};

constexpr char kTwoAxes[] = R"(seeds: [1, 2]
axis {
  name: "loss"
  value { label: "m1" override: 'loss { [siamese.triplet] { margin: 0.1 } }' }
  value { label: "m5" override: 'loss { [siamese.triplet] { margin: 0.5 } }' }
}
axis {
  name: "miner"
  value { label: "semi_hard" override: '' }
  value { label: "all" override: 'miner { name: "all" }' }
  value { label: "batch_hard" override: 'miner { name: "batch_hard" }' }
}
)";

TEST_F(PlanTest, GridIsTheCartesianProductInAxisOrder) {
  auto plan = PlanAblation(Write(kTwoAxes));
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->cells.size(), 6u);
  const char* labels[] = {"loss=m1 miner=semi_hard",  "loss=m1 miner=all",
                          "loss=m1 miner=batch_hard", "loss=m5 miner=semi_hard",
                          "loss=m5 miner=all",        "loss=m5 miner=batch_hard"};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(plan->cells[i].label, labels[i]);
    EXPECT_EQ(plan->cells[i].is_base, i == 0);
    EXPECT_TRUE(plan->cells[i].runs.empty());
  }
  EXPECT_EQ(plan->cells[4].axis_values,
            (std::vector<std::pair<std::string, std::string>>{{"loss", "m5"}, {"miner", "all"}}));
  ASSERT_EQ(plan->runs.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(plan->runs[i].cell, i / 2);
    EXPECT_EQ(plan->runs[i].seed, i % 2 == 0 ? 1u : 2u);
  }
  EXPECT_EQ(plan->name, "a");
  EXPECT_EQ(plan->dir, dir_ + "/out/a");
  EXPECT_EQ(plan->metrics, DefaultAblationMetrics());
}

TEST_F(PlanTest, OneAtATimeIsTheBaseThenEachOtherValue) {
  auto plan = PlanAblation(Write(absl::StrCat("mode: \"one_at_a_time\"\n", kTwoAxes)));
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->cells.size(), 4u);  // 1 + (2-1) + (3-1)
  EXPECT_EQ(plan->cells[0].label, "loss=m1 miner=semi_hard");
  EXPECT_TRUE(plan->cells[0].is_base);
  EXPECT_EQ(plan->cells[1].label, "loss=m5 miner=semi_hard");
  EXPECT_EQ(plan->cells[2].label, "loss=m1 miner=all");
  EXPECT_EQ(plan->cells[3].label, "loss=m1 miner=batch_hard");
  EXPECT_EQ(plan->runs.size(), 8u);
}

TEST_F(PlanTest, OverridesMergeInAxisOrderWithSeedThreadsNameAndOutputDir) {
  auto plan = PlanAblation(Write(kTwoAxes), /*jobs=*/3);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const PlannedRun& run = plan->runs[9];  // loss=m5 miner=all, seed 2
  const Experiment& c = run.experiment->config();
  EXPECT_EQ(c.miner().name(), "all");
  EXPECT_FALSE(c.miner().HasExtension(semi_hard));  // a new plugin drops the old parameters
  EXPECT_FLOAT_EQ(c.loss().GetExtension(triplet).margin(), 0.5f);
  EXPECT_EQ(c.loss().name(), "triplet");
  EXPECT_EQ(c.seed(), 2u);
  EXPECT_EQ(c.threads(), 1);  // 4 / 3
  EXPECT_EQ(c.name(), run.hash);
  EXPECT_EQ(c.output_dir(), plan->dir + "/runs");
  EXPECT_EQ(run.run_dir, plan->dir + "/runs/" + run.hash);
  EXPECT_EQ(run.hash.size(), 12u);
  EXPECT_EQ(run.hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  auto two = PlanAblation(Write(kTwoAxes), /*jobs=*/2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->runs[9].experiment->config().threads(), 2);
  auto one = PlanAblation(Write(kTwoAxes));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->runs[9].experiment->config().threads(), 4);
}

TEST_F(PlanTest, HashDependsOnConfigSeedAndThreadsOnly) {
  const std::string path = Write(kTwoAxes);
  auto a = PlanAblation(path);
  auto b = PlanAblation(path);
  ASSERT_TRUE(a.ok() && b.ok());
  std::set<std::string> hashes;
  for (size_t i = 0; i < a->runs.size(); ++i) {
    EXPECT_EQ(a->runs[i].hash, b->runs[i].hash);  // stable
    hashes.insert(a->runs[i].hash);
  }
  EXPECT_EQ(hashes.size(), a->runs.size());     // a different seed or cell: a different folder
  EXPECT_NE(a->runs[0].hash, a->runs[1].hash);  // same cell, seeds 1 and 2
  // Where the ablation is written and what it is called do not count.
  auto moved =
      PlanAblation(path, 1, {absl::StrCat("output_dir: \"", dir_, "/elsewhere\" name: \"b\"")});
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->dir, dir_ + "/elsewhere/b");
  EXPECT_EQ(moved->runs[3].hash, a->runs[3].hash);
  // The thread count does.
  auto jobs2 = PlanAblation(path, 2);
  ASSERT_TRUE(jobs2.ok());
  EXPECT_NE(jobs2->runs[3].hash, a->runs[3].hash);
  // Only the seeds override: the same cells, the same hashes.
  auto seeds = PlanAblation(path, 1, {"seeds: [2]"});
  ASSERT_TRUE(seeds.ok());
  ASSERT_EQ(seeds->runs.size(), 6u);
  EXPECT_EQ(seeds->runs[0].hash, a->runs[1].hash);
}

TEST_F(PlanTest, DuplicateLabelIsAnErrorNamingTheLine) {
  auto plan = PlanAblation(Write(R"(seeds: 1
axis {
  name: "miner"
  value { label: "all" override: 'miner { name: "all" }' }
  value { label: "all" override: 'miner { name: "batch_hard" }' }
}
)"));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().message(),
            dir_ + "/ablations/a.pbtxt:8:11: axis \"miner\": label \"all\" appears twice");
}

TEST_F(PlanTest, BadOverrideNamesAxisValueAndParseError) {
  auto plan = PlanAblation(Write(R"(seeds: 1
axis {
  name: "miner"
  value { label: "all" override: 'miner { name: "all" }' }
  value { label: "typo" override: 'miner { nmae: "all" }' }
}
)"));
  ASSERT_FALSE(plan.ok());
  const std::string m(plan.status().message());
  EXPECT_NE(m.find(dir_ + "/ablations/a.pbtxt:8:25: axis \"miner\", value \"typo\": override 1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("has no field named \"nmae\""), std::string::npos) << m;

  auto type = PlanAblation(Write(R"(seeds: 1
axis {
  name: "threads"
  value { label: "many" override: 'threads: "many"' }
}
)"));
  ASSERT_FALSE(type.ok());
  EXPECT_NE(type.status().message().find("axis \"threads\", value \"many\""), std::string::npos)
      << type.status();
}

TEST_F(PlanTest, ValidationErrors) {
  struct Case {
    std::string body, error;
  } cases[] = {
      {"axis { name: \"x\" value { label: \"a\" } }\n",
       "a.pbtxt: seeds: at least one seed is required"},
      {"seeds: 1\naxis { name: \"x\" }\n",
       "a.pbtxt:5:8: axis \"x\": at least one value is required"},
      {"seeds: 1\nmode: \"random\"\n",
       "a.pbtxt:5:1: mode: must be \"grid\" or \"one_at_a_time\", got \"random\""},
      {"seeds: [1, 1]\n", "seeds: seed 1 appears twice"},
      {"seeds: 1\nbogus: 2\n",
       "a.pbtxt:5:6: Message type \"siamese.Ablation\" has no field named \"bogus\"."},
      {"seeds: 1\naxis { name: \"x\" value { label: \"a\" } value { label: \"b\" } }\n",
       "cells \"x=a\" and \"x=b\" resolve to the same experiment"},
  };
  for (const Case& c : cases) {
    auto plan = PlanAblation(Write(c.body));
    ASSERT_FALSE(plan.ok()) << c.body;
    EXPECT_NE(plan.status().message().find(c.error), std::string::npos) << plan.status();
  }
}

TEST(ShippedAblations, Plan) {
  auto lm = PlanAblation("experiments/ablations/fashion_mnist_loss_x_miner.pbtxt");
  ASSERT_TRUE(lm.ok()) << lm.status();
  EXPECT_EQ(lm->cells.size(), 6u);
  EXPECT_EQ(lm->runs.size(), 18u);
  EXPECT_EQ(lm->cells[3].label, "loss=contrastive miner=semi_hard");
  EXPECT_EQ(lm->runs[9].experiment->config().loss().name(), "contrastive");
  auto ms = PlanAblation("experiments/ablations/fashion_mnist_margin_sweep.pbtxt");
  ASSERT_TRUE(ms.ok()) << ms.status();
  EXPECT_EQ(ms->runs.size(), 9u);
  EXPECT_FLOAT_EQ(ms->runs[8].experiment->config().miner().GetExtension(semi_hard).margin(), 0.5f);
}

// Issue 10: a misspelled metric gave exit 0 and an all-n/a summary.
TEST_F(PlanTest, AnUnknownMetricIsRefusedListingTheKnownOnes) {
  auto plan = PlanAblation(Write(R"(seeds: 1
metrics: ["precision_at_1", "presicion_at_1"]
axis {
  name: "miner"
  value { label: "all" override: 'miner { name: "all" }' }
}
)"));
  ASSERT_FALSE(plan.ok());
  const std::string m(plan.status().message());
  EXPECT_NE(m.find("metrics: unknown metric \"presicion_at_1\"; known: precision_at_1"),
            std::string::npos)
      << m;
  EXPECT_TRUE(PlanAblation(Write(R"(seeds: 1
metrics: ["recall_at_16", "untrained_map_at_r", "gain_map_at_r", "train_seconds"]
axis {
  name: "miner"
  value { label: "all" override: 'miner { name: "all" }' }
}
)"))
                  .ok());
}

// Found by the ablation_plan fuzzer: an axis without a name crashed the
// error's locator (a null field descriptor).
TEST_F(PlanTest, AnAxisWithoutANameIsAnErrorNotACrash) {
  auto plan = PlanAblation(Write(R"(seeds: 1
axis { name: "miner" value { label: "all" override: 'miner { name: "all" }' } }
axis { value { label: "x" override: '' } }
)"));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().message(), dir_ + "/ablations/a.pbtxt: axis 2: name is required");
}

}  // namespace
}  // namespace siamese
