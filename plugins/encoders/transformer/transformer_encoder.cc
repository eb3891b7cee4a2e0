// Encoder "transformer"; see transformer_encoder.h.
#include "plugins/encoders/transformer/transformer_encoder.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framework/base/check.h"
#include "framework/nn/init.h"
#include "framework/nn/module.h"
#include "framework/ops/activation.h"
#include "framework/ops/attention.h"
#include "framework/ops/distance.h"
#include "framework/ops/dropout.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/embedding.h"
#include "framework/ops/linear.h"
#include "framework/ops/norm.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "framework/tensor/rng.h"

namespace siamese {
namespace encoders {
namespace {

// Rng(seed).Fork(tag) streams; blocks fork again by layer, then by part.
constexpr uint64_t kDropoutTag = 1;
constexpr uint64_t kEmbedTag = 10;
constexpr uint64_t kPosTag = 11;
constexpr uint64_t kClsTag = 12;
constexpr uint64_t kProjTag = 13;
constexpr uint64_t kBlockTag = 100;
constexpr uint64_t kOutTag = 300;
constexpr float kMaskedScore = -1e9f;
constexpr float kEmbeddingStd = 0.02f;

enum class InputKind { kTokens, kPatches, kFrames };

// The validated configuration.
struct Spec {
  InputKind input = InputKind::kTokens;
  int64_t vocab_size = 0;
  int64_t patch_size = 0;   // patches
  int64_t frame_size = 0;   // frames
  int64_t seq_len = 0;      // T: positions from the input adapter
  int64_t feature_dim = 0;  // patches/frames: values per position before proj
  int64_t d_model = 0, num_heads = 0, num_layers = 0, ffn_dim = 0;
  float dropout = 0.0f;
  bool learned_positions = true;
  int64_t max_length = 0;  // rows of "pos" (learned)
  bool cls = false;
  bool l2_normalize = true;
};

Tensor NormalTensor(const Shape& shape, float stddev, Rng rng) {
  Tensor t = Tensor::Empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = stddev * rng.Normal();
  return t;
}

// weight [out, in] and bias [out], PyTorch's nn.Linear init.
class LinearParams : public Module {
 public:
  LinearParams(int64_t out, int64_t in, Rng rng, bool has_bias = true) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(in));
    weight =
        RegisterParameter("weight", KaimingUniform({out, in}, in, &rng, std::sqrt(1.0f / 3.0f)));
    if (has_bias) bias = RegisterParameter("bias", Uniform({out}, -bound, bound, &rng));
  }
  Variable Apply(const Variable& x) const { return Linear(x, weight, bias); }
  Variable weight, bias;  // bias undefined without one
};

class LayerNormParams : public Module {
 public:
  explicit LayerNormParams(int64_t d) {
    gamma = RegisterParameter("gamma", Tensor::Full({d}, 1.0f));
    beta = RegisterParameter("beta", Tensor::Zeros({d}));
  }
  Variable Apply(const Variable& x) const { return LayerNorm(x, gamma, beta); }
  Variable gamma, beta;
};

class EmbeddingParams : public Module {
 public:
  EmbeddingParams(int64_t vocab, int64_t d, Rng rng) {
    weight = RegisterParameter("weight", NormalTensor({vocab, d}, kEmbeddingStd, rng));
  }
  Variable weight;
};

class AttentionParams : public Module {
 public:
  AttentionParams(int64_t d, const Rng& rng) {
    q = RegisterModule("q", std::make_unique<LinearParams>(d, d, rng.Fork(0)));
    // No key bias: it adds q . b_k to every score of a query, which the
    // softmax cancels, so its gradient is exactly zero (Whisper omits it too).
    k = RegisterModule("k", std::make_unique<LinearParams>(d, d, rng.Fork(1), false));
    v = RegisterModule("v", std::make_unique<LinearParams>(d, d, rng.Fork(2)));
    out = RegisterModule("out", std::make_unique<LinearParams>(d, d, rng.Fork(3)));
  }
  LinearParams *q, *k, *v, *out;
};

class FfnParams : public Module {
 public:
  FfnParams(int64_t d, int64_t f, const Rng& rng) {
    fc1 = RegisterModule("fc1", std::make_unique<LinearParams>(f, d, rng.Fork(4)));
    fc2 = RegisterModule("fc2", std::make_unique<LinearParams>(d, f, rng.Fork(5)));
  }
  LinearParams *fc1, *fc2;
};

class Block : public Module {
 public:
  Block(const Spec& s, const Rng& rng) {
    ln1 = RegisterModule("ln1", std::make_unique<LayerNormParams>(s.d_model));
    attn = RegisterModule("attn", std::make_unique<AttentionParams>(s.d_model, rng));
    ln2 = RegisterModule("ln2", std::make_unique<LayerNormParams>(s.d_model));
    ffn = RegisterModule("ffn", std::make_unique<FfnParams>(s.d_model, s.ffn_dim, rng));
  }
  LayerNormParams* ln1;
  AttentionParams* attn;
  LayerNormParams* ln2;
  FfnParams* ffn;
};

class TransformerEncoder : public Encoder {
 public:
  TransformerEncoder(const Spec& spec, const Shape& input_shape, int64_t embedding_dim,
                     uint64_t seed)
      : spec_(spec),
        input_shape_(input_shape),
        embedding_dim_(embedding_dim),
        seed_(seed),
        dropout_rng_(Rng(seed).Fork(kDropoutTag)) {
    const Rng root(seed);
    const int64_t d = spec.d_model;
    if (spec.input == InputKind::kTokens) {
      embed_ = RegisterModule(
          "embed", std::make_unique<EmbeddingParams>(spec.vocab_size, d, root.Fork(kEmbedTag)));
    } else {
      proj_ = RegisterModule(
          "proj", std::make_unique<LinearParams>(d, spec.feature_dim, root.Fork(kProjTag)));
    }
    if (spec.learned_positions) {
      pos_ = RegisterParameter(
          "pos", NormalTensor({spec.max_length, d}, kEmbeddingStd, root.Fork(kPosTag)));
    } else {
      sinusoid_ = Variable(SinusoidalPositions(spec.seq_len, d));
    }
    if (spec.cls) {
      cls_ = RegisterParameter("cls", NormalTensor({d}, kEmbeddingStd, root.Fork(kClsTag)));
    }
    for (int64_t i = 0; i < spec.num_layers; ++i) {
      blocks_.push_back(RegisterModule(
          absl::StrCat("block", i),
          std::make_unique<Block>(spec, root.Fork(kBlockTag).Fork(static_cast<uint64_t>(i)))));
    }
    ln_f_ = RegisterModule("ln_f", std::make_unique<LayerNormParams>(d));
    out_ =
        RegisterModule("out", std::make_unique<LinearParams>(embedding_dim, d, root.Fork(kOutTag)));
  }

