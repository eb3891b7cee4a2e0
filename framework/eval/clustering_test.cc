#include "framework/eval/clustering.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "framework/tensor/rng.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

double Nmi(const std::vector<int64_t>& t, const std::vector<int64_t>& p) {
  auto v = NormalizedMutualInfo(t, p);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : std::numeric_limits<double>::quiet_NaN();
}

double Ami(const std::vector<int64_t>& t, const std::vector<int64_t>& p) {
  auto v = AdjustedMutualInfo(t, p);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : std::numeric_limits<double>::quiet_NaN();
}

// Whether a and b are the same partition (a bijection maps one's ids to
// the other's).
bool SamePartition(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  if (a.size() != b.size()) return false;
  std::map<int64_t, int64_t> ab, ba;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ab.emplace(a[i], b[i]).first->second != b[i]) return false;
    if (ba.emplace(b[i], a[i]).first->second != a[i]) return false;
  }
  return true;
}

TEST(MutualInfoTest, IdenticalPartitionsScoreOne) {
  const std::vector<int64_t> t = {0, 0, 1, 1, 2, 2, 2};
  const std::vector<int64_t> p = {5, 5, -1, -1, 9, 9, 9};  // same partition, other ids
  EXPECT_NEAR(Nmi(t, p), 1.0, 1e-12);
  EXPECT_NEAR(Ami(t, p), 1.0, 1e-12);
}

// N = 4, true {0,0,1,1}, predicted {0,0,0,1}. Contingency [[2, 0], [1, 1]],
// class sizes a = (2, 2), cluster sizes b = (3, 1).
TEST(MutualInfoTest, WorkedTwoByTwo) {
  const std::vector<int64_t> t = {0, 0, 1, 1}, p = {0, 0, 0, 1};
  // MI = sum n_ij/N log(N n_ij / (a_i b_j)) over the three non-empty cells.
  const double mi = 2.0 / 4 * std::log(4.0 * 2 / (2 * 3)) + 1.0 / 4 * std::log(4.0 * 1 / (2 * 3)) +
                    1.0 / 4 * std::log(4.0 * 1 / (2 * 1));
  const double h_true = std::log(2.0);
  const double h_pred = -(0.75 * std::log(0.75) + 0.25 * std::log(0.25));
  EXPECT_NEAR(mi, 0.2157615543388357, 1e-15);
  EXPECT_NEAR(Nmi(t, p), mi / ((h_true + h_pred) / 2), 1e-15);  // 0.3437...
  // E[MI]: with a = (2, 2) and b = (3, 1) every table with these margins is
  // this one up to a swap of rows, so MI is constant, E[MI] = MI and AMI = 0.
  // Term by term: for b_j = 3, n_ij in {1, 2}, each with hypergeometric
  // probability C(2,n)C(2,3-n)/C(4,3) = 1/2; for b_j = 1, n_ij = 1 with
  // probability C(2,1)C(2,0)/C(4,1) = 1/2; two rows alike.
  const double emi =
      2 * (0.5 * (1.0 / 4) * std::log(4.0 * 1 / 6) + 0.5 * (2.0 / 4) * std::log(4.0 * 2 / 6) +
           0.5 * (1.0 / 4) * std::log(4.0 * 1 / 2));
  EXPECT_NEAR(emi, mi, 1e-15);
  EXPECT_NEAR(Ami(t, p), 0.0, 1e-14);
}

TEST(MutualInfoTest, IndependentPartitions) {
  // Every cell holds 2: MI is exactly 0, so NMI is 0; AMI is below 0
  // because chance alone would give a positive MI.
  const std::vector<int64_t> t = {0, 1, 0, 1, 0, 1, 0, 1}, p = {0, 0, 1, 1, 0, 0, 1, 1};
  EXPECT_EQ(Nmi(t, p), 0.0);
  EXPECT_LT(Ami(t, p), 0.0);
  // Large random independent labelings: NMI keeps a positive chance bias
  // (about (R-1)(C-1)/(2N) nats of MI), AMI removes it.
  Rng rng = Rng(7).Fork(1);
  std::vector<int64_t> a(5000), b(5000);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = rng.UniformInt(10);
    b[i] = rng.UniformInt(10);
  }
  EXPECT_GT(Nmi(a, b), 0.001);
  EXPECT_LT(std::abs(Ami(a, b)), 0.003);
}

