#include "framework/eval/retrieval.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "framework/tensor/rng.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

// [n, 1] embeddings from scalars.
Tensor Points1D(const std::vector<float>& x) {
  return Tensor::FromVector({static_cast<int64_t>(x.size()), 1}, x);
}

RetrievalMetrics Eval(const Tensor& q, const std::vector<int64_t>& ql, const Tensor& r,
                      const std::vector<int64_t>& rl, bool loo, Distance kind,
                      const std::vector<int>& ks = {1, 2, 4}, int knn_k = 3,
                      int64_t block_rows = 1024) {
  absl::StatusOr<RetrievalMetrics> m =
      EvaluateRetrieval(q, ql, r, rl, loo, kind, ks, knn_k, block_rows);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : RetrievalMetrics{};
}

void ExpectSameMetrics(const RetrievalMetrics& a, const RetrievalMetrics& b) {
  EXPECT_EQ(a.precision_at_1, b.precision_at_1);
  EXPECT_EQ(a.r_precision, b.r_precision);
  EXPECT_EQ(a.map_at_r, b.map_at_r);
  EXPECT_EQ(a.recall_at_k, b.recall_at_k);
  EXPECT_EQ(a.knn_accuracy, b.knn_accuracy);
  EXPECT_EQ(a.num_queries, b.num_queries);
  EXPECT_EQ(a.num_lone_queries, b.num_lone_queries);
}

// References on a line (labels A = 0, B = 1):
//   r0 x=0 A | r1 x=1 B | r2 x=2 A | r3 x=3 A | r4 x=4 B | r5 x=10 B
// Queries:
//   q0 x=0   A: order r0 A, r1 B, r2 A, r3 A, ...   R=3, rel(top 3) = 1 0 1
//      P@1 = 1, R-Prec = 2/3, MAP@R = (1/1 + 2/3) / 3 = 5/9, kNN(3) A,B,A -> A ok
//   q1 x=4   B: order r4 B, r3 A, r2 A, r1 B, r0 A, r5 B   R=3, rel = 1 0 0
//      P@1 = 1, R-Prec = 1/3, MAP@R = 1/3, kNN(3) B,A,A -> A wrong
//   q2 x=0.5 B: r0 and r1 tie at 0.5, the lower index r0 comes first:
//      order r0 A, r1 B, r2 A, r3 A, r4 B, r5 B   R=3, rel = 0 1 0
//      P@1 = 0, R-Prec = 1/3, MAP@R = (1/2) / 3 = 1/6, Recall@1 = 0, @2 = 1
//      kNN(3) A,B,A -> A wrong
//   q3 x=1   label 7: lone (R = 0), skipped for ranking; kNN(3) B,A,A wrong.
// Means over the 3 ranked queries: P@1 = 2/3, R-Prec = 4/9,
// MAP@R = (5/9 + 1/3 + 1/6) / 3 = 19/54, Recall@1 = 2/3, @2 = @4 = 1.
// kNN accuracy over all 4 queries = 1/4.
class LineExample : public ::testing::Test {
 protected:
  Tensor ref_ = Points1D({0, 1, 2, 3, 4, 10});
  std::vector<int64_t> ref_labels_ = {0, 1, 0, 0, 1, 1};
  Tensor query_ = Points1D({0, 4, 0.5f, 1});
  std::vector<int64_t> query_labels_ = {0, 1, 1, 7};
};

TEST_F(LineExample, HandComputedMetrics) {
  for (Distance kind : {Distance::Euclidean(), Distance::SquaredEuclidean()}) {
    RetrievalMetrics m = Eval(query_, query_labels_, ref_, ref_labels_, false, kind);
    EXPECT_DOUBLE_EQ(m.precision_at_1, 2.0 / 3);
    EXPECT_DOUBLE_EQ(m.r_precision, 4.0 / 9);
    EXPECT_DOUBLE_EQ(m.map_at_r, 19.0 / 54);
    ASSERT_EQ(m.recall_at_k.size(), 3u);
    EXPECT_DOUBLE_EQ(m.recall_at_k[1], 2.0 / 3);
    EXPECT_DOUBLE_EQ(m.recall_at_k[2], 1.0);
    EXPECT_DOUBLE_EQ(m.recall_at_k[4], 1.0);
    EXPECT_DOUBLE_EQ(m.knn_accuracy, 0.25);
    EXPECT_EQ(m.num_queries, 4);
    EXPECT_EQ(m.num_lone_queries, 1);
  }
}

