// References: what a batch's examples are compared with.
//
// By default a batch is compared with itself: the distance matrix is
// [N, N] and pairs are unordered, (a, b) standing for both orders. With a
// cross-batch memory (loss.cross_batch_memory; Wang et al. 2020) the batch is
// compared with M embeddings kept from recent batches instead: the matrix is
// [N, M], row i is batch example i, column j is reference j, and pairs and
// triplets are directed, their first index a row (the anchor) and the others
// columns. The memory holds the current batch too (as constants, as
// pytorch-metric-learning's CrossBatchMemory), so each row has one column
// that is itself, which no miner or loss may compare it with.
//
// `Comparisons` answers the questions mining loops and pair masks ask, the
// same way in both cases, so one loop serves both:
//
//   for (int64_t i = 0; i < c.rows(); ++i)
//     for (int64_t j = 0; j < c.columns(); ++j)
//       if (c.comparable(i, j) && c.same_class(i, j)) ...   // d[i * columns + j]
//
// Square comparisons visit both (i, j) and (j, i); miners that return
// unordered pairs keep j > i there (`c.directed()` is false).
#ifndef SIAMESE_FRAMEWORK_CORE_REFERENCES_H_
#define SIAMESE_FRAMEWORK_CORE_REFERENCES_H_

#include <cstdint>
#include <vector>

namespace siamese {

struct References {
  std::vector<int64_t> labels;  // M class ids, one per column
  // self[i]: the column that holds batch example i itself, or -1 when none
  // does. N entries.
  std::vector<int64_t> self;
};

class Comparisons {
 public:
  // `labels`: the batch's N class ids. `references`: null for the batch
  // against itself. Both must outlive this view.
  Comparisons(const std::vector<int64_t>* labels, const References* references)
      : labels_(labels), references_(references) {}

  bool directed() const { return references_ != nullptr; }
  int64_t rows() const { return static_cast<int64_t>(labels_->size()); }
  int64_t columns() const {
    return static_cast<int64_t>(directed() ? references_->labels.size() : labels_->size());
  }
  int64_t row_label(int64_t i) const { return (*labels_)[i]; }
  int64_t column_label(int64_t j) const {
    return directed() ? references_->labels[j] : (*labels_)[j];
  }
  // False only for an example and itself.
  bool comparable(int64_t i, int64_t j) const {
    return directed() ? references_->self[i] != j : i != j;
  }
  bool same_class(int64_t i, int64_t j) const { return row_label(i) == column_label(j); }

 private:
  const std::vector<int64_t>* labels_;
  const References* references_;
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_REFERENCES_H_
