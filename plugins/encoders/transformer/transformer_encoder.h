// Encoder "transformer": a pre-LayerNorm transformer encoder over token ids,
// image patches or signal frames (parameters: transformer.proto).
//
// Architecture, for a batch of B examples that the input adapter turns into
// T vectors each (S = T, or T + 1 with a CLS token):
//   tokens:  Embedding(embed.weight, ids)              -> [B, T, d]
//   patches: Linear(flattened p x p patches, proj)     -> [B, T, d], T = (H/p)(W/p)
//   frames:  Linear(flattened C x frame_size windows)  -> [B, T, d], T = L / frame_size
//   + positions 0..T-1 (learned table "pos", or the sinusoidal table)
//   pooling "cls": prepend the learned vector "cls" (no position added: it
//     always sits at position 0, so its own weights play that role) -> S = T + 1
//   num_layers pre-LN blocks:
//     x = x + MHA(LN1(x))
//     x = x + Dropout(fc2(GELU_erf(fc1(LN2(x)))))
//   LN_f(x) -> pooling -> out (Linear to embedding_dim) -> L2Normalize (optional)
//
// Multi-head attention on LN1(x) viewed as [B*S, d]: Q, K, V come from one
// Linear whose weight [3d, d] stacks the q, k and v weights (and whose bias
// stacks q.bias, zeros for the absent key bias, and v.bias), so the three
// projections are one matrix product and give one input gradient; then
// MultiHeadAttention (framework/ops/attention.h) per head (dh = d / H):
// scores = (Q K^T) / sqrt(dh), batched over [B, H] on oneDNN matmul with the
// scale as the product's output scale; plus the key padding mask; Softmax
// over the keys; Dropout on the probabilities; P V; heads merged back to
// [B*S, d]; the output Linear "out".
//
// Padding (tokens only): id 0 is PADDING. The mask is a constant [B, S]
// tensor, -1e9 at padded keys and 0 elsewhere, added (broadcast) to the
// scores before the softmax, so padded keys get exactly zero weight (exp
// underflows) from every query whenever the sequence has a non-padding
// position; the Add is skipped when the batch has no padding (adding zeros
// changes nothing). "mean" pooling sums the non-padding positions and divides
// by their count; padded positions therefore influence nothing, and the
// embedding of a sequence does not depend on how much padding follows it or
// on the other sequences of the batch. A sequence of padding only has no
// valid key: its attention is uniform and its "mean" pool is the zero vector.
// Token ids arrive as floats; a value that is not an integer in
// [0, vocab_size) aborts naming it and its position.
//
// Parameters, in enumeration order (Module lists the encoder's own
// parameters before its children's), d = d_model, F = ffn_dim:
//   pos [max_length, d]                     (learned positions)
//   cls [d]                                 (cls pooling)
//   embed.weight [vocab_size, d]            (tokens)
//   proj.weight [d, C*p*p or C*frame_size], proj.bias [d]  (patches, frames)
//   block<i>.ln1.gamma, .ln1.beta [d]
//   block<i>.attn.q.weight [d, d], .q.bias [d]
//   block<i>.attn.k.weight [d, d]           (no key bias: it would add q . b_k
//                                            to all scores of a query, which the
//                                            softmax cancels; its gradient is 0)
//   block<i>.attn.v.weight [d, d], .v.bias [d]
//   block<i>.attn.out.weight [d, d], .out.bias [d]
//   block<i>.ln2.gamma, .ln2.beta [d]
//   block<i>.ffn.fc1.weight [F, d], .bias [F]; block<i>.ffn.fc2.weight [d, F], .bias [d]
//   ln_f.gamma, ln_f.beta [d]
//   out.weight [embedding_dim, d], out.bias [embedding_dim]
// No buffers.
//
// Initialization, from Rng(seed) forked per parameter (so the value of a
// parameter does not depend on which other parameters exist): every Linear
// as PyTorch's nn.Linear (weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)));
// LayerNorm gamma 1, beta 0; embed, pos and cls N(0, 0.02^2), the BERT/GPT
// convention (PyTorch's nn.Embedding default is N(0, 1); nn.MultiheadAttention
// would use Xavier for Q, K, V and zero biases).
//
// Dropout masks of training step s come from Rng(seed).Fork(1).Fork(s) (set
// by BeginStep(s)), drawn in a fixed order (per block: attention
// probabilities, then the feed-forward output), so resumed runs draw what an
// uninterrupted run would. Eval mode draws nothing.
#ifndef SIAMESE_PLUGINS_ENCODERS_TRANSFORMER_TRANSFORMER_ENCODER_H_
#define SIAMESE_PLUGINS_ENCODERS_TRANSFORMER_TRANSFORMER_ENCODER_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "framework/core/encoder.h"
#include "framework/core/registry.h"
#include "framework/tensor/tensor.h"
#include "plugins/encoders/transformer/transformer.pb.h"

namespace siamese {
namespace encoders {

// The fixed positional table of Vaswani et al. 2017, [length, d_model]:
//   pe[pos, 2i]     = sin(pos / 10000^(2i / d_model))
//   pe[pos, 2i + 1] = cos(pos / 10000^(2i / d_model))
// computed in double. REQUIRES: length >= 0, d_model >= 1.
Tensor SinusoidalPositions(int64_t length, int64_t d_model);

// Validates `params` against context.input_shape ([L] for tokens, [C, H, W]
// for patches, [C, L] for frames) and context.embedding_dim and builds the
// encoder (what Registry<Encoder>::Create calls for "transformer"). Parameter
// errors return FieldError naming the field ("input" for an example shape
// the adapter cannot take, "patch_size"/"frame_size" when they do not divide
// it, "num_heads" when d_model is not a multiple, "max_length", "pooling",
// ...); shape errors state the input shape. A bad embedding_dim returns
// InvalidArgument without a field.
absl::StatusOr<std::unique_ptr<Encoder>> CreateTransformerEncoder(
    const TransformerEncoderParams& params, const PluginContext& context);

}  // namespace encoders
}  // namespace siamese

#endif  // SIAMESE_PLUGINS_ENCODERS_TRANSFORMER_TRANSFORMER_ENCODER_H_
