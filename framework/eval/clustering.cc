#include "framework/eval/clustering.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/tensor/rng.h"

namespace siamese {
namespace {

constexpr uint64_t kKMeansTag = 0x6b6d65616e73ULL;  // "kmeans"

// Uniform double in [0, 1) from the top 53 bits of one draw.
double UniformDouble(Rng* rng) { return static_cast<double>(rng->NextU64() >> 11) * 0x1p-53; }

// The point-to-centroid distances: kGroup points against kLanes centroids
// at a time, in registers. Centroids are transposed to [d, k_padded] so that
// one vector load serves kGroup points. Every (point, centroid) distance is
// the same sequence of double operations, sum over c in order of
// (x_c - y_c)^2, whichever lane or kernel computes it (no fused multiply-add:
// -ffp-contract=off), so results do not depend on the CPU.
constexpr int kLanes = 8;
constexpr int kGroup = 4;
typedef double Lanes __attribute__((vector_size(kLanes * sizeof(double))));

// The nearest of the k centroids (ties: the lowest index) and its squared
// distance, for each of the kGroup points of `group` [kGroup, d].
__attribute__((target_clones("avx512f", "avx2", "default"))) void NearestOfGroup(
    const double* group, int64_t d, const double* transposed, int64_t k_padded, int64_t k,
    int64_t* best, double* best_distance) {
  for (int p = 0; p < kGroup; ++p) {
    best[p] = 0;
    best_distance[p] = std::numeric_limits<double>::infinity();
  }
  for (int64_t j0 = 0; j0 < k; j0 += kLanes) {
    Lanes acc[kGroup] = {};
    for (int64_t c = 0; c < d; ++c) {
      Lanes column;
      std::memcpy(&column, transposed + c * k_padded + j0, sizeof(Lanes));
      for (int p = 0; p < kGroup; ++p) {
        const Lanes diff = group[p * d + c] - column;
        acc[p] += diff * diff;
      }
    }
    const int lanes = static_cast<int>(std::min<int64_t>(kLanes, k - j0));
    for (int p = 0; p < kGroup; ++p) {
      for (int l = 0; l < lanes; ++l) {
        if (acc[p][l] < best_distance[p]) {
          best_distance[p] = acc[p][l];
          best[p] = j0 + l;
        }
      }
    }
  }
}

// Four partial sums (c mod 4), added in a fixed order: a shorter dependency
// chain than one running sum, the same value everywhere.
double SquaredDistance(const double* a, const double* b, int64_t d) {
  double s[4] = {0, 0, 0, 0};
  for (int64_t c = 0; c < d; ++c) s[c % 4] += (a[c] - b[c]) * (a[c] - b[c]);
  return (s[0] + s[1]) + (s[2] + s[3]);
}

struct Data {
  const std::vector<double>& x;  // [n, d]
  int64_t n, d;
};

// k-means++ centres, [k, d].
std::vector<double> InitPlusPlus(const Data& data, int64_t k, Rng* rng) {
  const int64_t n = data.n, d = data.d;
  std::vector<double> centres(k * d);
  std::vector<double> nearest(n, std::numeric_limits<double>::infinity());
  int64_t chosen = rng->UniformInt(n);
  for (int64_t c = 0; c < k; ++c) {
    std::copy_n(&data.x[chosen * d], d, &centres[c * d]);
    if (c + 1 == k) break;
    const double* centre = &centres[c * d];
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      nearest[i] = std::min(nearest[i], SquaredDistance(&data.x[i * d], centre, d));
    }
    double total = 0;
    for (int64_t i = 0; i < n; ++i) total += nearest[i];
    if (!(total > 0)) {
      chosen = rng->UniformInt(n);  // every point lies on a centre
      continue;
    }
    const double target = UniformDouble(rng) * total;
    double cumulative = 0;
    chosen = -1;
    for (int64_t i = 0; i < n && chosen < 0; ++i) {
      cumulative += nearest[i];
      if (nearest[i] > 0 && cumulative > target) chosen = i;
    }
    // Rounding can leave target at or above the last partial sum: take the
    // last point with positive weight.
    for (int64_t i = n - 1; chosen < 0; --i) {
      if (nearest[i] > 0) chosen = i;
    }
  }
  return centres;
}

// Assigns every point to its nearest centroid; writes each point's squared
// distance to it. Returns how many assignments changed.
int64_t Assign(const Data& data, const std::vector<double>& centroids, int64_t k,
               std::vector<int64_t>* assignments, std::vector<double>* distances) {
  const int64_t n = data.n, d = data.d;
  const int64_t k_padded = (k + kLanes - 1) / kLanes * kLanes;
  std::vector<double> transposed(d * k_padded, 0.0);
  for (int64_t j = 0; j < k; ++j) {
    for (int64_t c = 0; c < d; ++c) transposed[c * k_padded + j] = centroids[j * d + c];
  }
  const int64_t groups = (n + kGroup - 1) / kGroup;
  int64_t changed = 0;
#pragma omp parallel for schedule(static) reduction(+ : changed)
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t first = g * kGroup;
    const int64_t count = std::min<int64_t>(kGroup, n - first);
    // The last group is padded with copies of its last point.
    std::vector<double> tail;
    const double* rows = &data.x[first * d];
    if (count < kGroup) {
      tail.resize(kGroup * d);
      for (int p = 0; p < kGroup; ++p) {
        std::copy_n(&data.x[(first + std::min<int64_t>(p, count - 1)) * d], d, &tail[p * d]);
      }
      rows = tail.data();
    }
    int64_t best[kGroup];
    double best_distance[kGroup];
    NearestOfGroup(rows, d, transposed.data(), k_padded, k, best, best_distance);
    for (int64_t p = 0; p < count; ++p) {
      if ((*assignments)[first + p] != best[p]) ++changed;
      (*assignments)[first + p] = best[p];
      (*distances)[first + p] = best_distance[p];
    }
  }
  return changed;
}