  Variable Forward(const Variable& inputs) override { return ForwardTo(inputs, ""); }

  // "pooled": the pooled, final-layer-normalized token vectors [N, d_model],
  // below the output projection.
  std::vector<std::string> EmbeddingLayers() const override { return {"pooled"}; }

  Variable ForwardTo(const Variable& inputs, const std::string& layer) override {
    SIAMESE_CHECK(layer.empty() || layer == "pooled")
        << "transformer encoder: no embedding layer \"" << layer << "\"";
    Shape example(inputs.shape().begin() + (inputs.rank() > 0 ? 1 : 0), inputs.shape().end());
    SIAMESE_CHECK(inputs.rank() >= 1 && example == input_shape_)
        << "transformer encoder: input " << inputs.value().ShapeString()
        << " is not a batch of examples of shape " << ShapeToString(input_shape_);
    const int64_t b = inputs.dim(0), t = spec_.seq_len, d = spec_.d_model;
    const int64_t s = t + (spec_.cls ? 1 : 0);

    // Token vectors [B, T, d]; for tokens also the padding mask and the
    // pooling weights.
    Variable h;
    Tensor mask, keep, inv_count;  // [B, S, 1] 1 at non-padding positions; [B, 1] 1 / count
    if (spec_.input == InputKind::kTokens) {
      const std::vector<int64_t> ids = TokenIds(inputs.value());
      h = Embedding(embed_->weight, ids, {b, t});
      PaddingTensors(ids, b, &mask, &keep, &inv_count);
    } else {
      h = Reshape(proj_->Apply(Windows(inputs)), {b, t, d});
    }
    h = Add(h, spec_.learned_positions ? Slice(pos_, 0, 0, t) : sinusoid_);
    if (spec_.cls) h = Concat({BroadcastTo(Reshape(cls_, {1, 1, d}), {b, 1, d}), h}, 1);

    h = Reshape(h, {b * s, d});
    const bool training = is_training();
    for (Block* block : blocks_) {
      h = Add(h, Attention(block->ln1->Apply(h), *block->attn, b, mask));
      const FfnParams& f = *block->ffn;
      Variable y = f.fc2->Apply(Gelu(f.fc1->Apply(block->ln2->Apply(h))));
      h = Add(h, Dropout(y, spec_.dropout, training, &dropout_rng_));
    }
    h = Reshape(ln_f_->Apply(h), {b, s, d});

    Variable pooled;
    if (spec_.cls) {
      pooled = Reshape(Slice(h, 1, 0, 1), {b, d});
    } else if (spec_.input == InputKind::kTokens) {
      pooled = Mul(Sum(Mul(h, Variable(keep)), {1}), Variable(inv_count));
    } else {
      pooled = Mean(h, {1});
    }
    if (layer == "pooled") return pooled;
    Variable e = out_->Apply(pooled);
    return spec_.l2_normalize ? L2Normalize(e) : e;
  }

