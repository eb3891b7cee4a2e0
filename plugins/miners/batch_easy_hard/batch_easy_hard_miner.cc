// Miner "batch_easy_hard": per anchor, one positive and one negative chosen
// by a strategy each (easy, semihard, hard) or every pair of a side (all);
// rules in the proto.
#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "plugins/miners/batch_easy_hard/batch_easy_hard.pb.h"

namespace siamese {
namespace {

enum class Strategy { kEasy, kSemiHard, kHard, kAll };

absl::StatusOr<Strategy> ParseStrategy(const std::string& field, const std::string& name) {
  if (name == "easy") return Strategy::kEasy;
  if (name == "semihard") return Strategy::kSemiHard;
  if (name == "hard") return Strategy::kHard;
  if (name == "all") return Strategy::kAll;
  return FieldError(field, absl::StrCat("must be \"easy\", \"semihard\", \"hard\" or \"all\", "
                                        "got \"",
                                        name, "\""));
}

// The closed interval of distances a side's candidates must lie in.
struct Range {
  float low = -std::numeric_limits<float>::infinity();
  float high = std::numeric_limits<float>::infinity();
  bool Contains(float d) const { return d >= low && d <= high; }
};

absl::StatusOr<Range> ParseRange(const std::string& field, bool has, const BatchEasyHardRange& r,
                                 Strategy strategy, const std::string& strategy_field) {
  if (!has) return Range();
  if (strategy == Strategy::kAll) {
    return FieldError(field, absl::StrCat("has no effect with ", strategy_field,
                                          " \"all\" (every pair is kept); remove it"));
  }
  if (std::isnan(r.low()) || std::isnan(r.high())) {
    return FieldError(
        field, absl::StrCat("low and high must be numbers, got [", r.low(), ", ", r.high(), "]"));
  }
  if (!(r.low() <= r.high())) {
    return FieldError(field, absl::StrCat("low (", r.low(), ") must be <= high (", r.high(), ")"));
  }
  return Range{r.low(), r.high()};
}

class BatchEasyHardMiner : public Miner {
 public:
  BatchEasyHardMiner(Strategy pos, Strategy neg, Range pos_range, Range neg_range)
      : pos_(pos), neg_(neg), pos_range_(pos_range), neg_range_(neg_range) {}

  static absl::StatusOr<std::unique_ptr<Miner>> Create(const BatchEasyHardMinerParams& p,
                                                       const PluginContext&) {
    absl::StatusOr<Strategy> pos = ParseStrategy("pos_strategy", p.pos_strategy());
    if (!pos.ok()) return pos.status();
    absl::StatusOr<Strategy> neg = ParseStrategy("neg_strategy", p.neg_strategy());
    if (!neg.ok()) return neg.status();
    // A semi-hard choice is relative to the one tuple chosen on the other
    // side: PML refuses both "semihard", and "semihard" with "all".
    if (*pos == Strategy::kSemiHard && (*neg == Strategy::kSemiHard || *neg == Strategy::kAll)) {
      return FieldError(
          "pos_strategy",
          absl::StrCat("\"semihard\" cannot be combined with neg_strategy \"", p.neg_strategy(),
                       "\" (it needs one chosen negative per anchor: \"easy\" or "
                       "\"hard\")"));
    }
    if (*neg == Strategy::kSemiHard && *pos == Strategy::kAll) {
      return FieldError("neg_strategy",
                        "\"semihard\" cannot be combined with pos_strategy \"all\" (it needs one "
                        "chosen positive per anchor: \"easy\" or \"hard\")");
    }
    absl::StatusOr<Range> pos_range = ParseRange("allowed_pos_range", p.has_allowed_pos_range(),
                                                 p.allowed_pos_range(), *pos, "pos_strategy");
    if (!pos_range.ok()) return pos_range.status();
    absl::StatusOr<Range> neg_range = ParseRange("allowed_neg_range", p.has_allowed_neg_range(),
                                                 p.allowed_neg_range(), *neg, "neg_strategy");
    if (!neg_range.ok()) return neg_range.status();
    return std::unique_ptr<Miner>(new BatchEasyHardMiner(*pos, *neg, *pos_range, *neg_range));
  }

  TupleKind output() const override {
    return pos_ == Strategy::kAll || neg_ == Strategy::kAll ? TupleKind::kPairs
                                                            : TupleKind::kTriplets;
  }

  // Against a cross-batch memory too (framework/core/references.h).
  bool accepts_references() const override { return true; }