// Moves each centroid to the mean of its points; an empty cluster takes the
// point farthest from its centroid (see the header).
void Update(const Data& data, const std::vector<int64_t>& assignments, int64_t k,
            std::vector<double> distances, std::vector<double>* centroids) {
  const int64_t n = data.n, d = data.d;
  std::vector<double> sums(k * d, 0.0);
  std::vector<int64_t> counts(k, 0);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t j = assignments[i];
    ++counts[j];
    for (int64_t c = 0; c < d; ++c) sums[j * d + c] += data.x[i * d + c];
  }
  for (int64_t j = 0; j < k; ++j) {
    if (counts[j] > 0) {
      for (int64_t c = 0; c < d; ++c) (*centroids)[j * d + c] = sums[j * d + c] / counts[j];
      continue;
    }
    int64_t farthest = 0;
    for (int64_t i = 1; i < n; ++i) {
      if (distances[i] > distances[farthest]) farthest = i;
    }
    if (!(distances[farthest] > 0)) continue;
    std::copy_n(&data.x[farthest * d], d, &(*centroids)[j * d]);
    distances[farthest] = 0;  // taken
  }
}

KMeansResult RunOnce(const Data& data, const KMeansOptions& options, Rng* rng) {
  const int64_t k = options.clusters;
  KMeansResult r;
  r.centroids = InitPlusPlus(data, k, rng);
  r.assignments.assign(data.n, -1);
  std::vector<double> distances(data.n);
  Assign(data, r.centroids, k, &r.assignments, &distances);
  while (r.iterations < options.max_iterations) {
    Update(data, r.assignments, k, distances, &r.centroids);
    ++r.iterations;
    if (Assign(data, r.centroids, k, &r.assignments, &distances) == 0) {
      r.converged = true;
      break;
    }
  }
  for (double v : distances) r.inertia += v;
  return r;
}

// Class ids 0..R-1 of `labels` (in increasing label order) and the size of
// each class.
std::vector<int64_t> Dense(const std::vector<int64_t>& labels, std::vector<int64_t>* sizes) {
  std::map<int64_t, int64_t> ids;
  for (int64_t v : labels) ids.emplace(v, 0);
  int64_t next = 0;
  for (auto& [value, id] : ids) id = next++;
  sizes->assign(next, 0);
  std::vector<int64_t> out;
  out.reserve(labels.size());
  for (int64_t v : labels) {
    out.push_back(ids[v]);
    ++(*sizes)[out.back()];
  }
  return out;
}

// -sum p log p over the sizes, as scikit-learn's entropy().
double Entropy(const std::vector<int64_t>& sizes, int64_t n) {
  if (sizes.size() <= 1) return 0.0;
  double h = 0;
  for (int64_t s : sizes) {
    h += (static_cast<double>(s) / n) * (std::log(static_cast<double>(s)) - std::log(n));
  }
  return -h;
}

