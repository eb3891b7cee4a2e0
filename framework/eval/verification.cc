#include "framework/eval/verification.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "framework/tensor/rng.h"

namespace siamese {
namespace {

absl::Status CheckScores(const std::vector<float>& distances, const std::vector<bool>& same,
                         const std::string& fn, bool need_both_classes) {
  if (distances.size() != same.size()) {
    return absl::InvalidArgumentError(absl::StrCat(fn, ": ", distances.size(), " distances but ",
                                                   same.size(), " same/different flags"));
  }
  if (distances.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(fn, ": no pairs"));
  }
  int64_t num_same = 0;
  for (size_t i = 0; i < distances.size(); ++i) {
    if (!std::isfinite(distances[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(fn, ": distance ", i, " is not finite (", distances[i], ")"));
    }
    num_same += same[i];
  }
  const int64_t num_diff = static_cast<int64_t>(same.size()) - num_same;
  if (need_both_classes && (num_same == 0 || num_diff == 0)) {
    return absl::InvalidArgumentError(absl::StrCat(fn,
                                                   ": needs both same and different pairs, got ",
                                                   num_same, " same and ", num_diff, " different"));
  }
  return absl::OkStatus();
}

// Pairs grouped by distinct distance, ascending.
struct TieGroup {
  float distance;
  int64_t num_same = 0;
  int64_t num_diff = 0;
};

std::vector<TieGroup> GroupByDistance(const std::vector<float>& distances,
                                      const std::vector<bool>& same) {
  std::vector<int64_t> order(distances.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int64_t i, int64_t j) { return distances[i] < distances[j]; });
  std::vector<TieGroup> groups;
  for (int64_t i : order) {
    if (groups.empty() || groups.back().distance != distances[i]) {
      groups.push_back(TieGroup{distances[i]});
    }
    (same[i] ? groups.back().num_same : groups.back().num_diff) += 1;
  }
  return groups;
}

std::vector<RocPoint> RocFromGroups(const std::vector<TieGroup>& groups) {
  int64_t total_same = 0, total_diff = 0;
  for (const TieGroup& g : groups) {
    total_same += g.num_same;
    total_diff += g.num_diff;
  }
  std::vector<RocPoint> roc;
  roc.reserve(groups.size() + 1);
  roc.push_back({-std::numeric_limits<double>::infinity(), 0.0, 0.0});
  int64_t acc_same = 0, acc_diff = 0;
  for (const TieGroup& g : groups) {
    acc_same += g.num_same;
    acc_diff += g.num_diff;
    roc.push_back({g.distance, static_cast<double>(acc_diff) / total_diff,
                   static_cast<double>(acc_same) / total_same});
  }
  return roc;
}

double TarAtFarFromRoc(const std::vector<RocPoint>& roc, double far) {
  double best = 0;
  for (const RocPoint& p : roc) {
    if (p.far <= far) best = std::max(best, p.tar);
  }
  return best;
}

double EerFromRoc(const std::vector<RocPoint>& roc) {
  // g = FAR - FRR rises strictly from -1 (first point) to +1 (last point).
  for (size_t i = 0; i + 1 < roc.size(); ++i) {
    const double g0 = roc[i].far - (1.0 - roc[i].tar);
    const double g1 = roc[i + 1].far - (1.0 - roc[i + 1].tar);
    if (g1 >= 0) {
      if (g1 == 0) return roc[i + 1].far;
      const double t = -g0 / (g1 - g0);
      return roc[i].far + t * (roc[i + 1].far - roc[i].far);
    }
  }
  return roc.back().far;  // Unreachable: the last point has g = 1.
}

double AucFromGroups(const std::vector<TieGroup>& groups) {
  int64_t total_same = 0, total_diff = 0;
  for (const TieGroup& g : groups) {
    total_same += g.num_same;
    total_diff += g.num_diff;
  }
  // Twice the Mann-Whitney U: each same pair scores 2 per farther different
  // pair and 1 per different pair at the same distance.
  double twice_u = 0;
  int64_t diff_farther = total_diff;
  for (const TieGroup& g : groups) {
    diff_farther -= g.num_diff;
    twice_u += static_cast<double>(g.num_same) * (2 * diff_farther + g.num_diff);
  }
  return twice_u / (2.0 * static_cast<double>(total_same) * total_diff);
}

}  // namespace

