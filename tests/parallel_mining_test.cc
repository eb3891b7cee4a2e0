// Miners on the framework's threads return exactly the tuples of the plain
// serial loops, whatever the thread count (framework/core/parallel_mining.h).
//
//   1. The miners whose loops run on threads (semi_hard, which also sorts
//      negatives rather than scanning them per positive, batch_hard,
//      multi_similarity, triplet_margin, hard_pairs) against the serial
//      loops they replaced, copied below verbatim, on batches of 512 (the
//      batch against itself) and 256 x 1,024 (a cross-batch memory), with
//      realistic distances and with coarse ones full of ties, NaN and inf,
//      at 1, 2, 3, 4 and 8 threads.
//   2. Every registered miner: identical tuples at 1, 2 and 4 threads on a
//      batch of 512.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/core/miner.h"
#include "framework/core/references.h"
#include "framework/core/registry.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/tensor/parallel.h"
#include "framework/tensor/rng.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

// ---- The serial loops the threaded miners replaced (as of 770fa81). ----

Triplets SerialSemiHard(const MinerInput& in, float margin, bool all_semi_hard) {
  const Comparisons c = in.comparisons();
  Triplets t;
  const int64_t n = c.rows(), cols = c.columns();
  const float* d = in.distances->data();
  const float m = margin;
  for (int64_t a = 0; a < n; ++a) {
    for (int64_t p = 0; p < cols; ++p) {
      if (!c.comparable(a, p) || !c.same_class(a, p)) continue;
      const float dap = d[a * cols + p];
      int64_t best = -1;
      for (int64_t q = 0; q < cols; ++q) {
        if (c.same_class(a, q)) continue;
        const float daq = d[a * cols + q];
        if (!(daq > dap && daq < dap + m)) continue;
        if (all_semi_hard) {
          t.anchors.push_back(a);
          t.positives.push_back(p);
          t.negatives.push_back(q);
        } else if (best < 0 || daq < d[a * cols + best]) {
          best = q;  // strict <: ties keep the lowest index
        }
      }
      if (!all_semi_hard && best >= 0) {
        t.anchors.push_back(a);
        t.positives.push_back(p);
        t.negatives.push_back(best);
      }
    }
  }
  return t;
}

Triplets SerialBatchHard(const MinerInput& in) {
  const Comparisons c = in.comparisons();
  Triplets t;
  const int64_t n = c.rows(), m = c.columns();
  const float* d = in.distances->data();
  for (int64_t a = 0; a < n; ++a) {
    int64_t hp = -1, hn = -1;  // ties keep the lowest index
    for (int64_t j = 0; j < m; ++j) {
      if (!c.comparable(a, j)) continue;
      if (c.same_class(a, j)) {
        if (hp < 0 || d[a * m + j] > d[a * m + hp]) hp = j;
      } else if (hn < 0 || d[a * m + j] < d[a * m + hn]) {
        hn = j;
      }
    }
    if (hp < 0 || hn < 0) continue;
    t.anchors.push_back(a);
    t.positives.push_back(hp);
    t.negatives.push_back(hn);
  }
  return t;
}

Pairs SerialMultiSimilarity(const MinerInput& in, float eps) {
  const Comparisons c = in.comparisons();
  const int64_t n = c.rows(), m = c.columns();
  const float* d = in.distances->data();
  Pairs t;
  for (int64_t a = 0; a < n; ++a) {
    float farthest_positive = -std::numeric_limits<float>::infinity();
    float nearest_negative = std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < m; ++j) {
      if (!c.comparable(a, j)) continue;
      if (c.same_class(a, j)) {
        farthest_positive = std::max(farthest_positive, d[a * m + j]);
      } else {
        nearest_negative = std::min(nearest_negative, d[a * m + j]);
      }
    }
    for (int64_t j = 0; j < m; ++j) {
      if (!c.comparable(a, j)) continue;
      const float daj = d[a * m + j];
      if (c.same_class(a, j)) {
        if (daj + eps > nearest_negative) {
          t.pos_a.push_back(a);
          t.pos_b.push_back(j);
        }
      } else if (daj - eps < farthest_positive) {
        t.neg_a.push_back(a);
        t.neg_b.push_back(j);
      }
    }
  }
  return t;
}

