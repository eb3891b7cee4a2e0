// The benchmark CNN of the foundation issue and of the PyTorch peer
// (shared/peers/pytorch_siamese_bench.py, EmbedCNN with pad=1):
//   conv3x3x32-relu-maxpool2, conv3x3x64-relu-maxpool2, fc128-relu, fc64,
//   L2 normalize; input [N, 1, 28, 28], output [N, 64].
// Written directly against the ops so the benchmark measures the op layer,
// not the plugin machinery.
#ifndef SIAMESE_EXPERIMENTS_BENCHMARKS_SMALL_CNN_H_
#define SIAMESE_EXPERIMENTS_BENCHMARKS_SMALL_CNN_H_

#include <vector>

#include "framework/autograd/variable.h"
#include "framework/tensor/rng.h"

namespace siamese {

class SmallCnn {
 public:
  explicit SmallCnn(uint64_t seed);
  // [N, 1, 28, 28] -> [N, 64], unit rows.
  Variable Forward(const Variable& images) const;
  std::vector<Variable> Parameters() const;

 private:
  Variable conv1_w_, conv1_b_, conv2_w_, conv2_b_, fc1_w_, fc1_b_, fc2_w_, fc2_b_;
};

// PyTorch's TripletMarginLoss(margin, p=2) on rows [0,B), [B,2B), [2B,3B) of
// `embeddings` as anchors, positives and negatives.
Variable StackedTripletMarginLoss(const Variable& embeddings, float margin);

}  // namespace siamese

#endif  // SIAMESE_EXPERIMENTS_BENCHMARKS_SMALL_CNN_H_
