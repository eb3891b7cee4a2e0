// Encoder "resnet": a small residual network for images [C, H, W] (He et al.
// 2016, "Deep Residual Learning for Image Recognition"; parameters:
// resnet.proto).
//
// Architecture (all convolutions without bias, each followed by batch norm):
//   stem:  conv 3x3, stride 1, padding 1, C -> stem_channels -> BN -> ReLU
//          [-> max pool 3x3, stride 2, padding 1 (stem_pool)]
//   for each stage s, for each block b (stride = stage[s].stride for b = 0,
//   else 1; in = the previous block's width (stem_channels for the first),
//   out = stage[s].channels):
//     h = ReLU(BN1(conv1 3x3 (in -> out, stride, padding 1)(x)))
//     h = BN2(conv2 3x3 (out -> out, stride 1, padding 1)(h))
//     shortcut = BN(conv 1x1 (in -> out, stride)(x)) if stride != 1 or in != out
//                x                                   otherwise
//     x = ReLU(h + shortcut)
//   global average pooling -> [N, C_last]                 ("features")
//   out: Linear to embedding_dim [-> row-wise L2 normalization (l2_normalize)]
// "ReLU" above stands for the `activation` parameter (default "relu"; the
// initialization uses the ReLU gain for every choice).
// A 3x3 convolution with padding 1 and the 1x1 shortcut with the same stride
// both give (size - 1) / stride + 1 outputs per side, so the sum is always
// defined and no input size (>= 1) is rejected for being too small.
//
// Parameters (full names as NamedParameters() lists them, in this order):
//   stem.conv.weight [stem_channels, C, 3, 3], stem.bn.gamma, stem.bn.beta
//   stage<s>.block<b>.conv1.weight [out, in, 3, 3], .bn1.gamma, .bn1.beta,
//     .conv2.weight [out, out, 3, 3], .bn2.gamma, .bn2.beta,
//     .shortcut.conv.weight [out, in, 1, 1], .shortcut.bn.gamma, .shortcut.bn.beta
//     (the shortcut entries only with a projection)
//   out.weight [embedding_dim, C_last], out.bias [embedding_dim]
// Buffers: <every bn above>.running_mean (= 0) and .running_var (= 1).
// Prefixes such as "stem" or "stage0" select whole parts for
// init { frozen_prefixes } or fine-tuning.
//
// Initialization (torchvision's ResNet): every convolution weight is
// KaimingNormal with mode fan_out and the ReLU gain, N(0, 2 / fan_out),
// fan_out = out * k * k; batch norm gamma = 1 (bn2: 0 with
// zero_init_residual), beta = 0; the output layer is PyTorch's nn.Linear
// default, weight and bias U(-1/sqrt(C_last), 1/sqrt(C_last)). Each
// layer draws from its own stream: Rng(seed).Fork(100) for the stem conv,
// Rng(seed).Fork(1000 + s).Fork(b).Fork(k) for stage s, block b, with k = 0
// (conv1), 1 (conv2), 2 (shortcut conv), and Rng(seed).Fork(300) for out
// (weight, then bias). So a seed determines the weights, and adding a stage
// or a block leaves the weights of the others unchanged. No randomness after
// construction.
//
// Modes: in training mode every batch norm normalizes with the statistics of
// the batch (and updates its running statistics, momentum 0.1, eps 1e-5); in
// eval mode it uses the running statistics, so an example's embedding does
// not depend on the rest of its batch. That is the only difference between
// the modes. Training mode needs more than one value per channel at every
// batch norm: a batch of one whose maps shrink to 1x1 aborts in BatchNorm.
#ifndef SIAMESE_PLUGINS_ENCODERS_RESNET_RESNET_ENCODER_H_
#define SIAMESE_PLUGINS_ENCODERS_RESNET_RESNET_ENCODER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "framework/core/encoder.h"
#include "framework/core/registry.h"
#include "plugins/encoders/resnet/resnet.pb.h"

namespace siamese {
namespace encoders {

// Validates `params` and context.input_shape ([C, H, W], sizes >= 1) and
// context.embedding_dim (>= 1), and builds the encoder (what
// Registry<Encoder>::Create calls for "resnet"). Invalid parameters return
// FieldError naming the field as written in the config ("stem_channels",
// "stage[1].channels", "stage[0].blocks", "stage[2].stride", "activation"); a bad input
// shape or embedding_dim returns InvalidArgument without a field.
absl::StatusOr<std::unique_ptr<Encoder>> CreateResNetEncoder(const ResNetEncoderParams& params,
                                                             const PluginContext& context);

}  // namespace encoders
}  // namespace siamese

#endif  // SIAMESE_PLUGINS_ENCODERS_RESNET_RESNET_ENCODER_H_
