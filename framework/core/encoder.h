// Encoder: maps a batch of inputs to embeddings [N, D].
//
// The twin (or triplet) towers of a Siamese network are ONE encoder applied
// to the concatenated inputs of a batch: weight sharing is structural. An
// encoder is a Module, so its parameters are named (checkpoints, freezing by
// prefix) and it has train/eval modes (dropout, batch norm).
#ifndef SIAMESE_FRAMEWORK_CORE_ENCODER_H_
#define SIAMESE_FRAMEWORK_CORE_ENCODER_H_

#include <string>
#include <vector>

#include "framework/autograd/variable.h"
#include "framework/nn/module.h"
#include "framework/proto/experiment.pb.h"

namespace siamese {

class Encoder : public Module {
 public:
  using Config = EncoderConfig;
  static constexpr const char* kKind = "encoder";

  // inputs: [N, example shape...] (the PluginContext's input_shape at
  // creation). Returns [N, embedding_dim()].
  virtual Variable Forward(const Variable& inputs) = 0;
  virtual int64_t embedding_dim() const = 0;

  // Layers below the output whose activations can serve as the embedding
  // at evaluation (evaluation.embedding_layer), e.g. the representation
  // under a projection head, which Chen et al. (SimCLR, 2020) found to
  // transfer better than the head's output. Default: none.
  virtual std::vector<std::string> EmbeddingLayers() const { return {}; }
  // The activations [N, width] of `layer` for `inputs` (the forward pass
  // stops there); "" is Forward(inputs). REQUIRES: layer is "" or one of
  // EmbeddingLayers() (aborts naming it otherwise).
  virtual Variable ForwardTo(const Variable& inputs, const std::string& layer);

  // Called by the trainer before the forward pass of training step `step`.
  // Encoders that draw random numbers in training (dropout) derive their
  // stream from (seed, step) here, so a run resumed from a checkpoint draws
  // exactly what an uninterrupted run would. Default: nothing.
  virtual void BeginStep(int64_t step) { (void)step; }
};

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_CORE_ENCODER_H_