absl::StatusOr<PairSet> MakeVerificationPairs(const std::vector<int64_t>& labels, int64_t num_pairs,
                                              uint64_t seed) {
  if (num_pairs < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("MakeVerificationPairs: num_pairs must be >= 1, got ", num_pairs));
  }
  const int64_t n = static_cast<int64_t>(labels.size());
  // Items ordered by (label, index); each class is a contiguous range.
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t i, int64_t j) { return labels[i] < labels[j]; });
  std::vector<int64_t> class_begin(n), class_end(n), position(n);
  int64_t num_classes = 0;
  std::vector<int64_t> same_eligible;  // Items whose class has >= 2 members.
  for (int64_t s = 0; s < n;) {
    int64_t e = s;
    while (e < n && labels[order[e]] == labels[order[s]]) ++e;
    ++num_classes;
    for (int64_t p = s; p < e; ++p) {
      class_begin[order[p]] = s;
      class_end[order[p]] = e;
      position[order[p]] = p;
    }
    s = e;
  }
  for (int64_t i = 0; i < n; ++i) {
    if (class_end[i] - class_begin[i] >= 2) same_eligible.push_back(i);
  }
  if (same_eligible.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MakeVerificationPairs: no class has 2 items, cannot make same pairs (", n, " items)"));
  }
  if (num_classes < 2) {
    return absl::InvalidArgumentError(
        "MakeVerificationPairs: all items have the same label, cannot make "
        "different pairs");
  }

  Rng rng(seed);
  PairSet pairs;
  pairs.a.reserve(num_pairs);
  pairs.b.reserve(num_pairs);
  pairs.same.reserve(num_pairs);
  for (int64_t k = 0; k < num_pairs; ++k) {
    const bool same = k % 2 == 0;
    int64_t a, b;
    if (same) {
      a = same_eligible[rng.UniformInt(static_cast<int64_t>(same_eligible.size()))];
      const int64_t s = class_begin[a];
      int64_t p = s + rng.UniformInt(class_end[a] - s - 1);
      if (p >= position[a]) ++p;  // Skip a itself.
      b = order[p];
    } else {
      a = rng.UniformInt(n);
      const int64_t size = class_end[a] - class_begin[a];
      int64_t p = rng.UniformInt(n - size);
      if (p >= class_begin[a]) p += size;  // Skip a's class.
      b = order[p];
    }
    pairs.a.push_back(a);
    pairs.b.push_back(b);
    pairs.same.push_back(same);
  }
  return pairs;
}

absl::StatusOr<std::vector<float>> PairDistances(const Tensor& embeddings, const PairSet& pairs,
                                                 Distance kind) {
  if (!embeddings.defined() || embeddings.rank() != 2 || embeddings.dim(1) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("PairDistances: embeddings must be a [N, D] tensor with D >= 1, got ",
                     embeddings.defined() ? embeddings.ShapeString() : "an undefined tensor"));
  }
  if (pairs.a.size() != pairs.b.size() || pairs.a.size() != pairs.same.size()) {
    return absl::InvalidArgumentError(absl::StrCat("PairDistances: PairSet sizes differ: a ",
                                                   pairs.a.size(), ", b ", pairs.b.size(),
                                                   ", same ", pairs.same.size()));
  }
  const Tensor plain = embeddings.ToPlain();
  const int64_t n = plain.dim(0), d = plain.dim(1);
  const float* x = plain.data();
  const DistanceFunction& distance = kind.function();
  std::vector<double> u(d), v(d);
  std::vector<float> out(pairs.a.size());
  for (size_t i = 0; i < pairs.a.size(); ++i) {
    const int64_t ia = pairs.a[i], ib = pairs.b[i];
    if (ia < 0 || ia >= n || ib < 0 || ib >= n) {
      return absl::InvalidArgumentError(absl::StrCat("PairDistances: pair ", i, " = (", ia, ", ",
                                                     ib, ") is out of range for ", n,
                                                     " embeddings"));
    }
    // d(a, b) with a = pairs.a[i] as the anchor (asymmetric distances).
    std::copy(x + ia * d, x + (ia + 1) * d, u.begin());
    std::copy(x + ib * d, x + (ib + 1) * d, v.begin());
    const double value = distance.Pair(u.data(), v.data(), d);
    out[i] = static_cast<float>(value);
    if (!std::isfinite(out[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("PairDistances: distance of pair ", i, " = (", ia, ", ", ib,
                       ") is not finite (non-finite or huge embedding values)"));
    }
  }
  return out;
}

absl::StatusOr<std::vector<RocPoint>> RocCurve(const std::vector<float>& distances,
                                               const std::vector<bool>& same) {
  if (absl::Status s = CheckScores(distances, same, "RocCurve", true); !s.ok()) return s;
  return RocFromGroups(GroupByDistance(distances, same));
}