// kNN votes with ties between labels go to the label met first:
//   k=2: q0 A,B -> A ok; q1 B,A -> B ok; q2 A,B -> A wrong; q3 B,A -> B wrong.
//   k=4: q0 A,B,A,A ok; q1 B,A,A,B (2-2, B nearest) ok; q2 A,B,A,A wrong;
//        q3 B,A,A,A wrong.
//   k=100 is clamped to the 6 references: q0 A,B,A,A,B,B (3-3, A nearest) ok;
//        q1 B,A,A,B,A,B (3-3, B nearest) ok; q2 A,B,A,A,B,B (3-3, A nearest)
//        wrong; q3 wrong.
TEST_F(LineExample, KnnTieGoesToNearestLabel) {
  const Distance kind = Distance::Euclidean();
  EXPECT_DOUBLE_EQ(Eval(query_, query_labels_, ref_, ref_labels_, false, kind, {1}, 2).knn_accuracy,
                   0.5);
  EXPECT_DOUBLE_EQ(Eval(query_, query_labels_, ref_, ref_labels_, false, kind, {1}, 4).knn_accuracy,
                   0.5);
  EXPECT_DOUBLE_EQ(
      Eval(query_, query_labels_, ref_, ref_labels_, false, kind, {1}, 100).knn_accuracy, 0.5);
}

// Recall@K with K above the number of references is clamped to it.
TEST_F(LineExample, LargeKIsClamped) {
  RetrievalMetrics m =
      Eval(query_, query_labels_, ref_, ref_labels_, false, Distance::Euclidean(), {1000});
  EXPECT_DOUBLE_EQ(m.recall_at_k[1000], 1.0);
}

// A Reality-Check style ranking: query at 0 with label 1, references at
// 1..7 in distance order with labels 1 0 1 1 0 1 0, so R = 4 and the top R
// relevances are 1 0 1 1:
//   P@1 = 1, R-Precision = 3/4,
//   MAP@R = (1/4) (P(1) + P(3) + P(4)) = (1/4)(1 + 2/3 + 3/4) = 29/48.
// (The relevant item at rank 6 is beyond R and does not count.)
TEST(RetrievalTest, MapAtRSingleQuery) {
  RetrievalMetrics m = Eval(Points1D({0}), {1}, Points1D({1, 2, 3, 4, 5, 6, 7}),
                            {1, 0, 1, 1, 0, 1, 0}, false, Distance::Euclidean(), {1, 2}, 1);
  EXPECT_DOUBLE_EQ(m.precision_at_1, 1.0);
  EXPECT_DOUBLE_EQ(m.r_precision, 0.75);
  EXPECT_DOUBLE_EQ(m.map_at_r, 29.0 / 48);
  EXPECT_DOUBLE_EQ(m.recall_at_k[1], 1.0);
  EXPECT_DOUBLE_EQ(m.recall_at_k[2], 1.0);
}

