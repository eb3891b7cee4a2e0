// Conformance of every registered miner (and of the listed variants of
// miners with a choice of output): every tuple valid, indices in range,
// the distances left untouched, and a result that depends on the inputs and
// the step only.
#include <algorithm>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "framework/autograd/gradient_check.h"
#include "framework/core/distance.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/ops/shape_ops.h"
#include "gtest/gtest.h"
#include "tests/conformance.h"

namespace siamese {
namespace {

using conformance::CreateForSuite;
using conformance::Overrides;

// Miners whose defaults cannot work on the suite's batch, with the config
// used instead (none today).
const Overrides& MinerOverrides() {
  static const auto* table = new Overrides{};
  return *table;
}
const char kTable[] = "MinerOverrides() in tests/miner_conformance_test.cc";

// Further configs checked besides each miner's defaults: the other output
// kind of miners that offer both (batch_easy_hard gives pairs when a side is
// "all").
struct Variant {
  std::string label;  // test name suffix
  std::string plugin;
  std::string config;
};
const std::vector<Variant>& Variants() {
  static const auto* variants = new std::vector<Variant>{
      {"all_pairs", "all", R"(name: "all" [siamese.all] { output: "pairs" })"},
      {"random_pairs", "random",
       R"(name: "random" [siamese.random] { output: "pairs" num_tuples: 64 })"},
      {"batch_easy_hard_all_positives", "batch_easy_hard",
       R"(name: "batch_easy_hard" [siamese.batch_easy_hard] )"
       R"({ pos_strategy: "all" neg_strategy: "hard" })"},
      {"batch_easy_hard_all_negatives", "batch_easy_hard",
       R"(name: "batch_easy_hard" [siamese.batch_easy_hard] )"
       R"({ pos_strategy: "easy" neg_strategy: "all" })"},
  };
  return *variants;
}

// One case: a registered miner with its suite config, or a variant.
struct MinerCase {
  std::string label;
  std::string plugin;
  std::string config;  // "" = the suite config (defaults or override)
};

void PrintTo(const MinerCase& c, std::ostream* os) {
  *os << (c.config.empty() ? c.plugin : c.config);
}

std::vector<MinerCase> Cases() {
  std::vector<MinerCase> cases;
  for (const std::string& name : Registry<Miner>::Names()) cases.push_back({name, name, ""});
  for (const Variant& v : Variants()) cases.push_back({v.label, v.plugin, v.config});
  return cases;
}

const std::vector<int64_t> kLabels = {0, 0, 0, 1, 1, 1, 2, 2};
constexpr int64_t kN = 8;

absl::StatusOr<std::unique_ptr<Miner>> Make(const MinerCase& c, uint64_t seed) {
  PluginContext context;
  context.seed = seed;
  if (c.config.empty()) return CreateForSuite<Miner>(c.plugin, MinerOverrides(), kTable, context);
  absl::StatusOr<MinerConfig> config = conformance::ParseConfig<Miner>(c.config);
  if (!config.ok()) return config.status();
  return Registry<Miner>::Create(*config, context);
}

// Every violated rule of `tuples` for `labels`, one per line; "" if valid.
std::string Violations(const Tuples& tuples, const std::vector<int64_t>& labels) {
  std::string out;
  const int64_t n = static_cast<int64_t>(labels.size());
  auto in_range = [n](int64_t i) { return i >= 0 && i < n; };
  auto bad = [&out](const std::string& what) {
    if (out.size() < 2000) absl::StrAppend(&out, "\n  ", what);
  };
  if (tuples.kind() == TupleKind::kTriplets) {
    const Triplets& t = tuples.triplets();
    if (t.positives.size() != t.anchors.size() || t.negatives.size() != t.anchors.size()) {
      bad(absl::StrCat("triplet vectors of sizes ", t.anchors.size(), ", ", t.positives.size(),
                       ", ", t.negatives.size()));
      return out;
    }
    for (size_t i = 0; i < t.anchors.size(); ++i) {
      const int64_t a = t.anchors[i], p = t.positives[i], q = t.negatives[i];
      const std::string tuple = absl::StrCat("triplet ", i, " (", a, ", ", p, ", ", q, ")");
      if (!in_range(a) || !in_range(p) || !in_range(q)) {
        bad(tuple + ": index out of [0, " + std::to_string(n) + ")");
        continue;
      }
      if (a == p) bad(tuple + ": anchor == positive");
      if (labels[a] != labels[p]) bad(tuple + ": positive has another label");
      if (labels[a] == labels[q]) bad(tuple + ": negative has the anchor's label");
    }
    return out;
  }
  const Pairs& t = tuples.pairs();
  if (t.pos_b.size() != t.pos_a.size() || t.neg_b.size() != t.neg_a.size()) {
    bad(absl::StrCat("pair vectors of sizes ", t.pos_a.size(), "/", t.pos_b.size(), " and ",
                     t.neg_a.size(), "/", t.neg_b.size()));
    return out;
  }
  auto check = [&](const std::vector<int64_t>& as, const std::vector<int64_t>& bs, bool same) {
    for (size_t k = 0; k < as.size(); ++k) {
      const int64_t i = as[k], j = bs[k];
      const std::string pair =
          absl::StrCat(same ? "positive" : "negative", " pair ", k, " (", i, ", ", j, ")");
      if (!in_range(i) || !in_range(j)) {
        bad(pair + ": index out of [0, " + std::to_string(n) + ")");
        continue;
      }
      if (i == j) bad(pair + ": i == j");
      if ((labels[i] == labels[j]) != same) {
        bad(pair + (same ? ": labels differ" : ": labels are the same"));
      }
    }
  };
  check(t.pos_a, t.pos_b, true);
  check(t.neg_a, t.neg_b, false);
  return out;
}

bool SameTuples(const Tuples& x, const Tuples& y) {
  if (x.kind() != y.kind()) return false;
  if (x.kind() == TupleKind::kPairs) {
    const Pairs &a = x.pairs(), &b = y.pairs();
    return a.pos_a == b.pos_a && a.pos_b == b.pos_b && a.neg_a == b.neg_a && a.neg_b == b.neg_b;
  }
  const Triplets &a = x.triplets(), &b = y.triplets();
  return a.anchors == b.anchors && a.positives == b.positives && a.negatives == b.negatives;
}

// Every registered distance.
std::vector<Distance> AllDistances() {
  std::vector<Distance> out;
  for (const std::string& name : Registry<DistanceFunction>::Names()) {
    out.push_back(*Distance::FromName(name));
  }
  return out;
}

// Step `step` of a batch of random embeddings (seeded by the step) under `d`.
struct MinerBatch {
  Tensor embeddings, distances;
  MinerInput input;
};
std::unique_ptr<MinerBatch> Batch(const Distance& d, int64_t step) {
  auto b = std::make_unique<MinerBatch>();
  const Variable x(RandomTensor({kN, 3}, 4 + static_cast<uint64_t>(step)));
  b->embeddings = x.value().ToPlain();
  b->distances = d.Matrix(x, x).value().ToPlain();
  b->input.embeddings = &b->embeddings;
  b->input.distances = &b->distances;
  b->input.labels = &kLabels;
  b->input.distance = d;
  b->input.step = step;
  return b;
}

class MinerConformanceTest : public ::testing::TestWithParam<MinerCase> {};

TEST_P(MinerConformanceTest, TuplesAreValidUnderEveryDistance) {
  auto miner = Make(GetParam(), 1);
  ASSERT_TRUE(miner.ok()) << miner.status().message();
  int64_t mined = 0;
  for (const Distance& d : AllDistances()) {
    for (int64_t step : {0, 1, 17}) {
      auto batch = Batch(d, step);
      const std::vector<float> before = batch->distances.ToVector();
      Tuples t = (*miner)->Mine(batch->input);
      EXPECT_EQ(t.kind(), (*miner)->output()) << d.name() << " step " << step;
      mined += t.size();
      const std::string violations = Violations(t, kLabels);
      EXPECT_TRUE(violations.empty()) << d.name() << " step " << step << ":" << violations;
      EXPECT_EQ(batch->distances.ToVector(), before) << "Mine() modified the distances";
    }
  }
  // Not vacuous: the batch has 3 classes of 2 or 3 examples at random places.
  EXPECT_GT(mined, 0) << "no tuple mined under any distance or step";
}

// Two miners of the same seed fed the same steps mine the same tuples; a
// fresh miner given the first one's State() (a resumed run) mines the next
// step exactly as the first one does. Holds for miners with state across
// steps (a memory) as for stateless ones.
TEST_P(MinerConformanceTest, SameStepsAndStateGiveSameTuples) {
  for (const Distance& d : AllDistances()) {
    auto a = Make(GetParam(), 1);
    auto b = Make(GetParam(), 1);
    auto resumed = Make(GetParam(), 1);
    ASSERT_TRUE(a.ok() && b.ok() && resumed.ok()) << a.status().message();
    for (int64_t step = 0; step < 3; ++step) {
      auto batch = Batch(d, step);
      EXPECT_TRUE(SameTuples((*a)->Mine(batch->input), (*b)->Mine(batch->input)))
          << d.name() << " step " << step << ": two miners of the same seed disagree";
    }
    const NamedTensors state = (*a)->State();
    ASSERT_TRUE((*resumed)->LoadState(state).ok()) << d.name() << ": LoadState(State()) failed";
    auto next = Batch(d, 3);
    EXPECT_TRUE(SameTuples((*resumed)->Mine(next->input), (*a)->Mine(next->input)))
        << d.name() << ": a miner restored from State() mines step 3 differently";
  }
}

// Unordered pairs and triplets of `t`, sorted, for comparing what a miner
// mines within the batch (pairs once) with what it mines against references
// (pairs directed, so each twice).
std::vector<std::vector<int64_t>> Normalized(const Tuples& t) {
  std::vector<std::vector<int64_t>> out;
  if (t.kind() == TupleKind::kTriplets) {
    const Triplets& x = t.triplets();
    for (size_t i = 0; i < x.anchors.size(); ++i) {
      out.push_back({x.anchors[i], x.positives[i], x.negatives[i]});
    }
  } else {
    const Pairs& x = t.pairs();
    for (size_t i = 0; i < x.pos_a.size(); ++i) {
      out.push_back({1, std::min(x.pos_a[i], x.pos_b[i]), std::max(x.pos_a[i], x.pos_b[i])});
    }
    for (size_t i = 0; i < x.neg_a.size(); ++i) {
      out.push_back({0, std::min(x.neg_a[i], x.neg_b[i]), std::max(x.neg_a[i], x.neg_b[i])});
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A miner that accepts references (a cross-batch memory,
// framework/core/references.h) mines, against references that are exactly
// the batch, the tuples it mines within the batch; against a larger memory
// its tuples index rows then columns, agree with the columns' labels and
// never pair an example with its own column.
TEST_P(MinerConformanceTest, AgainstReferencesMinesAsWithinTheBatch) {
  auto miner = Make(GetParam(), 1);
  ASSERT_TRUE(miner.ok()) << miner.status().message();
  if (!(*miner)->accepts_references()) GTEST_SKIP() << "accepts no references";
  for (Distance d : {Distance::Euclidean(), Distance::SquaredEuclidean(), Distance::Cosine()}) {
    auto batch = Batch(d, 0);
    const Tuples within = (*miner)->Mine(batch->input);
    References itself;
    itself.labels = kLabels;
    for (int64_t i = 0; i < kN; ++i) itself.self.push_back(i);
    MinerInput against = batch->input;
    against.references = &itself;
    const Tuples t = (*miner)->Mine(against);
    EXPECT_GT(t.size(), 0) << d.name();
    EXPECT_EQ(Normalized(t), Normalized(within)) << d.name();

    // A memory of 5 older examples, then the batch in slots 5..12.
    References memory;
    memory.labels = {2, 0, 1, 3, 0};
    memory.labels.insert(memory.labels.end(), kLabels.begin(), kLabels.end());
    for (int64_t i = 0; i < kN; ++i) memory.self.push_back(5 + i);
    const int64_t m = static_cast<int64_t>(memory.labels.size());
    const Variable rows(batch->embeddings);
    const Variable columns(Concat({Variable(RandomTensor({5, 3}, 99)), rows}, 0));
    const Tensor dm = d.Matrix(rows, columns).value().ToPlain();
    against.distances = &dm;
    against.references = &memory;
    const Tuples big = (*miner)->Mine(against);
    EXPECT_GT(big.size(), 0) << d.name();
    const Comparisons c(&kLabels, &memory);
    auto check = [&](int64_t a, int64_t j, bool same, const char* what) {
      ASSERT_TRUE(a >= 0 && a < kN && j >= 0 && j < m) << what << " (" << a << ", " << j << ")";
      EXPECT_TRUE(c.comparable(a, j)) << what << " (" << a << ", " << j << ") is self";
      EXPECT_EQ(c.same_class(a, j), same) << what << " (" << a << ", " << j << ")";
    };
    if (big.kind() == TupleKind::kTriplets) {
      const Triplets& x = big.triplets();
      for (size_t i = 0; i < x.anchors.size(); ++i) {
        check(x.anchors[i], x.positives[i], true, "positive");
        check(x.anchors[i], x.negatives[i], false, "negative");
      }
    } else {
      const Pairs& x = big.pairs();
      for (size_t i = 0; i < x.pos_a.size(); ++i) check(x.pos_a[i], x.pos_b[i], true, "positive");
      for (size_t i = 0; i < x.neg_a.size(); ++i) check(x.neg_a[i], x.neg_b[i], false, "negative");
    }
  }
}

TEST(MinerConformanceSuiteTest, MinersAreRegisteredAndTablesAreCurrent) {
  EXPECT_FALSE(Registry<Miner>::Names().empty()) << "no miner linked";
  EXPECT_TRUE(conformance::StaleEntries<Miner>(MinerOverrides()).empty()) << kTable;
  for (const Variant& v : Variants()) {
    EXPECT_NE(conformance::FindInfo<Miner>(v.plugin), nullptr)
        << "Variants() in tests/miner_conformance_test.cc lists \"" << v.plugin
        << "\", which is not registered";
  }
}

INSTANTIATE_TEST_SUITE_P(AllMiners, MinerConformanceTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return conformance::TestName(info.param.label); });

}  // namespace
}  // namespace siamese