absl::StatusOr<double> RocAuc(const std::vector<float>& distances, const std::vector<bool>& same) {
  if (absl::Status s = CheckScores(distances, same, "RocAuc", true); !s.ok()) return s;
  return AucFromGroups(GroupByDistance(distances, same));
}

absl::StatusOr<double> EqualErrorRate(const std::vector<float>& distances,
                                      const std::vector<bool>& same) {
  if (absl::Status s = CheckScores(distances, same, "EqualErrorRate", true); !s.ok()) {
    return s;
  }
  return EerFromRoc(RocFromGroups(GroupByDistance(distances, same)));
}

absl::StatusOr<double> TarAtFar(const std::vector<float>& distances, const std::vector<bool>& same,
                                double far) {
  if (absl::Status s = CheckScores(distances, same, "TarAtFar", true); !s.ok()) return s;
  if (!(far >= 0.0 && far <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("TarAtFar: far must be in [0, 1], got ", far));
  }
  return TarAtFarFromRoc(RocFromGroups(GroupByDistance(distances, same)), far);
}

absl::StatusOr<double> CalibrateThreshold(const std::vector<float>& distances,
                                          const std::vector<bool>& same) {
  if (absl::Status s = CheckScores(distances, same, "CalibrateThreshold", true); !s.ok()) {
    return s;
  }
  const std::vector<TieGroup> groups = GroupByDistance(distances, same);
  int64_t total_diff = 0;
  for (const TieGroup& g : groups) total_diff += g.num_diff;
  // Cut c accepts groups [0, c). Correct = accepted same + rejected different.
  const size_t m = groups.size();
  int64_t accepted_same = 0, accepted_diff = 0;
  int64_t best_correct = -1;
  size_t best_cut = 0;
  for (size_t c = 0; c <= m; ++c) {
    if (c > 0) {
      accepted_same += groups[c - 1].num_same;
      accepted_diff += groups[c - 1].num_diff;
    }
    const int64_t correct = accepted_same + (total_diff - accepted_diff);
    if (correct > best_correct) {  // Strict: the smallest threshold wins ties.
      best_correct = correct;
      best_cut = c;
    }
  }
  if (best_cut == 0) {
    return std::nextafter(double{groups[0].distance}, -std::numeric_limits<double>::infinity());
  }
  if (best_cut == m) return double{groups[m - 1].distance};
  return 0.5 * (double{groups[best_cut - 1].distance} + double{groups[best_cut].distance});
}

absl::StatusOr<double> AccuracyAtThreshold(const std::vector<float>& distances,
                                           const std::vector<bool>& same, double threshold) {
  if (absl::Status s = CheckScores(distances, same, "AccuracyAtThreshold", false); !s.ok()) {
    return s;
  }
  if (std::isnan(threshold)) {
    return absl::InvalidArgumentError("AccuracyAtThreshold: threshold is NaN");
  }
  int64_t correct = 0;
  for (size_t i = 0; i < distances.size(); ++i) {
    correct += (double{distances[i]} <= threshold) == same[i];
  }
  return static_cast<double>(correct) / distances.size();
}

absl::StatusOr<VerificationMetrics> EvaluateVerification(const std::vector<float>& distances,
                                                         const std::vector<bool>& same,
                                                         double calibrated_threshold) {
  if (absl::Status s = CheckScores(distances, same, "EvaluateVerification", true); !s.ok()) {
    return s;
  }
  if (std::isnan(calibrated_threshold)) {
    return absl::InvalidArgumentError("EvaluateVerification: threshold is NaN");
  }
  const std::vector<TieGroup> groups = GroupByDistance(distances, same);
  const std::vector<RocPoint> roc = RocFromGroups(groups);
  VerificationMetrics m;
  m.roc_auc = AucFromGroups(groups);
  m.eer = EerFromRoc(roc);
  // TAR at FAR f is only defined with at least 1/f different pairs: with
  // fewer, the smallest nonzero FAR the pairs can show is above f.
  int64_t num_diff = 0;
  for (bool x : same) num_diff += !x;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  m.tar_at_far_1e_3 = num_diff >= 1000 ? TarAtFarFromRoc(roc, 1e-3) : nan;
  m.tar_at_far_1e_2 = num_diff >= 100 ? TarAtFarFromRoc(roc, 1e-2) : nan;
  m.threshold = calibrated_threshold;
  absl::StatusOr<double> acc = AccuracyAtThreshold(distances, same, calibrated_threshold);
  if (!acc.ok()) return acc.status();
  m.accuracy = *acc;
  return m;
}

}  // namespace siamese