// Leave-one-out over x = 0, 1, 5, 6, 20 with labels 0 0 1 1 0:
//   q0: r1 l0, r2 l1, r3 l1, r4 l0   R=2 rel 1 0  -> P@1 1, RP 1/2, MAP 1/2
//   q1: r0 l0, r2 l1, r3 l1, r4 l0   R=2 rel 1 0  -> 1, 1/2, 1/2
//   q2: r3 l1, r1 l0, r0 l0, r4 l0   R=1 rel 1    -> 1, 1, 1
//   q3: r2 l1, r1, r0, r4            R=1 rel 1    -> 1, 1, 1
//   q4: r3 l1, r2 l1, r1 l0, r0 l0   R=2 rel 0 0  -> 0, 0, 0; first hit rank 3
// P@1 = 4/5, R-Prec = MAP@R = 3/5, Recall@1 = @2 = 4/5, Recall@4 = 1.
TEST(RetrievalTest, LeaveOneOutHandComputed) {
  Tensor x = Points1D({0, 1, 5, 6, 20});
  std::vector<int64_t> y = {0, 0, 1, 1, 0};
  RetrievalMetrics m = Eval(x, y, x, y, true, Distance::Euclidean());
  EXPECT_DOUBLE_EQ(m.precision_at_1, 0.8);
  EXPECT_DOUBLE_EQ(m.r_precision, 0.6);
  EXPECT_DOUBLE_EQ(m.map_at_r, 0.6);
  EXPECT_DOUBLE_EQ(m.recall_at_k[1], 0.8);
  EXPECT_DOUBLE_EQ(m.recall_at_k[2], 0.8);
  EXPECT_DOUBLE_EQ(m.recall_at_k[4], 1.0);
  EXPECT_EQ(m.num_lone_queries, 0);
  // Without leave-one-out every query retrieves itself first.
  EXPECT_DOUBLE_EQ(Eval(x, y, x, y, false, Distance::Euclidean()).precision_at_1, 1.0);
}

// x = 3, 3, 4, 9 with labels 0 1 0 1. Query 1 ties at distance 0 with itself
// and with item 0 (a different label). Leave-one-out removes item 1 by index,
// so query 1's nearest is item 0 (label 0): P@1 = 0. Dropping "the first
// neighbour" instead would drop item 0 (lower index) and keep the query itself.
//   q0: r1 l1 (0), r2 l0 (1), r3 l1   R=1 -> P@1 0
//   q1: r0 l0 (0), r2 l0 (1), r3 l1   R=1 -> P@1 0
//   q2: r0 l0 (1), r1 l1 (1), r3 (5)  R=1 -> P@1 1
//   q3: r2 l0 (5), r0, r1 l1 (6)      R=1 -> P@1 0
TEST(RetrievalTest, LeaveOneOutExcludesByIndexNotByDistance) {
  Tensor x = Points1D({3, 3, 4, 9});
  std::vector<int64_t> y = {0, 1, 0, 1};
  RetrievalMetrics m = Eval(x, y, x, y, true, Distance::SquaredEuclidean(), {1}, 1);
  EXPECT_DOUBLE_EQ(m.precision_at_1, 0.25);
}

// All references at the same distance: the order is the index order.
// Labels 0 1 1 0 for query label 0: R = 2, top 2 relevances 1 0:
// P@1 = 1, R-Precision = 1/2, MAP@R = (1/1) / 2 = 1/2; kNN(3) 0,1,1 -> 1.
TEST(RetrievalTest, AllDistancesTiedFollowIndexOrder) {
  RetrievalMetrics m = Eval(Points1D({0}), {0}, Points1D({1, 1, 1, 1}), {0, 1, 1, 0}, false,
                            Distance::Euclidean(), {1}, 3);
  EXPECT_DOUBLE_EQ(m.precision_at_1, 1.0);
  EXPECT_DOUBLE_EQ(m.r_precision, 0.5);
  EXPECT_DOUBLE_EQ(m.map_at_r, 0.5);
  EXPECT_DOUBLE_EQ(m.knn_accuracy, 0.0);
}

// Unnormalized 2-D data: q = (1, 0) label 0; r0 = (10, 0) label 0 points the
// same way but is far; r1 = (1, 1) label 1 is close. Euclidean: r1 first
// (1 < 9), P@1 = 0. Cosine: r0 first (0 < 1 - 1/sqrt(2)), P@1 = 1.
TEST(RetrievalTest, CosineAndEuclideanDifferOnUnnormalizedData) {
  Tensor q = Tensor::FromVector({1, 2}, {1, 0});
  Tensor r = Tensor::FromVector({2, 2}, {10, 0, 1, 1});
  EXPECT_DOUBLE_EQ(Eval(q, {0}, r, {0, 1}, false, Distance::Euclidean(), {1}, 1).precision_at_1,
                   0.0);
  EXPECT_DOUBLE_EQ(Eval(q, {0}, r, {0, 1}, false, Distance::Cosine(), {1}, 1).precision_at_1, 1.0);
}