TEST(MutualInfoTest, DegenerateCasesAsSklearn) {
  // Both labelings constant (and the empty labeling): a perfect match.
  EXPECT_EQ(Nmi({3, 3, 3}, {1, 1, 1}), 1.0);
  EXPECT_EQ(Ami({3, 3, 3}, {1, 1, 1}), 1.0);
  EXPECT_EQ(Nmi({}, {}), 1.0);
  EXPECT_EQ(Ami({}, {}), 1.0);
  // One side constant: no information either way.
  EXPECT_EQ(Nmi({0, 0, 0, 0}, {0, 1, 2, 3}), 0.0);
  EXPECT_EQ(Ami({0, 0, 0, 0}, {0, 1, 2, 3}), 0.0);
  EXPECT_EQ(Ami({0, 1, 2, 3}, {0, 0, 0, 0}), 0.0);
  // Labelings of different sizes are refused.
  auto bad = AdjustedMutualInfo({0, 1}, {0});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("2 true labels but 1 predicted"));
  EXPECT_FALSE(NormalizedMutualInfo({0}, {0, 1}).ok());
}

TEST(MutualInfoTest, SymmetricInItsArguments) {
  const std::vector<int64_t> t = {0, 0, 0, 1, 1, 1, 2, 2, 2, 2}, p = {1, 1, 0, 0, 3, 3, 3, 2, 2, 2};
  EXPECT_NEAR(Nmi(t, p), Nmi(p, t), 1e-15);
  EXPECT_NEAR(Ami(t, p), Ami(p, t), 1e-15);
}

// The label vectors of tools/sklearn_reference/make_clustering_references.py,
// by the same formulas.
struct Labels {
  std::vector<int64_t> t, p;
};
Labels Case(const std::string& name) {
  Labels c;
  auto fill = [&c](int n, auto true_of, auto pred_of) {
    for (int i = 0; i < n; ++i) {
      c.t.push_back(true_of(i));
      c.p.push_back(pred_of(i));
    }
  };
  if (name == "worked_2x2") {
    c = {{0, 0, 1, 1}, {0, 0, 0, 1}};
  } else if (name == "unequal_3_vs_4") {
    c = {{0, 0, 0, 1, 1, 1, 2, 2, 2, 2}, {1, 1, 0, 0, 3, 3, 3, 2, 2, 2}};
  } else if (name == "independent_balanced") {
    fill(
        8, [](int i) { return i % 2; }, [](int i) { return (i / 2) % 2; });
  } else if (name == "arbitrary_label_values") {
    c = {{-5, 100, 100, 7, -5, 7}, {3, 3, 9, 9, 1, 1}};
  } else if (name == "twelve_classes_noisy") {
    fill(
        240, [](int i) { return i % 12; },
        [](int i) { return i % 5 == 0 ? (i / 5) % 15 : i % 12; });
  } else if (name == "fifty_small_classes") {
    fill(
        150, [](int i) { return i / 3; }, [](int i) { return (i * 37) % 41; });
  } else if (name == "ten_classes_seven_clusters") {
    fill(
        1000, [](int i) { return i % 10; }, [](int i) { return (i / 3 + i / 7) % 7; });
  } else if (name == "ten_classes_merged") {
    fill(
        300, [](int i) { return i / 30; }, [](int i) { return std::min(i / 30, 8); });
  }
  return c;
}

// scikit-learn 1.2.1 (Debian 12's python3-sklearn),
// tools/sklearn_reference/make_clustering_references.py.
struct Reference {
  const char* name;
  double nmi, ami;
};
constexpr Reference kSklearn[] = {
    {"worked_2x2", 0.34371101848545077, 2.0211370946362208e-16},
    {"unequal_3_vs_4", 0.61857278665396587, 0.405778188634623},
    {"independent_balanced", 0, -0.12974472642510559},
    {"arbitrary_label_values", 0.36907024642854241, -0.249999999999999},
    {"twelve_classes_noisy", 0.73986015113199888, 0.69718064779826905},
    {"fifty_small_classes", 0.68433995979113615, -0.021448249060501051},
    {"ten_classes_seven_clusters", 0.001562964668440011, -0.011494384951108513},
    {"ten_classes_merged", 0.96896268412734499, 0.96700934648191017},
};

TEST(SklearnReferenceTest, MatchesNormalizedAndAdjustedMutualInfoScore) {
  for (const Reference& r : kSklearn) {
    const Labels c = Case(r.name);
    ASSERT_FALSE(c.t.empty()) << r.name;
    // 1e-9 relative; values that are 0 in exact arithmetic (worked_2x2's
    // AMI is 2e-16 there) within 1e-13.
    EXPECT_NEAR(Nmi(c.t, c.p), r.nmi, 1e-9 * std::abs(r.nmi) + 1e-13) << r.name;
    EXPECT_NEAR(Ami(c.t, c.p), r.ami, 1e-9 * std::abs(r.ami) + 1e-13) << r.name;
  }
}

