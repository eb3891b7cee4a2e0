// Conformance of every registered miner (and of the listed variants of
// miners with a choice of output): every tuple valid, indices in range,
// the distances left untouched, and a result that depends on the inputs and
// the step only.
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "framework/autograd/gradient_check.h"
#include "framework/core/distance.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
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
// kind of miners that offer both.
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

// Every violated rule of `t` for `labels`, one per line; "" if valid.
std::string Violations(const MinedTuples& t, const std::vector<int64_t>& labels) {
  std::string out;
  const int64_t n = static_cast<int64_t>(labels.size());
  auto in_range = [n](int64_t i) { return i >= 0 && i < n; };
  auto bad = [&out](const std::string& what) {
    if (out.size() < 2000) absl::StrAppend(&out, "\n  ", what);
  };
  if (t.kind == TupleKind::kTriplets) {
    if (t.positives.size() != t.anchors.size() || t.negatives.size() != t.anchors.size()) {
      bad(absl::StrCat("triplet vectors of sizes ", t.anchors.size(), ", ", t.positives.size(),
                       ", ", t.negatives.size()));
      return out;
    }
    if (!t.pos_a.empty() || !t.pos_b.empty() || !t.neg_a.empty() || !t.neg_b.empty()) {
      bad("triplets come with pair indices");
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
  if (t.pos_b.size() != t.pos_a.size() || t.neg_b.size() != t.neg_a.size()) {
    bad(absl::StrCat("pair vectors of sizes ", t.pos_a.size(), "/", t.pos_b.size(), " and ",
                     t.neg_a.size(), "/", t.neg_b.size()));
    return out;
  }
  if (!t.anchors.empty() || !t.positives.empty() || !t.negatives.empty()) {
    bad("pairs come with triplet indices");
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

bool SameTuples(const MinedTuples& x, const MinedTuples& y) {
  return x.kind == y.kind && x.pos_a == y.pos_a && x.pos_b == y.pos_b && x.neg_a == y.neg_a &&
         x.neg_b == y.neg_b && x.anchors == y.anchors && x.positives == y.positives &&
         x.negatives == y.negatives;
}

class MinerConformanceTest : public ::testing::TestWithParam<MinerCase> {};

TEST_P(MinerConformanceTest, TuplesAreValidUnderEveryDistance) {
  auto miner = Make(GetParam(), 1);
  ASSERT_TRUE(miner.ok()) << miner.status().message();
  const Variable x(RandomTensor({kN, 3}, 4));
  int64_t mined = 0;
  for (Distance d : {Distance::Euclidean(), Distance::SquaredEuclidean(), Distance::Cosine()}) {
    const Tensor distances = d.Matrix(x, x).value().ToPlain();
    const std::vector<float> before = distances.ToVector();
    for (int64_t step : {0, 1, 17}) {
      MinedTuples t = (*miner)->Mine(distances, kLabels, d, step);
      EXPECT_EQ(t.kind, (*miner)->output()) << d.name() << " step " << step;
      mined += t.size();
      const std::string violations = Violations(t, kLabels);
      EXPECT_TRUE(violations.empty()) << d.name() << " step " << step << ":" << violations;
      EXPECT_EQ(distances.ToVector(), before) << "Mine() modified the distances";
    }
  }
  // Not vacuous: the batch has 3 classes of 2 or 3 examples at random places.
  EXPECT_GT(mined, 0) << "no tuple mined under any distance or step";
}

TEST_P(MinerConformanceTest, SameInputsAndStepGiveSameTuples) {
  auto a = Make(GetParam(), 1);
  auto b = Make(GetParam(), 1);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  const Variable x(RandomTensor({kN, 3}, 4));
  for (Distance d : {Distance::Euclidean(), Distance::SquaredEuclidean(), Distance::Cosine()}) {
    const Tensor distances = d.Matrix(x, x).value().ToPlain();
    const MinedTuples first = (*a)->Mine(distances, kLabels, d, 5);
    EXPECT_TRUE(SameTuples((*a)->Mine(distances, kLabels, d, 5), first))
        << d.name() << ": a second call gives other tuples";
    (*a)->Mine(distances, kLabels, d, 6);
    EXPECT_TRUE(SameTuples((*a)->Mine(distances, kLabels, d, 5), first))
        << d.name() << ": mining step 6 changed what step 5 gives";
    // A fresh miner (a resumed run) mines step 5 as the one that ran before.
    EXPECT_TRUE(SameTuples((*b)->Mine(distances, kLabels, d, 5), first))
        << d.name() << ": a fresh miner with the same seed gives other tuples";
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