Triplets SerialTripletMargin(const MinerInput& in, float margin, const std::string& type) {
  auto keep = [&](float m) {
    if (type == "all") return m <= margin;
    if (type == "hard") return m <= 0;
    if (type == "semihard") return m > 0 && m <= margin;
    return m > margin;  // easy
  };
  const Comparisons c = in.comparisons();
  const int64_t n = c.rows(), cols = c.columns();
  const float* d = in.distances->data();
  Triplets t;
  for (int64_t a = 0; a < n; ++a) {
    for (int64_t p = 0; p < cols; ++p) {
      if (!c.comparable(a, p) || !c.same_class(a, p)) continue;
      for (int64_t q = 0; q < cols; ++q) {
        if (c.same_class(a, q)) continue;
        const float m = d[a * cols + q] - d[a * cols + p];
        if (keep(m)) {
          t.anchors.push_back(a);
          t.positives.push_back(p);
          t.negatives.push_back(q);
        }
      }
    }
  }
  return t;
}

Pairs SerialHardPairs(const MinerInput& in, float pos_margin, float neg_margin) {
  const Comparisons c = in.comparisons();
  const int64_t n = c.rows(), m = c.columns();
  Pairs t;
  const float* d = in.distances->data();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = c.directed() ? 0 : i + 1; j < m; ++j) {
      if (!c.comparable(i, j)) continue;
      const float dij = d[i * m + j];
      if (c.same_class(i, j)) {
        if (dij > pos_margin) {
          t.pos_a.push_back(i);
          t.pos_b.push_back(j);
        }
      } else if (dij < neg_margin) {
        t.neg_a.push_back(i);
        t.neg_b.push_back(j);
      }
    }
  }
  return t;
}

// ---- Batches. ----

// rows x columns distances and labels: `classes` classes of equal size in a
// shuffled order; with `references`, the columns are a memory whose last
// `rows` entries are the batch itself (References::self), as the trainer's.
struct Case {
  std::string name;
  std::vector<int64_t> labels;
  References references;
  bool directed = false;
  Tensor embeddings, distances;

  MinerInput Input() const {
    MinerInput in;
    in.embeddings = &embeddings;
    in.distances = &distances;
    in.labels = &labels;
    in.references = directed ? &references : nullptr;
    return in;
  }
};

std::vector<int64_t> ShuffledLabels(int64_t count, int64_t classes, Rng* rng) {
  std::vector<int64_t> labels(count);
  for (int64_t i = 0; i < count; ++i) labels[i] = i % classes;
  for (int64_t i = count - 1; i > 0; --i) std::swap(labels[i], labels[rng->UniformInt(i + 1)]);
  return labels;
}

