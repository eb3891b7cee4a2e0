// FAISS's exact index (kind "flat") against the framework's exact
// retrieval (framework/eval/retrieval.h) on the same embeddings: the same
// neighbours in the same order, and the same retrieval metrics computed
// from FAISS's lists as EvaluateRetrieval computes, for every distance FAISS
// can search, on uniform random and on clustered embeddings.
//
// Both sides compute distances in float with different kernels (FAISS: BLAS
// sgemm and its own norms; the framework: its GEMM kernel), so two
// neighbours whose distances differ by float rounding may come in either
// order. The test allows a swap only between such near-ties (distances
// within 1e-5 relative in the framework's own values) and counts them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "framework/eval/retrieval.h"
#include "framework/search/synthetic.h"
#include "framework/search/vector_index.h"
#include "framework/tensor/rng.h"
#include "framework/tensor/tensor.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using search_testing::Clustered;
using search_testing::ClusteredSet;

ClusteredSet UniformRandom(int64_t count, int64_t dim, int64_t classes, uint64_t seed) {
  Rng rng(seed);
  ClusteredSet set;
  set.count = count;
  set.dim = dim;
  for (int64_t i = 0; i < count * dim; ++i) set.vectors.push_back(rng.Uniform(-1.0f, 1.0f));
  for (int64_t i = 0; i < count; ++i) set.labels.push_back(rng.UniformInt(classes));
  return set;
}

Tensor ToTensor(const ClusteredSet& s) {
  return Tensor::FromVector({s.count, s.dim}, s.vectors);
}

// The framework's exact neighbour order of each row of `d` [Nq, Nr]:
// increasing distance, ties by reference index (retrieval.h's rule).
std::vector<std::vector<int64_t>> FrameworkOrder(const Tensor& d) {
  const int64_t nq = d.dim(0), nr = d.dim(1);
  const float* v = d.data();
  std::vector<std::vector<int64_t>> order(nq);
  for (int64_t q = 0; q < nq; ++q) {
    order[q].resize(nr);
    std::iota(order[q].begin(), order[q].end(), 0);
    std::stable_sort(order[q].begin(), order[q].end(),
                     [&](int64_t a, int64_t b) { return v[q * nr + a] < v[q * nr + b]; });
  }
  return order;
}

struct Case {
  std::string name;
  ClusteredSet references, queries;
};

std::vector<Case> Cases() {
  return {
      {"uniform", UniformRandom(500, 24, 5, 1), UniformRandom(80, 24, 5, 2)},
      {"clustered", Clustered(600, 16, 12, 0.3f, 3), Clustered(80, 16, 12, 0.3f, 4)},
  };
}

std::vector<Distance> FaissDistances() {
  return {Distance::Euclidean(), Distance::SquaredEuclidean(), Distance::Cosine(),
          *Distance::FromName("dot_product")};
}

TEST(FlatAgreementTest, TopKNeighboursInTheFrameworksOrder) {
  constexpr int kK = 20;
  int compared = 0, near_tie_swaps = 0;
  for (const Case& c : Cases()) {
    for (const Distance& kind : FaissDistances()) {
      SCOPED_TRACE(c.name + " " + kind.name());
      auto index = VectorIndex::Build(c.references.vectors.data(), c.references.count,
                                      c.references.dim, c.references.labels, kind, {});
      ASSERT_TRUE(index.ok()) << index.status();
      auto hits = (*index)->Search(c.queries.vectors.data(), c.queries.count, c.queries.dim, kK);
      ASSERT_TRUE(hits.ok()) << hits.status();
      auto d = PairwiseDistances(ToTensor(c.queries), ToTensor(c.references), kind);
      ASSERT_TRUE(d.ok()) << d.status();
      const auto order = FrameworkOrder(*d);
      const int64_t nr = c.references.count;
      for (int64_t q = 0; q < c.queries.count; ++q) {
        ASSERT_EQ((*hits)[q].size(), static_cast<size_t>(kK));
        for (int r = 0; r < kK; ++r) {
          const Neighbour& got = (*hits)[q][r];
          const int64_t want = order[q][r];
          const float want_d = d->data()[q * nr + want];
          // Distances agree in value (the framework's convention).
          EXPECT_NEAR(got.distance, want_d, 1e-4f * std::max(1.0f, std::abs(want_d)));
          ++compared;
          if (got.id == want) continue;
          // A different neighbour at this rank only between near-ties.
          const float got_d = d->data()[q * nr + got.id];
          EXPECT_LE(std::abs(got_d - want_d), 1e-5f * std::max(1.0f, std::abs(want_d)))
              << "query " << q << " rank " << r << ": FAISS " << got.id << " (" << got_d
              << "), framework " << want << " (" << want_d << ")";
          ++near_tie_swaps;
        }
      }
    }
  }
  std::printf("%d neighbours compared, %d near-tie swaps\n", compared, near_tie_swaps);
  // Near-ties are rare on these sets: at most one in a thousand.
  EXPECT_LE(near_tie_swaps * 1000, compared);
}