  int64_t embedding_dim() const override { return embedding_dim_; }

  // Dropout masks of step s come from Rng(seed).Fork(1).Fork(s).
  void BeginStep(int64_t step) override {
    dropout_rng_ = Rng(seed_).Fork(kDropoutTag).Fork(static_cast<uint64_t>(step));
  }

 private:
  // The ids of a [B, T] batch of float token ids, row-major.
  std::vector<int64_t> TokenIds(const Tensor& x_in) const {
    const Tensor x = x_in.ToPlain();
    std::vector<int64_t> ids(x.numel());
    for (int64_t k = 0; k < x.numel(); ++k) {
      const float f = x.data()[k];
      const bool ok = f >= 0.0f && f < static_cast<float>(spec_.vocab_size) && f == std::floor(f);
      SIAMESE_CHECK(ok) << "transformer encoder: token " << f << " at [" << k / spec_.seq_len
                        << ", " << k % spec_.seq_len << "] of input " << x.ShapeString()
                        << " is not an integer id in [0, vocab_size = " << spec_.vocab_size << ")";
      ids[k] = static_cast<int64_t>(f);
    }
    return ids;
  }

  // From the ids (0 = padding): the additive key mask [B, S] (left
  // undefined when nothing is padded), the pooling weights keep [B, S, 1]
  // and 1 / max(count, 1) per sequence [B, 1]. The CLS position is never
  // padding.
  void PaddingTensors(const std::vector<int64_t>& ids, int64_t b, Tensor* mask, Tensor* keep,
                      Tensor* inv_count) const {
    const int64_t t = spec_.seq_len, off = spec_.cls ? 1 : 0, s = t + off;
    Tensor m = Tensor::Zeros({b, s});
    *keep = Tensor::Full({b, s, 1}, 1.0f);
    *inv_count = Tensor::Empty({b, 1});
    bool any_padding = false;
    for (int64_t i = 0; i < b; ++i) {
      int64_t count = off;
      for (int64_t j = 0; j < t; ++j) {
        if (ids[i * t + j] == 0) {
          m.data()[i * s + off + j] = kMaskedScore;
          keep->data()[i * s + off + j] = 0.0f;
          any_padding = true;
        } else {
          ++count;
        }
      }
      inv_count->data()[i] = 1.0f / static_cast<float>(std::max<int64_t>(count, 1));
    }
    if (any_padding) *mask = m;
  }

  // patches: [B, C, H, W] -> [B*T, C*p*p]; frames: [B, C, L] -> [B*T, C*f].
  // Within a window the values are channel-major, as in the weight of a
  // convolution with kernel = stride = the window.
  Variable Windows(const Variable& x) const {
    const int64_t b = x.dim(0), c = input_shape_[0];
    if (spec_.input == InputKind::kFrames) {
      const int64_t f = spec_.frame_size;
      Variable w = Permute(Reshape(x, {b, c, spec_.seq_len, f}), {0, 2, 1, 3});
      return Reshape(w, {b * spec_.seq_len, c * f});
    }
    const int64_t p = spec_.patch_size, hp = input_shape_[1] / p, wp = input_shape_[2] / p;
    // (b, c, hp, i, wp, j) -> (b, c, hp, wp, i, j) -> (b, hp*wp, c, i*j), in
    // two rank-4 permutes (tensors have rank <= 5).
    Variable w = Permute(Reshape(x, {b * c * hp, p, wp, p}), {0, 2, 1, 3});
    w = Permute(Reshape(w, {b, c, hp * wp, p * p}), {0, 2, 1, 3});
    return Reshape(w, {b * hp * wp, c * p * p});
  }

