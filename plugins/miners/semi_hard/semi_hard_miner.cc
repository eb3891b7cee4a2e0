// Miner "semi_hard": FaceNet's semi-hard negatives, on the N x N distances.
#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/core/miner.h"
#include "framework/core/parallel_mining.h"
#include "framework/core/registry.h"
#include "plugins/miners/semi_hard/semi_hard.pb.h"

namespace siamese {
namespace {

class SemiHardMiner : public Miner {
 public:
  explicit SemiHardMiner(const SemiHardMinerParams& p) : params_(p) {}

  static absl::StatusOr<std::unique_ptr<Miner>> Create(const SemiHardMinerParams& p,
                                                       const PluginContext&) {
    if (!(p.margin() > 0))
      return FieldError("margin", absl::StrCat("must be > 0, got ", p.margin()));
    return std::unique_ptr<Miner>(new SemiHardMiner(p));
  }

  TupleKind output() const override { return TupleKind::kTriplets; }

  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  // The result is exactly the plain loop's
  //
  //   for a, for p (comparable, same class), for q (other class):
  //     keep q if d(a,p) < d(a,q) < d(a,p) + margin
  //     (hardest: smallest d(a,q), ties to the lowest q; all: q ascending)
  //
  // including ties, NaN (never semi-hard) and +-0 (equal), without its
  // O(N M^2) cost: per anchor O(M log M) (see MineHardest, MineAll), rows on
  // the framework's threads (MineRows).
  Tuples Mine(const MinerInput& in) override {
    const Comparisons c = in.comparisons();
    const int64_t n = c.rows(), cols = c.columns();
    int64_t log_cols = 1;
    while ((int64_t{1} << log_cols) < cols) ++log_cols;
    return MineRows<Triplets>(n, cols * log_cols, [&](int64_t begin, int64_t end, Triplets* t) {
      Scratch s;
      for (int64_t a = begin; a < end; ++a) {
        if (params_.all_semi_hard()) {
          MineAll(c, in.distances->data() + a * cols, a, &s, t);
        } else {
          MineHardest(c, in.distances->data() + a * cols, a, &s, t);
        }
      }
    });
  }

 private:
  // A negative (or the lack of one: q < 0), ordered by (d, q).
  struct Candidate {
    float d = 0;
    int64_t q = -1;
  };
  static bool Before(const Candidate& x, const Candidate& y) {
    if (y.q < 0) return x.q >= 0;
    if (x.q < 0) return false;
    return x.d < y.d || (x.d == y.d && x.q < y.q);  // -0 == +0: the lower q
  }
  // #{i : x[i] < v} for sorted x[0, n), n >= 1: a binary search without
  // branches (a conditional move per level), as unpredictable as v is.
  static int64_t CountBelow(const float* x, int64_t n, float v) {
    if (n <= 64) {  // a pk batch's few positives: a vectorized count is cheaper
      int32_t count = 0;
      for (int64_t i = 0; i < n; ++i) count += x[i] < v ? 1 : 0;
      return count;
    }
    const float* base = x;
    while (n > 1) {
      const int64_t half = n / 2;
      base = base[half - 1] < v ? base + half : base;
      n -= half;
    }
    return (base - x) + (*base < v ? 1 : 0);
  }
  struct Scratch {
    std::vector<float> sorted;
    std::vector<Candidate> buckets, negatives;
    std::vector<int64_t> found;
  };

  // The hardest semi-hard negative of each positive of anchor a (row: its
  // distances). For a positive at x, the candidates are the negatives at
  // v > x, and the answer is the first of them in (v, q) order if that v
  // is < x + margin. With the anchor's P positive distances sorted, a
  // negative at v is a candidate of exactly the positives whose rank
  // #{sorted <= x} is <= j(v) = #{sorted < v}; so one pass over the
  // negatives keeps the first candidate per j, a suffix minimum over j
  // gives each rank its answer: O(M log P + P log P).
  void MineHardest(const Comparisons& c, const float* row, int64_t a, Scratch* s,
                   Triplets* t) const {
    const int64_t cols = c.columns();
    std::vector<float>& sorted = s->sorted;
    sorted.clear();
    for (int64_t p = 0; p < cols; ++p) {
      if (c.comparable(a, p) && c.same_class(a, p) && !std::isnan(row[p])) sorted.push_back(row[p]);
    }
    if (sorted.empty()) return;
    std::sort(sorted.begin(), sorted.end());
    const int64_t num = static_cast<int64_t>(sorted.size());
    std::vector<Candidate>& buckets = s->buckets;
    buckets.assign(num + 1, Candidate());
    for (int64_t q = 0; q < cols; ++q) {
      const float v = row[q];
      if (c.same_class(a, q) || std::isnan(v)) continue;
      const int64_t j = CountBelow(sorted.data(), num, v);
      // q ascending: a strict < keeps the lowest q of equal distances.
      if (j > 0 && (buckets[j].q < 0 || v < buckets[j].d)) buckets[j] = {v, q};
    }
    for (int64_t j = num - 1; j >= 1; --j) {
      if (Before(buckets[j + 1], buckets[j])) buckets[j] = buckets[j + 1];
    }
    const float m = params_.margin();
    for (int64_t p = 0; p < cols; ++p) {
      if (!c.comparable(a, p) || !c.same_class(a, p)) continue;
      const float dap = row[p];
      if (std::isnan(dap)) continue;
      const int64_t rank = std::upper_bound(sorted.begin(), sorted.end(), dap) - sorted.begin();
      const Candidate& best = buckets[rank];  // rank >= 1: dap itself is in `sorted`
      if (best.q >= 0 && best.d < dap + m) {
        t->anchors.push_back(a);
        t->positives.push_back(p);
        t->negatives.push_back(best.q);
      }
    }
  }

  // Every semi-hard negative of each positive of anchor a: the anchor's
  // negatives sorted once by (d, q); a positive at x takes the run of them
  // in (x, x + margin), found by binary search, in q order:
  // O(M log M + output).
  void MineAll(const Comparisons& c, const float* row, int64_t a, Scratch* s, Triplets* t) const {
    const int64_t cols = c.columns();
    std::vector<Candidate>& negatives = s->negatives;
    negatives.clear();
    for (int64_t q = 0; q < cols; ++q) {
      if (c.same_class(a, q) || std::isnan(row[q])) continue;
      negatives.push_back({row[q], q});
    }
    std::sort(negatives.begin(), negatives.end(), Before);
    const float m = params_.margin();
    for (int64_t p = 0; p < cols; ++p) {
      if (!c.comparable(a, p) || !c.same_class(a, p)) continue;
      const float dap = row[p];
      if (std::isnan(dap)) continue;
      const float limit = dap + m;
      auto it = std::upper_bound(negatives.begin(), negatives.end(), dap,
                                 [](float v, const Candidate& x) { return v < x.d; });
      s->found.clear();
      for (; it != negatives.end() && it->d < limit; ++it) s->found.push_back(it->q);
      std::sort(s->found.begin(), s->found.end());
      for (int64_t q : s->found) {
        t->anchors.push_back(a);
        t->positives.push_back(p);
        t->negatives.push_back(q);
      }
    }
  }

  SemiHardMinerParams params_;
};

SIAMESE_REGISTER_PLUGIN(Miner, "semi_hard", siamese::semi_hard, SemiHardMinerParams,
                        "FaceNet semi-hard negatives: d(a,p) < d(a,n) < d(a,p) + margin",
                        &SemiHardMiner::Create);

}  // namespace
}  // namespace siamese