Tensor RandomEmbeddings(int64_t n, int64_t d, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n * d);
  for (float& x : v) x = rng.Normal();
  return Tensor::FromVector({n, d}, v);
}

std::vector<int64_t> RandomLabels(int64_t n, int64_t classes, uint64_t seed) {
  Rng rng(seed);
  std::vector<int64_t> y(n);
  for (int64_t& v : y) v = rng.UniformInt(classes);
  return y;
}

// Identical rows are at distance exactly 0: their dot product and squared
// norms are accumulated by the same float operations.
TEST(RetrievalTest, IdenticalRowsAreAtExactlyZero) {
  Tensor a = RandomEmbeddings(5, 67, 9);
  for (Distance kind : {Distance::Euclidean(), Distance::SquaredEuclidean()}) {
    absl::StatusOr<Tensor> d = PairwiseDistances(a, a, kind);
    ASSERT_TRUE(d.ok());
    for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(d->data()[i * 5 + i], 0.0f) << i;
  }
}

TEST(RetrievalTest, PairwiseDistancesMatchDirectComputation) {
  const int64_t d = 7;
  Tensor a = RandomEmbeddings(13, d, 1), b = RandomEmbeddings(11, d, 2);
  for (Distance kind : {Distance::Euclidean(), Distance::SquaredEuclidean(), Distance::Cosine()}) {
    absl::StatusOr<Tensor> got = PairwiseDistances(a, b, kind);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->shape(), (Shape{13, 11}));
    for (int64_t i = 0; i < 13; ++i) {
      for (int64_t j = 0; j < 11; ++j) {
        double ss = 0, dot = 0, na = 0, nb = 0;
        for (int64_t k = 0; k < d; ++k) {
          const double u = a.data()[i * d + k], v = b.data()[j * d + k];
          ss += (u - v) * (u - v);
          dot += u * v;
          na += u * u;
          nb += v * v;
        }
        const double want = kind == Distance::Euclidean()          ? std::sqrt(ss)
                            : kind == Distance::SquaredEuclidean() ? ss
                                                                   : 1.0 - dot / std::sqrt(na * nb);
        EXPECT_NEAR(got->data()[i * 11 + j], want, 1e-5 * (1 + want)) << i << "," << j;
      }
    }
  }
}

// Every instruction-set kernel this CPU has gives bit-identical distances
// (odd sizes exercise the partial tiles).
TEST(RetrievalTest, DistanceKernelsAgreeBitwise) {
  Tensor a = RandomEmbeddings(37, 67, 7), b = RandomEmbeddings(53, 67, 8);
  for (Distance kind : {Distance::SquaredEuclidean(), Distance::Cosine()}) {
    absl::StatusOr<Tensor> want =
        eval_internal::PairwiseDistancesWithKernel(a, b, kind, "portable");
    ASSERT_TRUE(want.ok());
    for (const std::string& kernel : eval_internal::AvailableDistanceKernels()) {
      absl::StatusOr<Tensor> got = eval_internal::PairwiseDistancesWithKernel(a, b, kind, kernel);
      ASSERT_TRUE(got.ok()) << kernel;
      EXPECT_EQ(got->ToVector(), want->ToVector()) << kernel;
    }
  }
  EXPECT_FALSE(eval_internal::PairwiseDistancesWithKernel(a, b, Distance::Cosine(), "mmx").ok());
}