// The pieces both scores need.
struct Contingency {
  int64_t n = 0;
  std::vector<int64_t> a, b;                             // class sizes, cluster sizes
  std::map<std::pair<int64_t, int64_t>, int64_t> cells;  // non-zero n_ij
};

absl::StatusOr<Contingency> Tabulate(const std::vector<int64_t>& labels_true,
                                     const std::vector<int64_t>& labels_pred) {
  if (labels_true.size() != labels_pred.size()) {
    return absl::InvalidArgumentError(absl::StrCat("mutual information: ", labels_true.size(),
                                                   " true labels but ", labels_pred.size(),
                                                   " predicted labels"));
  }
  Contingency t;
  t.n = static_cast<int64_t>(labels_true.size());
  const std::vector<int64_t> rows = Dense(labels_true, &t.a);
  const std::vector<int64_t> cols = Dense(labels_pred, &t.b);
  for (int64_t i = 0; i < t.n; ++i) ++t.cells[{rows[i], cols[i]}];
  return t;
}

// Both labelings constant (or empty): scikit-learn's perfect-match case.
bool BothConstant(const Contingency& t) { return t.a.size() == t.b.size() && t.a.size() <= 1; }

// scikit-learn's mutual_info_score from the contingency table.
double MutualInfo(const Contingency& t) {
  if (t.a.size() == 1 || t.b.size() == 1) return 0.0;
  const double n = static_cast<double>(t.n);
  double mi = 0;
  for (const auto& [ij, count] : t.cells) {
    const double nm = count / n;
    const double outer = static_cast<double>(t.a[ij.first] * t.b[ij.second]);
    double term = nm * (std::log(static_cast<double>(count)) - std::log(n)) +
                  nm * (-std::log(outer) + std::log(n) + std::log(n));
    if (std::abs(term) < DBL_EPSILON) term = 0.0;
    mi += term;
  }
  return std::max(mi, 0.0);
}

// scikit-learn's expected_mutual_information: E[MI] under the hypergeometric
// model, sum over cells (i, j) and n_ij in [max(1, a_i + b_j - N),
// min(a_i, b_j)] of n_ij/N log(N n_ij / (a_i b_j)) P(n_ij), with
// P(n_ij) = a! b! (N-a)! (N-b)! / (N! n_ij! (a-n_ij)! (b-n_ij)! (N-a-b+n_ij)!)
// from lgamma. lgamma(m + 1) is tabulated for m = 0..N.
double ExpectedMutualInfo(const Contingency& t) {
  if (t.a.size() == 1 || t.b.size() == 1) return 0.0;
  const int64_t n = t.n;
  const double nd = static_cast<double>(n);
  std::vector<double> log_factorial(n + 1);
  for (int64_t m = 0; m <= n; ++m) log_factorial[m] = std::lgamma(static_cast<double>(m) + 1.0);
  const double log_n = std::log(nd);
  double emi = 0;
  for (int64_t ai : t.a) {
    for (int64_t bj : t.b) {
      const double log_a = std::log(static_cast<double>(ai));
      const double log_b = std::log(static_cast<double>(bj));
      const double fixed =
          log_factorial[ai] + log_factorial[bj] + log_factorial[n - ai] + log_factorial[n - bj];
      const int64_t first = std::max<int64_t>(1, ai + bj - n);
      const int64_t last = std::min(ai, bj);
      for (int64_t nij = first; nij <= last; ++nij) {
        // In scikit-learn's order of operations.
        const double term2 = (log_n + std::log(static_cast<double>(nij))) - log_a - log_b;
        const double gln = fixed - (log_factorial[nij] + log_factorial[n]) -
                           log_factorial[ai - nij] - log_factorial[bj - nij] -
                           log_factorial[n - ai - bj + nij];
        emi += (nij / nd) * term2 * std::exp(gln);
      }
    }
  }
  return emi;
}

}  // namespace

