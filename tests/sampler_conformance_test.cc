// Conformance of every registered sampler: EpochBatches is a pure function
// of (labels and super-classes, batch size, seed, epoch), every epoch has as
// many batches, batches are non-empty and index the labels given to Init,
// and pairs a sampler hands over are valid.
#include <memory>
#include <string>
#include <vector>

#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "gtest/gtest.h"
#include "tests/conformance.h"

namespace siamese {
namespace {

using conformance::CreateForSuite;
using conformance::Overrides;

// Samplers whose defaults cannot work on 6 classes x 12 examples (3
// super-classes of 2 classes) with batch size 12, with the config used
// instead.
const Overrides& SamplerOverrides() {
  static const auto* table = new Overrides{
      // 2 super-classes x (6 = 2 classes x 3); the default 4 does not divide 6.
      {"hierarchical", R"(name: "hierarchical" [siamese.hierarchical] { samples_per_class: 3 })"},
  };
  return *table;
}
const char kTable[] = "SamplerOverrides() in tests/sampler_conformance_test.cc";

constexpr int64_t kBatchSize = 12;
constexpr uint64_t kSeed = 3;

// 6 classes x 12 examples, interleaved (label i % 6) so that index order is
// not class order; class c in super-class c / 2 (for samplers that use them).
std::vector<int64_t> Labels() {
  std::vector<int64_t> labels;
  for (int i = 0; i < 72; ++i) labels.push_back(i % 6);
  return labels;
}
SamplerInput Input() {
  SamplerInput in;
  in.labels = Labels();
  for (int64_t label : in.labels) in.super_labels.push_back(label / 2);
  in.dataset = "conformance";
  return in;
}

std::unique_ptr<Sampler> MakeInitialized(const std::string& name) {
  auto s = CreateForSuite<Sampler>(name, SamplerOverrides(), kTable, PluginContext());
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return nullptr;
  absl::Status init = (*s)->Init(Input(), kBatchSize, kSeed);
  EXPECT_TRUE(init.ok()) << "sampler \"" << name
                         << "\": Init(6 classes x 12 in 3 super-classes, batch " << kBatchSize
                         << ") failed: " << init.message()
                         << "; if its defaults cannot work here, add an entry to " << kTable;
  return init.ok() ? std::move(*s) : nullptr;
}

bool SameBatches(const std::vector<Batch>& x, const std::vector<Batch>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    const Tuples &a = x[i].given, &b = y[i].given;
    if (x[i].indices != y[i].indices || a.kind() != b.kind()) return false;
    if (a.kind() == TupleKind::kPairs) {
      const Pairs &p = a.pairs(), &q = b.pairs();
      if (p.pos_a != q.pos_a || p.pos_b != q.pos_b || p.neg_a != q.neg_a || p.neg_b != q.neg_b) {
        return false;
      }
    } else {
      const Triplets &p = a.triplets(), &q = b.triplets();
      if (p.anchors != q.anchors || p.positives != q.positives || p.negatives != q.negatives) {
        return false;
      }
    }
  }
  return true;
}

class SamplerConformanceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SamplerConformanceTest, EpochBatchesIsAPureFunctionOfTheEpoch) {
  auto s = MakeInitialized(GetParam());
  ASSERT_NE(s, nullptr);
  const std::vector<Batch> e0 = s->EpochBatches(0);
  const std::vector<Batch> e1 = s->EpochBatches(1);
  EXPECT_TRUE(SameBatches(s->EpochBatches(0), e0)) << "epoch 0 differs on a second call";
  EXPECT_TRUE(SameBatches(s->EpochBatches(1), e1)) << "epoch 1 differs on a second call";
  // A resumed run: a fresh sampler computes epoch 1 without epoch 0 first.
  auto fresh = MakeInitialized(GetParam());
  ASSERT_NE(fresh, nullptr);
  EXPECT_TRUE(SameBatches(fresh->EpochBatches(1), e1)) << "epoch 1 depends on epoch 0";
  EXPECT_TRUE(SameBatches(fresh->EpochBatches(0), e0)) << "epoch 0 depends on call order";
}