// Leave-one-out retrieval metrics from FAISS's full ranking of each
// embedding (searching all N, dropping the query itself by id, as
// retrieval.h removes it by index, not by distance).
RetrievalMetrics MetricsFromNeighbours(const std::vector<std::vector<Neighbour>>& hits,
                                       const std::vector<int64_t>& labels,
                                       const std::vector<int>& ks) {
  std::map<int64_t, int64_t> class_size;
  for (int64_t l : labels) ++class_size[l];
  RetrievalMetrics m;
  m.num_queries = labels.size();
  int64_t counted = 0;
  std::map<int, double> recall;
  for (size_t q = 0; q < hits.size(); ++q) {
    const int64_t y = labels[q];
    const int64_t r_count = class_size[y] - 1;
    if (r_count == 0) {
      ++m.num_lone_queries;
      continue;
    }
    std::vector<bool> rel;
    for (const Neighbour& n : hits[q]) {
      if (n.id == static_cast<int64_t>(q)) continue;
      rel.push_back(n.label == y);
    }
    ++counted;
    m.precision_at_1 += rel[0];
    int64_t hits_in_r = 0;
    double ap = 0;
    for (int64_t i = 0; i < r_count; ++i) {
      if (rel[i]) {
        ++hits_in_r;
        ap += static_cast<double>(hits_in_r) / (i + 1);
      }
    }
    m.r_precision += static_cast<double>(hits_in_r) / r_count;
    m.map_at_r += ap / r_count;
    for (int k : ks) {
      recall[k] += std::any_of(rel.begin(), rel.begin() + std::min<size_t>(k, rel.size()),
                               [](bool b) { return b; });
    }
  }
  m.precision_at_1 /= counted;
  m.r_precision /= counted;
  m.map_at_r /= counted;
  for (int k : ks) m.recall_at_k[k] = recall[k] / counted;
  return m;
}

TEST(FlatAgreementTest, RetrievalMetricsFromFaissEqualEvaluateRetrieval) {
  const std::vector<int> ks = {1, 2, 4, 8};
  for (const Case& c : Cases()) {
    for (const Distance& kind : FaissDistances()) {
      SCOPED_TRACE(c.name + " " + kind.name());
      const ClusteredSet& s = c.references;
      auto index = VectorIndex::Build(s.vectors.data(), s.count, s.dim, s.labels, kind, {});
      ASSERT_TRUE(index.ok()) << index.status();
      auto hits = (*index)->Search(s.vectors.data(), s.count, s.dim, s.count);
      ASSERT_TRUE(hits.ok()) << hits.status();
      const RetrievalMetrics faiss = MetricsFromNeighbours(*hits, s.labels, ks);
      auto ours = EvaluateRetrieval(ToTensor(s), s.labels, ToTensor(s), s.labels,
                                    /*query_is_reference=*/true, kind, ks);
      ASSERT_TRUE(ours.ok()) << ours.status();

      // The full rankings, self included: where they differ, only between
      // near-ties. A swap deep in a ranking moves MAP@R by rounding-sized
      // amounts (1/R^2 per swap at most); without swaps the metrics must be
      // bit-identical.
      auto d = PairwiseDistances(ToTensor(s), ToTensor(s), kind);
      ASSERT_TRUE(d.ok());
      const auto order = FrameworkOrder(*d);
      int swaps = 0;
      for (int64_t q = 0; q < s.count; ++q) {
        for (int64_t r = 0; r < s.count; ++r) {
          const int64_t got = (*hits)[q][r].id, want = order[q][r];
          if (got == want) continue;
          ++swaps;
          const float gd = d->data()[q * s.count + got], wd = d->data()[q * s.count + want];
          ASSERT_LE(std::abs(gd - wd), 1e-5f * std::max(1.0f, std::abs(wd)))
              << "query " << q << " rank " << r;
        }
      }
      std::printf("%s %s: %d near-tie swaps in %lld full rankings\n", c.name.c_str(),
                  kind.name(), swaps, static_cast<long long>(s.count));
      const double tolerance = swaps == 0 ? 0.0 : 1e-4;
      EXPECT_EQ(faiss.num_lone_queries, ours->num_lone_queries);
      EXPECT_NEAR(faiss.precision_at_1, ours->precision_at_1, tolerance);
      EXPECT_NEAR(faiss.r_precision, ours->r_precision, tolerance);
      EXPECT_NEAR(faiss.map_at_r, ours->map_at_r, tolerance);
      for (int k : ks) {
        EXPECT_NEAR(faiss.recall_at_k.at(k), ours->recall_at_k.at(k), tolerance) << "K=" << k;
      }
      // The metrics are not trivially equal: clustered data ranks well,
      // uniform random data with random labels near chance (1/5).
      if (c.name == "clustered") {
        EXPECT_GT(ours->map_at_r, 0.5);
      } else {
        EXPECT_LT(ours->precision_at_1, 0.4);
      }
    }
  }
}

}  // namespace
}  // namespace siamese