absl::StatusOr<KMeansResult> KMeans(const Tensor& data, const KMeansOptions& options) {
  if (data.rank() != 2 || data.dim(0) < 1 || data.dim(1) < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("k-means: data must be [N, D] with N, D >= 1, got ", data.ShapeString()));
  }
  const int64_t n = data.dim(0), d = data.dim(1);
  if (options.clusters < 1 || options.clusters > n) {
    return absl::InvalidArgumentError(absl::StrCat("k-means: clusters must be in [1, ", n,
                                                   "] (the number of points), got ",
                                                   options.clusters));
  }
  if (options.restarts < 1 || options.max_iterations < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("k-means: restarts and max_iterations must be >= 1, got ", options.restarts,
                     " and ", options.max_iterations));
  }
  const Tensor plain = data.ToPlain();
  const std::vector<double> x(plain.data(), plain.data() + n * d);
  for (double v : x) {
    if (!std::isfinite(v)) return absl::InvalidArgumentError("k-means: non-finite value in data");
  }
  const Data view{x, n, d};
  const Rng base = Rng(options.seed).Fork(kKMeansTag);
  KMeansResult best;
  for (int r = 0; r < options.restarts; ++r) {
    Rng rng = base.Fork(static_cast<uint64_t>(r));
    KMeansResult run = RunOnce(view, options, &rng);
    if (r == 0 || run.inertia < best.inertia) best = std::move(run);
  }
  SIAMESE_CHECK(static_cast<int64_t>(best.assignments.size()) == n) << "k-means: assignments";
  return best;
}

absl::StatusOr<double> NormalizedMutualInfo(const std::vector<int64_t>& labels_true,
                                            const std::vector<int64_t>& labels_pred) {
  auto t = Tabulate(labels_true, labels_pred);
  if (!t.ok()) return t.status();
  if (BothConstant(*t)) return 1.0;
  const double mi = MutualInfo(*t);
  if (mi == 0) return 0.0;
  const double normalizer = (Entropy(t->a, t->n) + Entropy(t->b, t->n)) / 2;
  return mi / normalizer;
}

absl::StatusOr<double> AdjustedMutualInfo(const std::vector<int64_t>& labels_true,
                                          const std::vector<int64_t>& labels_pred) {
  auto t = Tabulate(labels_true, labels_pred);
  if (!t.ok()) return t.status();
  if (BothConstant(*t)) return 1.0;
  const double mi = MutualInfo(*t);
  const double emi = ExpectedMutualInfo(*t);
  const double normalizer = (Entropy(t->a, t->n) + Entropy(t->b, t->n)) / 2;
  double denominator = normalizer - emi;
  denominator =
      denominator < 0 ? std::min(denominator, -DBL_EPSILON) : std::max(denominator, DBL_EPSILON);
  return (mi - emi) / denominator;
}

absl::StatusOr<ClusteringMetrics> EvaluateClustering(const Tensor& embeddings,
                                                     const std::vector<int64_t>& labels,
                                                     const Distance& distance, uint64_t seed) {
  if (embeddings.rank() != 2 || embeddings.dim(0) != static_cast<int64_t>(labels.size())) {
    return absl::InvalidArgumentError(absl::StrCat("clustering: embeddings ",
                                                   embeddings.ShapeString(), " do not match ",
                                                   labels.size(), " labels"));
  }
  std::vector<int64_t> sizes;
  Dense(labels, &sizes);
  Tensor points = embeddings.ToPlain();
  if (distance.normalizes()) {
    const int64_t n = points.dim(0), d = points.dim(1);
    Tensor unit = Tensor::Empty({n, d});
    for (int64_t i = 0; i < n; ++i) {
      const float* row = points.data() + i * d;
      double ss = 0;
      for (int64_t c = 0; c < d; ++c) ss += static_cast<double>(row[c]) * row[c];
      const double norm = std::max(std::sqrt(ss), 1e-12);
      for (int64_t c = 0; c < d; ++c) unit.data()[i * d + c] = static_cast<float>(row[c] / norm);
    }
    points = unit;
  }
  KMeansOptions options;
  options.clusters = static_cast<int>(sizes.size());
  options.seed = seed;
  auto kmeans = KMeans(points, options);
  if (!kmeans.ok()) {
    return absl::Status(kmeans.status().code(),
                        absl::StrCat("clustering: ", kmeans.status().message()));
  }
  ClusteringMetrics out;
  out.clusters = options.clusters;
  auto nmi = NormalizedMutualInfo(labels, kmeans->assignments);
  if (!nmi.ok()) return nmi.status();
  auto ami = AdjustedMutualInfo(labels, kmeans->assignments);
  if (!ami.ok()) return ami.status();
  out.nmi = *nmi;
  out.ami = *ami;
  return out;
}

}  // namespace siamese