TEST_P(SamplerConformanceTest, BatchesAreNonEmptyAndIndicesInRange) {
  auto s = MakeInitialized(GetParam());
  ASSERT_NE(s, nullptr);
  const std::vector<int64_t> labels = Labels();
  const int64_t n = static_cast<int64_t>(labels.size());
  for (int64_t epoch : {0, 1, 7}) {
    const std::vector<Batch> batches = s->EpochBatches(epoch);
    ASSERT_FALSE(batches.empty()) << "epoch " << epoch << " has no batch";
    EXPECT_EQ(batches.size(), s->EpochBatches(0).size())
        << "epoch " << epoch << " has another number of batches than epoch 0";
    for (size_t b = 0; b < batches.size(); ++b) {
      const Batch& batch = batches[b];
      const std::string where = absl::StrCat("epoch ", epoch, " batch ", b);
      EXPECT_FALSE(batch.indices.empty()) << where << " is empty";
      for (int64_t i : batch.indices) {
        ASSERT_TRUE(i >= 0 && i < n) << where << ": index " << i << " out of [0, " << n << ")";
      }
      // Tuples given with a batch are positions in `indices`.
      const int64_t m = static_cast<int64_t>(batch.indices.size());
      auto pos_ok = [m](int64_t p) { return p >= 0 && p < m; };
      if (s->gives_tuples()) {
        EXPECT_FALSE(batch.given.empty()) << where << ": gives_tuples() but no tuples given";
      } else {
        EXPECT_TRUE(batch.given.empty()) << where << ": tuples given but gives_tuples() is false";
      }
      const Pairs t = batch.given.kind() == TupleKind::kPairs ? batch.given.pairs() : Pairs();
      const Triplets u =
          batch.given.kind() == TupleKind::kTriplets ? batch.given.triplets() : Triplets();
      ASSERT_EQ(t.pos_a.size(), t.pos_b.size()) << where;
      ASSERT_EQ(t.neg_a.size(), t.neg_b.size()) << where;
      ASSERT_EQ(u.anchors.size(), u.positives.size()) << where;
      ASSERT_EQ(u.anchors.size(), u.negatives.size()) << where;
      for (size_t k = 0; k < t.pos_a.size(); ++k) {
        ASSERT_TRUE(pos_ok(t.pos_a[k]) && pos_ok(t.pos_b[k])) << where << " positive pair " << k;
        const int64_t x = batch.indices[t.pos_a[k]], y = batch.indices[t.pos_b[k]];
        EXPECT_NE(x, y) << where << " positive pair " << k << " pairs an example with itself";
        EXPECT_EQ(labels[x], labels[y]) << where << " positive pair " << k;
      }
      for (size_t k = 0; k < t.neg_a.size(); ++k) {
        ASSERT_TRUE(pos_ok(t.neg_a[k]) && pos_ok(t.neg_b[k])) << where << " negative pair " << k;
        EXPECT_NE(labels[batch.indices[t.neg_a[k]]], labels[batch.indices[t.neg_b[k]]])
            << where << " negative pair " << k;
      }
      for (size_t k = 0; k < u.anchors.size(); ++k) {
        ASSERT_TRUE(pos_ok(u.anchors[k]) && pos_ok(u.positives[k]) && pos_ok(u.negatives[k]))
            << where << " triplet " << k;
        const int64_t a = batch.indices[u.anchors[k]], p = batch.indices[u.positives[k]],
                      q = batch.indices[u.negatives[k]];
        EXPECT_NE(a, p) << where << " triplet " << k;
        EXPECT_EQ(labels[a], labels[p]) << where << " triplet " << k;
        EXPECT_NE(labels[a], labels[q]) << where << " triplet " << k;
      }
    }
  }
}

TEST(SamplerConformanceSuiteTest, SamplersAreRegisteredAndTableIsCurrent) {
  EXPECT_FALSE(Registry<Sampler>::Names().empty()) << "no sampler linked";
  EXPECT_TRUE(conformance::StaleEntries<Sampler>(SamplerOverrides()).empty()) << kTable;
}

INSTANTIATE_TEST_SUITE_P(AllSamplers, SamplerConformanceTest,
                         ::testing::ValuesIn(Registry<Sampler>::Names()),
                         [](const auto& info) { return conformance::TestName(info.param); });

}  // namespace
}  // namespace siamese