TEST(RetrievalTest, BlockSizeDoesNotChangeResults) {
  Tensor q = RandomEmbeddings(101, 7, 3), r = RandomEmbeddings(517, 7, 4);
  std::vector<int64_t> ql = RandomLabels(101, 9, 5), rl = RandomLabels(517, 9, 6);
  for (Distance kind : {Distance::Euclidean(), Distance::SquaredEuclidean(), Distance::Cosine()}) {
    RetrievalMetrics full = Eval(q, ql, r, rl, false, kind, {1, 2, 4, 8}, 5, 1024);
    for (int64_t block : {1, 3, 64}) {
      ExpectSameMetrics(full, Eval(q, ql, r, rl, false, kind, {1, 2, 4, 8}, 5, block));
    }
    RetrievalMetrics loo = Eval(r, rl, r, rl, true, kind, {1, 2, 4, 8}, 5, 1024);
    ExpectSameMetrics(loo, Eval(r, rl, r, rl, true, kind, {1, 2, 4, 8}, 5, 1));
  }
}

// Brute force: full sort of every query's distances by (distance, index) and
// the definitions written out directly.
RetrievalMetrics BruteForce(const std::vector<std::vector<double>>& dist,
                            const std::vector<int64_t>& ql, const std::vector<int64_t>& rl,
                            bool loo, const std::vector<int>& ks, int knn_k) {
  RetrievalMetrics m;
  m.num_queries = static_cast<int64_t>(ql.size());
  std::map<int, double> recall;
  double knn_correct = 0;
  for (size_t i = 0; i < ql.size(); ++i) {
    std::vector<int64_t> order;
    for (size_t j = 0; j < rl.size(); ++j) {
      if (!(loo && j == i)) order.push_back(j);
    }
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return dist[i][a] != dist[i][b] ? dist[i][a] < dist[i][b] : a < b;
    });
    std::vector<int> rel;
    for (int64_t j : order) rel.push_back(rl[j] == ql[i]);
    const int64_t big_r = std::accumulate(rel.begin(), rel.end(), int64_t{0});
    // kNN by explicit counting over labels.
    const int64_t k = std::min<int64_t>(knn_k, order.size());
    std::map<int64_t, std::pair<int64_t, int64_t>> votes;  // label -> (count, -first)
    for (int64_t t = 0; t < k; ++t) {
      auto& v = votes[rl[order[t]]];
      if (v.first == 0) v.second = -t;
      ++v.first;
    }
    auto best = std::max_element(votes.begin(), votes.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    knn_correct += best->first == ql[i];
    if (big_r == 0) {
      ++m.num_lone_queries;
      continue;
    }
    m.precision_at_1 += rel[0];
    double hits = 0, ap = 0;
    for (int64_t t = 0; t < big_r; ++t) {
      hits += rel[t];
      if (rel[t]) ap += hits / (t + 1);
    }
    m.r_precision += hits / big_r;
    m.map_at_r += ap / big_r;
    for (int kk : ks) {
      const int64_t lim = std::min<int64_t>(kk, rel.size());
      recall[kk] += std::any_of(rel.begin(), rel.begin() + lim, [](int v) { return v; });
    }
  }
  const double ranked = m.num_queries - m.num_lone_queries;
  m.precision_at_1 /= ranked;
  m.r_precision /= ranked;
  m.map_at_r /= ranked;
  for (auto& [kk, v] : recall) m.recall_at_k[kk] = v / ranked;
  m.knn_accuracy = knn_correct / m.num_queries;
  return m;
}

void ExpectNearMetrics(const RetrievalMetrics& got, const RetrievalMetrics& want) {
  EXPECT_NEAR(got.precision_at_1, want.precision_at_1, 1e-12);
  EXPECT_NEAR(got.r_precision, want.r_precision, 1e-12);
  EXPECT_NEAR(got.map_at_r, want.map_at_r, 1e-12);
  EXPECT_NEAR(got.knn_accuracy, want.knn_accuracy, 1e-12);
  ASSERT_EQ(got.recall_at_k.size(), want.recall_at_k.size());
  for (const auto& [k, v] : want.recall_at_k) EXPECT_NEAR(got.recall_at_k.at(k), v, 1e-12);
  EXPECT_EQ(got.num_queries, want.num_queries);
  EXPECT_EQ(got.num_lone_queries, want.num_lone_queries);
}