// `per` points around each of `blobs` centres 10 e_b in R^dim, noise sd
// 0.1, interleaved (point i is in blob i % blobs).
Tensor Blobs(int blobs, int per, int dim, std::vector<int64_t>* labels) {
  Rng rng = Rng(11).Fork(2);
  std::vector<float> v;
  labels->clear();
  for (int i = 0; i < blobs * per; ++i) {
    const int b = i % blobs;
    labels->push_back(b);
    for (int c = 0; c < dim; ++c) v.push_back((c == b ? 10.0f : 0.0f) + 0.1f * rng.Normal());
  }
  return Tensor::FromVector({blobs * per, dim}, v);
}

Tensor Uniform(int n, int dim, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n * dim);
  for (float& x : v) x = rng.Uniform();
  return Tensor::FromVector({n, dim}, v);
}

TEST(KMeansTest, TwoPairsOnALine) {
  KMeansOptions o;
  o.clusters = 2;
  auto r = KMeans(Tensor::FromVector({4, 1}, {0.0f, 10.0f, 1.0f, 11.0f}), o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(SamePartition(r->assignments, {0, 1, 0, 1}));
  std::vector<double> centroids = r->centroids;
  std::sort(centroids.begin(), centroids.end());
  EXPECT_EQ(centroids, (std::vector<double>{0.5, 10.5}));
  EXPECT_EQ(r->inertia, 1.0);  // four points at 0.5 from their centroid
  EXPECT_TRUE(r->converged);
}

TEST(KMeansTest, RecoversSeparatedBlobs) {
  std::vector<int64_t> labels;
  const Tensor x = Blobs(6, 40, 8, &labels);
  KMeansOptions o;
  o.clusters = 6;
  o.seed = 3;
  auto r = KMeans(x, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(SamePartition(r->assignments, labels));
  EXPECT_NEAR(Nmi(labels, r->assignments), 1.0, 1e-12);
  // Inertia: about 240 points x 8 dims x 0.1^2.
  EXPECT_NEAR(r->inertia, 240 * 8 * 0.01, 4.0);
  EXPECT_TRUE(r->converged);
}

TEST(KMeansTest, AssignmentsAreTheNearestCentroidsAndInertiaTheirSum) {
  // 103 points (not a multiple of the kernel's 4-point groups), k = 13 (not
  // a multiple of its 8 lanes), against a plain loop: every distance is the
  // same sum in the same order, so the inertia matches bit for bit.
  const Tensor x = Uniform(103, 7, 9);
  KMeansOptions o;
  o.clusters = 13;
  o.seed = 5;
  auto r = KMeans(x, o);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->centroids.size(), 13u * 7);
  double inertia = 0;
  for (int64_t i = 0; i < 103; ++i) {
    int64_t nearest = 0;
    double best = std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < 13; ++j) {
      double s = 0;
      for (int64_t c = 0; c < 7; ++c) {
        const double diff = static_cast<double>(x.data()[i * 7 + c]) - r->centroids[j * 7 + c];
        s += diff * diff;
      }
      if (s < best) {
        best = s;
        nearest = j;
      }
    }
    EXPECT_EQ(r->assignments[i], nearest) << i;
    inertia += best;
  }
  EXPECT_EQ(r->inertia, inertia);
  // Each centroid is the mean of its points (converged).
  EXPECT_TRUE(r->converged);
  for (int64_t j = 0; j < 13; ++j) {
    double sum = 0;
    int count = 0;
    for (int64_t i = 0; i < 103; ++i) {
      if (r->assignments[i] == j) {
        sum += x.data()[i * 7];
        ++count;
      }
    }
    ASSERT_GT(count, 0);
    EXPECT_NEAR(r->centroids[j * 7], sum / count, 1e-12);
  }
}

TEST(KMeansTest, SameSeedSameResultOnAnyThreadCount) {
  const Tensor x = Uniform(500, 5, 4);
  KMeansOptions o;
  o.clusters = 9;
  o.seed = 42;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  auto one = KMeans(x, o);
  omp_set_num_threads(4);
  auto four = KMeans(x, o);
  auto again = KMeans(x, o);
  omp_set_num_threads(threads);
  ASSERT_TRUE(one.ok() && four.ok() && again.ok());
  for (const auto* r : {&*four, &*again}) {
    EXPECT_EQ(r->assignments, one->assignments);
    EXPECT_EQ(r->centroids, one->centroids);  // bit for bit
    EXPECT_EQ(r->inertia, one->inertia);
    EXPECT_EQ(r->iterations, one->iterations);
  }
}

