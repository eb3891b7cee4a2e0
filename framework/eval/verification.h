// Pair verification ("are these two the same identity?"): balanced pair
// sampling, pair distances, ROC curve, ROC AUC, EER, TAR@FAR, and a distance
// threshold calibrated for accuracy, in the spirit of TensorFlow Similarity's
// calibration.
//
// Convention everywhere: a pair is declared "same" when its distance is
// <= threshold. TAR (true accept rate) = accepted same pairs / same pairs;
// FAR (false accept rate) = accepted different pairs / different pairs;
// FRR = 1 - TAR. Every function that takes (distances, same) returns
// InvalidArgument when the sizes differ, the set is empty, a distance is not
// finite, or (for ROC-based metrics) one of the two classes has no pair.
//
// !!! THE THRESHOLD MUST COME FROM A VALIDATION SPLIT, NEVER THE TEST SPLIT !!!
// Calibrate on validation pairs with CalibrateThreshold, then pass that
// threshold to EvaluateVerification on test pairs. Choosing the threshold on
// the test pairs reports an optimistically biased accuracy.
#ifndef SIAMESE_FRAMEWORK_EVAL_VERIFICATION_H_
#define SIAMESE_FRAMEWORK_EVAL_VERIFICATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/eval/retrieval.h"
#include "framework/tensor/tensor.h"

namespace siamese {

// Pair i is (a[i], b[i]), row indices into an embedding set; same[i] tells
// whether the two rows share a label.
struct PairSet {
  std::vector<int64_t> a, b;
  std::vector<bool> same;
};

// num_pairs pairs drawn with siamese::Rng(seed): pairs alternate same-class,
// different-class, same, ... (so any prefix is balanced; an odd num_pairs has
// one more same pair). A same pair takes a uniform item among the items whose
// class has at least 2 members and a uniform other item of its class; a
// different pair takes a uniform item and a uniform item of another class.
// An item is never paired with itself. Draws are with replacement: a pair may
// repeat. The result depends only on (labels, num_pairs, seed).
// InvalidArgument when num_pairs < 1, no class has 2 items, or there is only
// one class.
absl::StatusOr<PairSet> MakeVerificationPairs(const std::vector<int64_t>& labels, int64_t num_pairs,
                                              uint64_t seed);

// distance(embeddings[a[i]], embeddings[b[i]]) for each pair, computed
// directly in double precision by the distance's DistanceFunction::Pair
// (Euclidean: sqrt of summed squared differences; cosine as in
// retrieval.h); a[i] is the anchor of an asymmetric distance (snr), and
// MakeVerificationPairs draws which member comes first at random.
// embeddings is [N, D] in any layout.
// InvalidArgument on a bad tensor, mismatched PairSet sizes, an index out of
// range or non-finite embeddings.
absl::StatusOr<std::vector<float>> PairDistances(const Tensor& embeddings, const PairSet& pairs,
                                                 Distance kind);

struct RocPoint {
  double threshold, far, tar;
};

// One point per distinct distance t, ascending, with FAR and TAR of the rule
// distance <= t (all pairs at a tied distance switch together), preceded by
// the point {-infinity, 0, 0}. The last point is {max distance, 1, 1}.
absl::StatusOr<std::vector<RocPoint>> RocCurve(const std::vector<float>& distances,
                                               const std::vector<bool>& same);

// Exact area under the ROC curve = probability that a random same pair has a
// smaller distance than a random different pair, ties counting 1/2
// (Mann-Whitney U / (n_same * n_diff)); equal to the trapezoid area under
// RocCurve.
absl::StatusOr<double> RocAuc(const std::vector<float>& distances, const std::vector<bool>& same);

// Equal error rate: the ROC curve is taken as the polyline through the
// RocCurve points, and the EER is FAR (= FRR) where it crosses FAR = FRR
// (linear interpolation between the two bracketing points, as in the usual
// brentq(lambda x: 1 - x - interp(fpr, tpr)(x)) recipe). When the crossing
// is an exact ROC point, that point's FAR.
absl::StatusOr<double> EqualErrorRate(const std::vector<float>& distances,
                                      const std::vector<bool>& same);

// The largest TAR over ROC points with FAR <= far (no interpolation: every
// reported TAR is achieved by a real threshold). REQUIRES 0 <= far <= 1,
// otherwise InvalidArgument.
absl::StatusOr<double> TarAtFar(const std::vector<float>& distances, const std::vector<bool>& same,
                                double far);

// The threshold that maximizes accuracy on the given VALIDATION pairs. With
// v_0 < ... < v_{m-1} the distinct distances, the candidates are the
// midpoints (v_{c-1} + v_c) / 2 (computed in double: keep the threshold as a
// double, rounding to float may move it onto v_c), plus the largest double
// below v_0 (reject all) and v_{m-1} (accept all). Among equally accurate
// candidates the smallest threshold wins. Needs both classes present.
absl::StatusOr<double> CalibrateThreshold(const std::vector<float>& distances,
                                          const std::vector<bool>& same);

// Fraction of pairs classified correctly by distance <= threshold.
absl::StatusOr<double> AccuracyAtThreshold(const std::vector<float>& distances,
                                           const std::vector<bool>& same, double threshold);

struct VerificationMetrics {
  double roc_auc = 0;
  double eer = 0;
  // NaN (undefined) with fewer than 1000 (100) different pairs.
  double tar_at_far_1e_3 = 0;
  double tar_at_far_1e_2 = 0;
  double accuracy = 0;   // At `threshold`.
  double threshold = 0;  // The calibrated threshold that was passed in.
};

// Metrics of TEST pairs. calibrated_threshold MUST come from
// CalibrateThreshold on a separate VALIDATION split (see the file comment);
// the threshold-free metrics (AUC, EER, TAR@FAR) need no calibration.
absl::StatusOr<VerificationMetrics> EvaluateVerification(const std::vector<float>& distances,
                                                         const std::vector<bool>& same,
                                                         double calibrated_threshold);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_EVAL_VERIFICATION_H_