// `coarse`: distances rounded to 1/16 (many exact ties, and -0 beside +0)
// with a few NaN and inf; otherwise Euclidean distances of random unit
// embeddings of dimension 8 (clustered by class).
std::unique_ptr<Case> MakeCase(int64_t rows, int64_t memory, int64_t classes, bool coarse,
                               uint64_t seed) {
  auto c = std::make_unique<Case>();
  Rng rng(seed);
  const bool directed = memory > 0;
  const int64_t cols = directed ? memory : rows;
  c->directed = directed;
  c->name = absl::StrCat(rows, "x", cols, coarse ? " coarse" : " euclidean");
  std::vector<int64_t> column_labels = ShuffledLabels(cols, classes, &rng);
  if (directed) {
    c->labels.assign(column_labels.end() - rows, column_labels.end());
    c->references.labels = column_labels;
    for (int64_t i = 0; i < rows; ++i) c->references.self.push_back(cols - rows + i);
  } else {
    c->labels = column_labels;
  }
  constexpr int64_t kDim = 8;
  std::vector<std::vector<float>> centers(classes, std::vector<float>(kDim));
  for (auto& center : centers)
    for (float& x : center) x = rng.Normal();
  std::vector<std::vector<float>> points(cols, std::vector<float>(kDim));
  for (int64_t j = 0; j < cols; ++j) {
    float norm = 0;
    for (int64_t k = 0; k < kDim; ++k) {
      points[j][k] = centers[column_labels[j]][k] + 1.5f * rng.Normal();
      norm += points[j][k] * points[j][k];
    }
    for (float& x : points[j]) x /= std::sqrt(norm);
  }
  c->embeddings = Tensor::Empty({rows, kDim});
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t k = 0; k < kDim; ++k)
      c->embeddings.data()[i * kDim + k] = points[directed ? cols - rows + i : i][k];
  c->distances = Tensor::Empty({rows, cols});
  float* d = c->distances.data();
  for (int64_t i = 0; i < rows; ++i) {
    const std::vector<float>& a = points[directed ? cols - rows + i : i];
    for (int64_t j = 0; j < cols; ++j) {
      float sq = 0;
      for (int64_t k = 0; k < kDim; ++k) sq += (a[k] - points[j][k]) * (a[k] - points[j][k]);
      float v = std::sqrt(sq);
      if (coarse) {
        v = std::round(v * 16.0f) / 16.0f;
        const uint64_t r = rng.UniformInt(1000);
        if (v == 0.0f && r < 500) v = -0.0f;
        if (r == 1) v = std::numeric_limits<float>::quiet_NaN();
        if (r == 2) v = std::numeric_limits<float>::infinity();
        if (r == 3) v = -std::numeric_limits<float>::infinity();
      }
      d[i * cols + j] = v;
    }
  }
  return c;
}

// 512 x 512 and 256 x 1,024 (a memory), each realistic and coarse.
std::vector<std::unique_ptr<Case>> Cases(int64_t classes) {
  std::vector<std::unique_ptr<Case>> cases;
  cases.push_back(MakeCase(512, 0, classes, false, 1));
  cases.push_back(MakeCase(512, 0, classes, true, 2));
  cases.push_back(MakeCase(256, 1024, classes, false, 3));
  cases.push_back(MakeCase(256, 1024, classes, true, 4));
  return cases;
}

std::unique_ptr<Miner> MakeMiner(const std::string& text) {
  MinerConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  auto miner = Registry<Miner>::Create(config, PluginContext());
  EXPECT_TRUE(miner.ok()) << miner.status();
  return miner.ok() ? std::move(*miner) : nullptr;
}

void ExpectSame(const Tuples& got, const Tuples& want, const std::string& what) {
  ASSERT_EQ(got.kind(), want.kind()) << what;
  if (want.kind() == TupleKind::kTriplets) {
    const Triplets &g = got.triplets(), &w = want.triplets();
    EXPECT_EQ(g.anchors, w.anchors) << what;
    EXPECT_EQ(g.positives, w.positives) << what;
    EXPECT_EQ(g.negatives, w.negatives) << what;
  } else {
    const Pairs &g = got.pairs(), &w = want.pairs();
    EXPECT_EQ(g.pos_a, w.pos_a) << what;
    EXPECT_EQ(g.pos_b, w.pos_b) << what;
    EXPECT_EQ(g.neg_a, w.neg_a) << what;
    EXPECT_EQ(g.neg_b, w.neg_b) << what;
  }
}

struct Reference {
  std::string config;
  std::function<Tuples(const MinerInput&)> serial;
};

// Each test runs at the default threshold (large inputs on threads, small
// ones serial) and at threshold 1 (every input split into 4 chunks per
// thread), so every miner's threaded path and chunk boundaries are covered.
class ParallelMiningTest : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { SetMinParallelWork(GetParam()); }
  void TearDown() override {
    SetNumThreads(threads_);
    SetMinParallelWork(kMinParallelWork);
  }
  const int threads_ = NumThreads();
};