TEST(KMeansTest, SeedsChooseDifferentStarts) {
  // Unstructured data has many local optima: different seeds reach
  // different ones, and more restarts never end worse than the first alone.
  const Tensor x = Uniform(300, 2, 5);
  std::vector<std::vector<double>> seen;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    KMeansOptions o;
    o.clusters = 12;
    o.seed = seed;
    o.restarts = 1;
    auto single = KMeans(x, o);
    o.restarts = 4;
    auto best = KMeans(x, o);
    ASSERT_TRUE(single.ok() && best.ok());
    EXPECT_LE(best->inertia, single->inertia) << seed;
    seen.push_back(single->centroids);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_GT(std::unique(seen.begin(), seen.end()) - seen.begin(), 1);
}

TEST(KMeansTest, AsManyClustersAsPointsAndDuplicates) {
  KMeansOptions o;
  o.clusters = 5;
  auto each = KMeans(Uniform(5, 3, 6), o);
  ASSERT_TRUE(each.ok()) << each.status();
  EXPECT_EQ(each->inertia, 0.0);
  EXPECT_TRUE(SamePartition(each->assignments, {0, 1, 2, 3, 4}));
  // Two distinct points, four clusters: two clusters stay empty.
  o.clusters = 4;
  auto dup = KMeans(Tensor::FromVector({6, 1}, {1, 1, 1, 2, 2, 2}), o);
  ASSERT_TRUE(dup.ok()) << dup.status();
  EXPECT_EQ(dup->inertia, 0.0);
  EXPECT_TRUE(SamePartition(dup->assignments, {0, 0, 0, 1, 1, 1}));
  for (int64_t a : dup->assignments) EXPECT_TRUE(a >= 0 && a < 4);
}

TEST(KMeansTest, MaxIterationsBoundsTheUpdates) {
  KMeansOptions o;
  o.clusters = 12;
  o.max_iterations = 1;
  auto r = KMeans(Uniform(300, 2, 5), o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->iterations, 1);
  EXPECT_FALSE(r->converged);
}

TEST(KMeansTest, InvalidArguments) {
  const Tensor x = Uniform(4, 2, 1);
  auto error = [&](const Tensor& data, int k, int restarts, int iterations) {
    KMeansOptions o;
    o.clusters = k;
    o.restarts = restarts;
    o.max_iterations = iterations;
    auto r = KMeans(data, o);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : std::string(r.status().message());
  };
  EXPECT_THAT(error(x, 5, 3, 300), HasSubstr("clusters must be in [1, 4]"));
  EXPECT_THAT(error(x, 0, 3, 300), HasSubstr("clusters must be in [1, 4]"));
  EXPECT_THAT(error(x, 2, 0, 300), HasSubstr("restarts"));
  EXPECT_THAT(error(x, 2, 3, 0), HasSubstr("max_iterations"));
  EXPECT_THAT(error(Tensor::FromVector({4}, {1, 2, 3, 4}), 2, 3, 300), HasSubstr("[N, D]"));
  EXPECT_THAT(error(Tensor::FromVector({2, 1}, {1, std::nanf("")}), 1, 3, 300),
              HasSubstr("non-finite"));
}

TEST(EvaluateClusteringTest, SeparatedClassesScoreOne) {
  std::vector<int64_t> labels;
  const Tensor x = Blobs(5, 30, 6, &labels);
  auto m = EvaluateClustering(x, labels, Distance::Euclidean(), 1);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->clusters, 5);
  EXPECT_NEAR(m->nmi, 1.0, 1e-12);
  EXPECT_NEAR(m->ami, 1.0, 1e-12);
  EXPECT_FALSE(EvaluateClustering(x, {0, 1}, Distance::Euclidean(), 1).ok());
}

TEST(EvaluateClusteringTest, CosineClustersDirectionsNotLengths) {
  // Two classes along the axes, at lengths 1, 1.1 and 100. Squared
  // Euclidean k-means does best isolating one long point (inertia about
  // 8,000, against 13,000 for the two classes), which mixes the classes; on
  // the unit circle each class is a single point.
  const Tensor x = Tensor::FromVector(
      {6, 2}, {1.0f, 0.0f, 1.1f, 0.0f, 100.0f, 0.0f, 0.0f, 1.0f, 0.0f, 1.1f, 0.0f, 100.0f});
  const std::vector<int64_t> labels = {0, 0, 0, 1, 1, 1};
  auto cosine = EvaluateClustering(x, labels, Distance::Cosine(), 1);
  auto euclidean = EvaluateClustering(x, labels, Distance::SquaredEuclidean(), 1);
  ASSERT_TRUE(cosine.ok() && euclidean.ok());
  EXPECT_NEAR(cosine->nmi, 1.0, 1e-12);
  EXPECT_LT(euclidean->nmi, 0.5);
}

}  // namespace
}  // namespace siamese