  Tuples Mine(const MinerInput& in) override {
    const Comparisons c = in.comparisons();
    const int64_t n = c.rows(), m = c.columns();
    const float* d = in.distances->data();
    constexpr float kInf = std::numeric_limits<float>::infinity();
    // One chosen partner per anchor and side, -1 where none is left; the
    // side whose strategy is semi-hard is chosen after the other.
    std::vector<int64_t> pos(n, -1), neg(n, -1);
    for (int64_t a = 0; a < n; ++a) {
      const float* row = d + a * m;
      if (pos_ == Strategy::kSemiHard) {
        neg[a] = Choose(row, c, a, /*positive=*/false, neg_, -kInf);
        if (neg[a] >= 0) pos[a] = Choose(row, c, a, /*positive=*/true, pos_, row[neg[a]]);
      } else if (neg_ == Strategy::kSemiHard) {
        pos[a] = Choose(row, c, a, /*positive=*/true, pos_, kInf);
        if (pos[a] >= 0) neg[a] = Choose(row, c, a, /*positive=*/false, neg_, row[pos[a]]);
      } else {
        if (pos_ != Strategy::kAll) pos[a] = Choose(row, c, a, /*positive=*/true, pos_, 0);
        if (neg_ != Strategy::kAll) neg[a] = Choose(row, c, a, /*positive=*/false, neg_, 0);
      }
    }
    if (output() == TupleKind::kTriplets) {
      Triplets t;
      for (int64_t a = 0; a < n; ++a) {
        if (pos[a] < 0 || neg[a] < 0) continue;
        t.anchors.push_back(a);
        t.positives.push_back(pos[a]);
        t.negatives.push_back(neg[a]);
      }
      return t;
    }
    Pairs t;
    auto side = [&](bool positive, Strategy strategy, const std::vector<int64_t>& chosen,
                    std::vector<int64_t>* out_a, std::vector<int64_t>* out_b) {
      for (int64_t i = 0; i < n; ++i) {
        if (strategy != Strategy::kAll) {
          if (chosen[i] < 0) continue;
          out_a->push_back(i);
          out_b->push_back(chosen[i]);
          continue;
        }
        for (int64_t j = c.directed() ? 0 : i + 1; j < m; ++j) {
          if (!c.comparable(i, j) || c.same_class(i, j) != positive) continue;
          out_a->push_back(i);
          out_b->push_back(j);
        }
      }
    };
    side(true, pos_, pos, &t.pos_a, &t.pos_b);
    side(false, neg_, neg, &t.neg_a, &t.neg_b);
    return t;
  }

 private:
  // Anchor a's positive (or negative) by `strategy` (not kAll) among the
  // candidates in the side's range: the closest ("easy" positive, "hard" or
  // "semihard" negative) or the farthest ("hard" or "semihard" positive,
  // "easy" negative). A semi-hard choice keeps only candidates strictly on
  // the right side of `other`, the distance chosen on the other side
  // (positives nearer, negatives farther); ignored otherwise. Ties keep the
  // lowest index (torch.min / torch.max). -1 if no candidate is left.
  int64_t Choose(const float* row, const Comparisons& c, int64_t a, bool positive,
                 Strategy strategy, float other) const {
    const Range& range = positive ? pos_range_ : neg_range_;
    const bool closest = positive ? strategy == Strategy::kEasy : strategy != Strategy::kEasy;
    const bool semihard = strategy == Strategy::kSemiHard;
    int64_t best = -1;
    for (int64_t j = 0; j < c.columns(); ++j) {
      if (!c.comparable(a, j) || c.same_class(a, j) != positive) continue;
      const float dj = row[j];
      if (!range.Contains(dj)) continue;
      if (semihard && (positive ? !(dj < other) : !(dj > other))) continue;
      if (best < 0 || (closest ? dj < row[best] : dj > row[best])) best = j;
    }
    return best;
  }

  Strategy pos_, neg_;
  Range pos_range_, neg_range_;
};

SIAMESE_REGISTER_PLUGIN(Miner, "batch_easy_hard", siamese::batch_easy_hard,
                        BatchEasyHardMinerParams,
                        "Xuan et al. 2020: per anchor an easy, semi-hard or hard positive and "
                        "negative (default: closest positive, closest negative beyond it), or "
                        "every pair of a side",
                        &BatchEasyHardMiner::Create);

}  // namespace
}  // namespace siamese