TEST_P(ParallelMiningTest, ThreadedMinersReturnTheSerialLoopsTuples) {
  const std::vector<Reference> references = {
      {R"(name: "semi_hard" [siamese.semi_hard] { margin: 0.2 })",
       [](const MinerInput& in) { return Tuples(SerialSemiHard(in, 0.2f, false)); }},
      {R"(name: "semi_hard" [siamese.semi_hard] { margin: 0.15 all_semi_hard: true })",
       [](const MinerInput& in) { return Tuples(SerialSemiHard(in, 0.15f, true)); }},
      {R"(name: "batch_hard")", [](const MinerInput& in) { return Tuples(SerialBatchHard(in)); }},
      {R"(name: "multi_similarity" [siamese.multi_similarity_miner] { epsilon: 0.1 })",
       [](const MinerInput& in) { return Tuples(SerialMultiSimilarity(in, 0.1f)); }},
      {R"(name: "triplet_margin" [siamese.triplet_margin] { margin: 0.1 type: "semihard" })",
       [](const MinerInput& in) { return Tuples(SerialTripletMargin(in, 0.1f, "semihard")); }},
      {R"(name: "triplet_margin" [siamese.triplet_margin] { margin: -0.3 type: "all" })",
       [](const MinerInput& in) { return Tuples(SerialTripletMargin(in, -0.3f, "all")); }},
      {R"(name: "triplet_margin" [siamese.triplet_margin] { margin: 0.0 type: "hard" })",
       [](const MinerInput& in) { return Tuples(SerialTripletMargin(in, 0.0f, "hard")); }},
      {R"(name: "hard_pairs" [siamese.hard_pairs] { pos_margin: 0.5 neg_margin: 0.9 })",
       [](const MinerInput& in) { return Tuples(SerialHardPairs(in, 0.5f, 0.9f)); }},
  };
  const std::vector<std::unique_ptr<Case>> cases = Cases(16);
  for (const Reference& r : references) {
    std::unique_ptr<Miner> miner = MakeMiner(r.config);
    ASSERT_NE(miner, nullptr);
    ASSERT_TRUE(miner->accepts_references()) << r.config;
    for (const auto& c : cases) {
      const MinerInput in = c->Input();
      const Tuples want = r.serial(in);
      EXPECT_GT(want.size(), 0) << r.config << " on " << c->name << ": vacuous";
      for (int threads : {1, 2, 3, 4, 8}) {
        SetNumThreads(threads);
        ExpectSame(miner->Mine(in), want,
                   absl::StrCat(r.config, " on ", c->name, " at ", threads, " threads"));
      }
    }
  }
}

// Every registered miner with its defaults (those that take a memory, also
// against one): the thread count never changes a tuple. 64 classes keep the
// miners that return every triplet ("all", triplet_margin's default) small.
TEST_P(ParallelMiningTest, EveryMinerIsIndependentOfTheThreadCount) {
  const std::vector<std::unique_ptr<Case>> cases = Cases(64);
  for (const std::string& name : Registry<Miner>::Names()) {
    for (const auto& c : cases) {
      std::unique_ptr<Miner> miner = MakeMiner(absl::StrCat("name: \"", name, "\""));
      ASSERT_NE(miner, nullptr);
      if (c->directed && !miner->accepts_references()) continue;
      MinerInput in = c->Input();
      in.step = 3;
      SetNumThreads(1);
      const Tuples want = miner->Mine(in);
      for (int threads : {2, 4}) {
        SetNumThreads(threads);
        std::unique_ptr<Miner> again = MakeMiner(absl::StrCat("name: \"", name, "\""));
        ExpectSame(again->Mine(in), want,
                   absl::StrCat(name, " on ", c->name, " at ", threads, " threads"));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Thresholds, ParallelMiningTest,
                         ::testing::Values(kMinParallelWork, int64_t{1}),
                         [](const ::testing::TestParamInfo<int64_t>& info) {
                           return info.param == 1 ? std::string("EverythingSplit")
                                                  : std::string("DefaultThreshold");
                         });

}  // namespace
}  // namespace siamese