  // Q, K and V as one Linear (their weights and biases stacked, the absent
  // key bias as zeros) into MultiHeadAttention: one wider matrix product
  // instead of three, and one input gradient instead of three summed.
  Variable Attention(const Variable& x, const AttentionParams& p, int64_t b, const Tensor& mask) {
    const Variable weight = Concat({p.q->weight, p.k->weight, p.v->weight}, 0);
    const Variable bias = Concat({p.q->bias, zero_key_bias_, p.v->bias}, 0);
    AttentionOptions options;
    options.batch = b;
    options.heads = spec_.num_heads;
    options.key_mask = mask;
    options.dropout = spec_.dropout;
    options.training = is_training();
    options.rng = &dropout_rng_;
    return p.out->Apply(MultiHeadAttention(Linear(x, weight, bias), options));
  }

  const Spec spec_;
  const Shape input_shape_;
  const int64_t embedding_dim_;
  const uint64_t seed_;
  Rng dropout_rng_;
  EmbeddingParams* embed_ = nullptr;
  LinearParams* proj_ = nullptr;
  Variable pos_, cls_, sinusoid_;
  const Variable zero_key_bias_ = Variable(Tensor::Zeros({spec_.d_model}));
  std::vector<Block*> blocks_;
  LayerNormParams* ln_f_ = nullptr;
  LinearParams* out_ = nullptr;
};

absl::Status MustBePositive(const char* field, int64_t value) {
  if (value >= 1) return absl::OkStatus();
  return FieldError(field, absl::StrCat("must be >= 1, got ", value));
}

// Fills the adapter part of `spec` (seq_len, feature_dim, sizes) from the
// example shape.
absl::Status ResolveInput(const TransformerEncoderParams& p, const Shape& in, Spec* spec) {
  const std::string shape = ShapeToString(in);
  bool dims_ok = true;
  for (int64_t dim : in) dims_ok = dims_ok && dim >= 1;
  if (p.input() == "tokens") {
    spec->input = InputKind::kTokens;
    if (in.size() != 1 || !dims_ok) {
      return FieldError("input", absl::StrCat("\"tokens\" needs examples [L] (L >= 1 token ids), ",
                                              "got input shape ", shape));
    }
    if (p.vocab_size() < 2) {
      return FieldError("vocab_size",
                        absl::StrCat("must be >= 2 (id 0 is padding), got ", p.vocab_size()));
    }
    spec->vocab_size = p.vocab_size();
    spec->seq_len = in[0];
    return absl::OkStatus();
  }
  if (p.input() == "patches") {
    spec->input = InputKind::kPatches;
    if (in.size() != 3 || !dims_ok) {
      return FieldError("input", absl::StrCat("\"patches\" needs examples [C, H, W], got input ",
                                              "shape ", shape));
    }
    if (auto st = MustBePositive("patch_size", p.patch_size()); !st.ok()) return st;
    const int64_t ps = p.patch_size();
    if (in[1] % ps != 0 || in[2] % ps != 0) {
      return FieldError("patch_size",
                        absl::StrCat("patch_size ", ps, " does not divide H and W of input shape ",
                                     shape, " (patches do not overlap and cover the image)"));
    }
    spec->patch_size = ps;
    spec->seq_len = (in[1] / ps) * (in[2] / ps);
    spec->feature_dim = in[0] * ps * ps;
    return absl::OkStatus();
  }
  if (p.input() == "frames") {
    spec->input = InputKind::kFrames;
    if (in.size() != 2 || !dims_ok) {
      return FieldError("input",
                        absl::StrCat("\"frames\" needs examples [C, L], got input shape ", shape));
    }
    if (auto st = MustBePositive("frame_size", p.frame_size()); !st.ok()) return st;
    const int64_t fs = p.frame_size();
    if (in[1] % fs != 0) {
      return FieldError("frame_size", absl::StrCat("frame_size ", fs, " does not divide L = ",
                                                   in[1], " of input shape ", shape));
    }
    spec->frame_size = fs;
    spec->seq_len = in[1] / fs;
    spec->feature_dim = in[0] * fs;
    return absl::OkStatus();
  }
  return FieldError("input", absl::StrCat("must be \"tokens\", \"patches\" or \"frames\", got \"",
                                          p.input(), "\""));
}

}  // namespace

