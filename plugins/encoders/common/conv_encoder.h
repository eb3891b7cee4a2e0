// The convolutional encoder shared by the "cnn" (2-D images [C, H, W]) and
// "cnn1d" (sequences [C, L]) plugins: both parse their own parameter message
// into a ConvEncoderSpec and call CreateConvEncoder.
//
// Architecture, for each conv layer i:
//   conv_i (bias unless batch_norm) -> batch_norm_i (if on) -> activation
//   -> pool_i (max / avg with kernel = stride = pool_size, or none)
// then global average pooling (global_pool) or nothing (the first Linear
// flattens its [N, C, H, W] / [N, C, L] input channel-major, as PyTorch's
// flatten, reading the convolutions' blocked layout without a reorder), then
// for each hidden width fc[j]: dropout -> linear -> activation, then the
// output linear to the embedding width, then row-wise L2 normalization
// (l2_normalize). Square kernels, strides and pools in 2-D.
//
// Parameters (full names as NamedParameters() lists them, in this order):
//   conv<i>.weight [O, C, K, K] (1-D: [O, C, K]), conv<i>.bias [O] (absent
//   with batch_norm), bn<i>.gamma [O] (= 1), bn<i>.beta [O] (= 0), with
//   buffers bn<i>.running_mean (= 0) and bn<i>.running_var (= 1);
//   fc<j>.weight [W_j, F], fc<j>.bias [W_j]; out.weight [D, F], out.bias [D].
// Initialization is PyTorch's default for Conv and Linear: weight
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with gain sqrt(1/3)),
// bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C * prod(K) or F. Each
// layer draws from its own stream Rng(seed).Fork(tag) with tag 100 + i for
// conv<i>, 200 + j for fc<j>, 300 for out (weight first, then bias); dropout
// draws from Rng(seed).Fork(1), owned by the encoder. So a seed determines the
// weights, and the dropout masks do not shift them.
//
// Modes: dropout is active only in training mode; batch norm uses batch
// statistics (and updates its running statistics, momentum 0.1, eps 1e-5)
// in training mode and the running statistics in eval mode.
#ifndef SIAMESE_PLUGINS_ENCODERS_COMMON_CONV_ENCODER_H_
#define SIAMESE_PLUGINS_ENCODERS_COMMON_CONV_ENCODER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/encoder.h"
#include "framework/core/registry.h"

namespace siamese {
namespace encoders {

struct ConvLayerSpec {
  int64_t channels = 0;
  int64_t kernel = 3;
  int64_t stride = 1;
  int64_t padding = -1;      // -1: kernel / 2 ("same" size for odd kernels at stride 1)
  std::string pool = "max";  // "max", "avg" or "none"
  int64_t pool_size = 2;
};

struct ConvEncoderSpec {
  std::string plugin;               // "cnn" or "cnn1d", for error messages
  int spatial_rank = 2;             // 2: inputs [C, H, W]; 1: inputs [C, L]
  std::vector<ConvLayerSpec> conv;  // at least one layer
  bool batch_norm = false;
  float dropout = 0.0f;     // before each hidden fc layer; in [0, 1)
  std::vector<int64_t> fc;  // hidden widths (may be empty)
  bool l2_normalize = true;
  std::string activation = "relu";  // "relu", "leaky_relu" (slope 0.01) or "gelu" (erf)
  bool global_pool = false;
};

// Validates `spec` against context.input_shape (rank spatial_rank + 1) and
// context.embedding_dim, and builds the encoder. Invalid parameters return
// FieldError naming the field as written in the config ("conv[1].channels",
// "conv[0].pool_size", "fc[0]", "dropout", "activation"); spatial errors also
// state the input shape and the map size the layer receives. A bad input
// shape or embedding_dim returns InvalidArgument (no field).
absl::StatusOr<std::unique_ptr<Encoder>> CreateConvEncoder(const ConvEncoderSpec& spec,
                                                           const PluginContext& context);

// Copies a plugin's parameter message (CnnEncoderParams, Cnn1dEncoderParams:
// same field names) into a spec. An empty `conv` list becomes two layers of
// 32 then 64 channels with the message's defaults for everything else
// (kernel, stride, padding, pool, pool_size); an empty `fc` list becomes
// {128}.
template <typename Params>
ConvEncoderSpec SpecFromParams(const Params& p, const std::string& plugin, int spatial_rank) {
  ConvEncoderSpec spec;
  spec.plugin = plugin;
  spec.spatial_rank = spatial_rank;
  auto add = [&spec](const auto& layer) {
    ConvLayerSpec l;
    l.channels = layer.channels();
    l.kernel = layer.kernel();
    l.stride = layer.stride();
    l.padding = layer.padding();
    l.pool = layer.pool();
    l.pool_size = layer.pool_size();
    spec.conv.push_back(l);
  };
  if (p.conv_size() == 0) {
    for (int channels : {32, 64}) {
      typename std::decay<decltype(p.conv(0))>::type layer;
      layer.set_channels(channels);
      add(layer);
    }
  } else {
    for (const auto& layer : p.conv()) add(layer);
  }
  spec.batch_norm = p.batch_norm();
  spec.dropout = p.dropout();
  spec.fc.assign(p.fc().begin(), p.fc().end());
  if (spec.fc.empty()) spec.fc = {128};
  spec.l2_normalize = p.l2_normalize();
  spec.activation = p.activation();
  spec.global_pool = p.global_pool();
  return spec;
}

}  // namespace encoders
}  // namespace siamese

#endif  // SIAMESE_PLUGINS_ENCODERS_COMMON_CONV_ENCODER_H_
