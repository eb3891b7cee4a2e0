// Multi-head scaled dot-product attention (Vaswani et al. 2017) as one op
// over packed Q | K | V projections, forward and backward.
//
// It computes what the composed ops compute (Permute to heads, MatMul,
// Softmax, Dropout, MatMul, Permute back), without materializing the
// permutes as separate ops (one parallel pass gathers Q, K and V into
// head-major buffers, one scatters the heads back), with 1 / sqrt(dh) folded
// into the matmuls' output scale, and with one gradient for the packed input
// instead of three summed by autograd.
#ifndef SIAMESE_FRAMEWORK_OPS_ATTENTION_H_
#define SIAMESE_FRAMEWORK_OPS_ATTENTION_H_

#include <cstdint>

#include "framework/autograd/variable.h"
#include "framework/tensor/rng.h"
#include "framework/tensor/tensor.h"

namespace siamese {

struct AttentionOptions {
  int64_t batch = 1;  // B sequences of S = rows / B tokens each
  int64_t heads = 1;  // H; the width D of each of Q, K, V is a multiple
  // Undefined, or [B, S]: added to the scores of every query of sequence b
  // at key s (0 attends; a large negative value such as -1e9 masks the
  // key). A constant: it gets no gradient.
  Tensor key_mask;
  // Dropout probability on the attention probabilities, applied when
  // `training`; the mask comes from `rng` exactly as Dropout() on the
  // [B, H, S, S] probabilities would draw it (row-major, one Uniform() per
  // element).
  float dropout = 0.0f;
  bool training = false;
  Rng* rng = nullptr;
};

// qkv: [B * S, 3 * D]; row b * S + s holds (q, k, v) of token s of sequence
// b, and head h of each is the columns [h * dh, (h + 1) * dh) of its D-wide
// part (dh = D / H), the layout of one Linear with weight [3D, d] made of
// the stacked Q, K and V weights. Returns [B * S, D]: for each sequence b and
// head h, softmax(q_bh k_bh^T / sqrt(dh) + key_mask_b) v_bh over the rows s,
// head h in columns [h * dh, (h + 1) * dh).
Variable MultiHeadAttention(const Variable& qkv, const AttentionOptions& options);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_OPS_ATTENTION_H_