Tensor SinusoidalPositions(int64_t length, int64_t d_model) {
  SIAMESE_CHECK(length >= 0 && d_model >= 1)
      << "sinusoidal_positions: length " << length << ", d_model " << d_model;
  Tensor pe = Tensor::Empty({length, d_model});
  for (int64_t pos = 0; pos < length; ++pos) {
    for (int64_t j = 0; j < d_model; ++j) {
      const double angle =
          static_cast<double>(pos) /
          std::pow(10000.0, static_cast<double>(2 * (j / 2)) / static_cast<double>(d_model));
      pe.data()[pos * d_model + j] =
          static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  }
  return pe;
}

absl::StatusOr<std::unique_ptr<Encoder>> CreateTransformerEncoder(const TransformerEncoderParams& p,
                                                                  const PluginContext& context) {
  if (context.embedding_dim < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "transformer encoder: embedding_dim must be >= 1, got ", context.embedding_dim));
  }
  Spec spec;
  if (auto st = ResolveInput(p, context.input_shape, &spec); !st.ok()) return st;
  for (const auto& [field, value] : {std::pair<const char*, int64_t>{"d_model", p.d_model()},
                                     {"num_heads", p.num_heads()},
                                     {"num_layers", p.num_layers()},
                                     {"ffn_dim", p.ffn_dim()}}) {
    if (auto st = MustBePositive(field, value); !st.ok()) return st;
  }
  if (p.d_model() % p.num_heads() != 0) {
    return FieldError("num_heads", absl::StrCat("d_model ", p.d_model(),
                                                " is not divisible by num_heads ", p.num_heads()));
  }
  if (!(p.dropout() >= 0.0f && p.dropout() < 1.0f)) {
    return FieldError("dropout", absl::StrCat("must be in [0, 1), got ", p.dropout()));
  }
  if (p.positional() != "learned" && p.positional() != "sinusoidal") {
    return FieldError("positional", absl::StrCat("must be \"learned\" or \"sinusoidal\", got \"",
                                                 p.positional(), "\""));
  }
  if (p.max_length() < 0) {
    return FieldError("max_length",
                      absl::StrCat("must be >= 0 (0: the sequence length), got ", p.max_length()));
  }
  if (p.positional() == "learned" && p.max_length() > 0 && p.max_length() < spec.seq_len) {
    return FieldError(
        "max_length",
        absl::StrCat("max_length ", p.max_length(), " is shorter than the ", spec.seq_len,
                     " positions of input shape ", ShapeToString(context.input_shape)));
  }
  if (p.pooling() != "mean" && p.pooling() != "cls") {
    return FieldError("pooling",
                      absl::StrCat("must be \"mean\" or \"cls\", got \"", p.pooling(), "\""));
  }
  spec.d_model = p.d_model();
  spec.num_heads = p.num_heads();
  spec.num_layers = p.num_layers();
  spec.ffn_dim = p.ffn_dim();
  spec.dropout = p.dropout();
  spec.learned_positions = p.positional() == "learned";
  spec.max_length = p.max_length() > 0 ? p.max_length() : spec.seq_len;
  spec.cls = p.pooling() == "cls";
  spec.l2_normalize = p.l2_normalize();
  return std::unique_ptr<Encoder>(
      new TransformerEncoder(spec, context.input_shape, context.embedding_dim, context.seed));
}

SIAMESE_REGISTER_PLUGIN(
    Encoder, "transformer", siamese::transformer, TransformerEncoderParams,
    "pre-LN transformer over token ids [L], image patches [C, H, W] or frames [C, L]; "
    "mean or CLS pooling, L2-normalized output",
    &CreateTransformerEncoder);

}  // namespace encoders
}  // namespace siamese