// Integer coordinates in [-2, 2]: every distance is exact in float, so the
// blocked kernel and the brute force agree exactly, with many ties in
// distance that must be broken by reference index.
Tensor IntegerEmbeddings(int64_t n, int64_t d, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n * d);
  for (float& x : v) x = static_cast<float>(rng.UniformInt(5) - 2);
  return Tensor::FromVector({n, d}, v);
}

std::vector<std::vector<double>> ExactSquaredDistances(const Tensor& q, const Tensor& r) {
  const int64_t d = q.dim(1);
  std::vector<std::vector<double>> dist(q.dim(0), std::vector<double>(r.dim(0)));
  for (int64_t i = 0; i < q.dim(0); ++i) {
    for (int64_t j = 0; j < r.dim(0); ++j) {
      double s = 0;
      for (int64_t k = 0; k < d; ++k) {
        const double diff = q.data()[i * d + k] - r.data()[j * d + k];
        s += diff * diff;
      }
      dist[i][j] = s;
    }
  }
  return dist;
}

TEST(RetrievalTest, BlockedMatchesBruteForceWithTies) {
  const std::vector<int> ks = {1, 2, 4, 8, 16};
  Tensor q = IntegerEmbeddings(2000, 6, 10), r = IntegerEmbeddings(5000, 6, 11);
  // 60 query classes, 50 reference classes: some queries are lone.
  std::vector<int64_t> ql = RandomLabels(2000, 60, 12), rl = RandomLabels(5000, 50, 13);
  RetrievalMetrics want = BruteForce(ExactSquaredDistances(q, r), ql, rl, false, ks, 5);
  ASSERT_GT(want.num_lone_queries, 0);
  for (Distance kind : {Distance::Euclidean(), Distance::SquaredEuclidean()}) {
    ExpectNearMetrics(Eval(q, ql, r, rl, false, kind, ks, 5, 256), want);
  }
  // Leave-one-out on the references themselves.
  Tensor s = IntegerEmbeddings(1500, 6, 14);
  std::vector<int64_t> sl = RandomLabels(1500, 40, 15);
  ExpectNearMetrics(Eval(s, sl, s, sl, true, Distance::Euclidean(), ks, 7, 100),
                    BruteForce(ExactSquaredDistances(s, s), sl, sl, true, ks, 7));
}

// Cosine on Gaussian data; the brute force ranks the same kernel distances
// (PairwiseDistances) with a full sort, so this checks the selection logic.
TEST(RetrievalTest, BlockedCosineMatchesBruteForce) {
  const std::vector<int> ks = {1, 4, 32};
  Tensor q = RandomEmbeddings(700, 16, 20), r = RandomEmbeddings(1300, 16, 21);
  std::vector<int64_t> ql = RandomLabels(700, 10, 22), rl = RandomLabels(1300, 10, 23);
  absl::StatusOr<Tensor> d = PairwiseDistances(q, r, Distance::Cosine());
  ASSERT_TRUE(d.ok());
  std::vector<std::vector<double>> dist(700, std::vector<double>(1300));
  for (int64_t i = 0; i < 700; ++i) {
    for (int64_t j = 0; j < 1300; ++j) dist[i][j] = d->data()[i * 1300 + j];
  }
  ExpectNearMetrics(Eval(q, ql, r, rl, false, Distance::Cosine(), ks, 9, 128),
                    BruteForce(dist, ql, rl, false, ks, 9));
}

void ExpectInvalid(const absl::StatusOr<RetrievalMetrics>& m, const std::string& text) {
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(m.status().message()), HasSubstr(text));
}

TEST(RetrievalTest, BadInputErrors) {
  const Distance e = Distance::Euclidean();
  Tensor x = Points1D({0, 1, 2});
  std::vector<int64_t> y = {0, 0, 1};
  ExpectInvalid(EvaluateRetrieval(Tensor::Empty({0, 1}), {}, x, y, false, e),
                "EvaluateRetrieval: query is empty: [0, 1]");
  ExpectInvalid(EvaluateRetrieval(x, y, Tensor::Empty({0, 1}), {}, false, e),
                "EvaluateRetrieval: reference is empty");
  ExpectInvalid(EvaluateRetrieval(Tensor::Zeros({3}), y, x, y, false, e),
                "query must be a [N, D] tensor, got [3]");
  ExpectInvalid(EvaluateRetrieval(x, {0, 0}, x, y, false, e), "2 query labels for 3 query rows");
  ExpectInvalid(EvaluateRetrieval(x, y, x, {0}, false, e),
                "1 reference labels for 3 reference rows");
  ExpectInvalid(EvaluateRetrieval(Tensor::Zeros({3, 2}), y, x, y, false, e),
                "query [3, 2] and reference [3, 1] have different embedding sizes");
  ExpectInvalid(EvaluateRetrieval(Points1D({0, NAN, 2}), y, x, y, false, e),
                "query has a non-finite value at row 1, column 0");
  ExpectInvalid(EvaluateRetrieval(Points1D({0, 1e30f, 2}), y, x, y, false, e),
                "query: the squared norm of row 1 overflows float");
  ExpectInvalid(EvaluateRetrieval(x, y, Points1D({0, 1, 3}), y, true, e),
                "query_is_reference requires the query and reference embeddings");
  ExpectInvalid(EvaluateRetrieval(Points1D({0}), {0}, Points1D({0}), {0}, true, e),
                "needs at least 2 items");
  ExpectInvalid(EvaluateRetrieval(x, y, x, y, false, e, {1, 0}), "recall K must be >= 1, got 0");
  ExpectInvalid(EvaluateRetrieval(x, y, x, y, false, e, {1}, 0), "knn_k must be >= 1");
  ExpectInvalid(EvaluateRetrieval(x, y, x, y, false, e, {1}, 1, 0), "block_rows must be >= 1");
  ExpectInvalid(EvaluateRetrieval(x, {5, 6, 7}, x, y, false, e),
                "none of the 3 queries has a reference with the same label");
  absl::StatusOr<Tensor> d = PairwiseDistances(x, Tensor::Zeros({2, 4}), e);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(std::string(d.status().message()),
              HasSubstr("a [3, 1] and b [2, 4] have different embedding sizes"));
}

// Each rank ranks a share of the queries; the metrics are one process's
// bits on every rank, whatever the number of ranks (more ranks than blocks
// included: some ranks then rank nothing).
TEST(RetrievalTest, QueriesSharedOverRanksGiveOneProcessesMetricsExactly) {
  const Tensor e = RandomEmbeddings(203, 6, 11);
  const std::vector<int64_t> y = RandomLabels(203, 7, 12);
  const Tensor ref = RandomEmbeddings(150, 6, 13);
  const std::vector<int64_t> ry = RandomLabels(150, 7, 14);
  for (bool loo : {true, false}) {
    const Tensor& r = loo ? e : ref;
    const std::vector<int64_t>& rl = loo ? y : ry;
    const RetrievalMetrics one = Eval(e, y, r, rl, loo, Distance::Euclidean(), {1, 2, 8}, 5, 16);
    for (int ranks : {1, 2, 3, 4, 16}) {
      RunOnInProcessRanks(ranks, [&](Communicator& comm) {
        auto m = EvaluateRetrieval(e, y, r, rl, loo, Distance::Euclidean(), {1, 2, 8}, 5, 16,
                                   &comm);
        ASSERT_TRUE(m.ok()) << m.status();
        const std::string where = "ranks " + std::to_string(ranks) + " loo " +
                                  std::to_string(loo) + " rank " + std::to_string(comm.rank());
        EXPECT_EQ(m->precision_at_1, one.precision_at_1) << where;
        EXPECT_EQ(m->r_precision, one.r_precision) << where;
        EXPECT_EQ(m->map_at_r, one.map_at_r) << where;
        EXPECT_EQ(m->recall_at_k, one.recall_at_k) << where;
        EXPECT_EQ(m->knn_accuracy, one.knn_accuracy) << where;
        EXPECT_EQ(m->num_lone_queries, one.num_lone_queries) << where;
        EXPECT_EQ(m->num_queries, 203) << where;
      });
    }
  }
}

}  // namespace
}  // namespace siamese
