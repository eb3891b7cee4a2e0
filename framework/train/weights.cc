#include "framework/train/weights.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "framework/io/npz.h"
#include "framework/io/safetensors.h"

namespace siamese {
namespace {

void Add(const std::string& name, const Tensor& t, TensorArchive* out) {
  const Tensor plain = t.ToPlain();
  ArchiveTensor a;
  a.name = name;
  a.shape.assign(t.shape().begin(), t.shape().end());
  a.data.assign(plain.data(), plain.data() + plain.numel());
  out->tensors.push_back(std::move(a));
}

void Add(const TensorProto& p, TensorArchive* out) {
  ArchiveTensor a;
  a.name = p.name();
  a.shape.assign(p.shape().begin(), p.shape().end());
  a.data.assign(p.values().begin(), p.values().end());
  out->tensors.push_back(std::move(a));
}

absl::Status UnknownFormat(const std::string& path) {
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": unknown weight file format: the name must end in .safetensors or .npz"));
}

}  // namespace

TensorArchive ModuleWeights(const Module& module) {
  TensorArchive out;
  for (const auto& [name, v] : module.NamedParameters()) Add(name, v.value(), &out);
  for (const auto& [name, t] : module.NamedBuffers()) Add(name, *t, &out);
  return out;
}

TensorArchive CheckpointWeights(const Checkpoint& checkpoint) {
  TensorArchive out;
  for (const TensorProto& p : checkpoint.parameters()) Add(p, &out);
  for (const TensorProto& p : checkpoint.buffers()) Add(p, &out);
  return out;
}

absl::StatusOr<TensorArchive> ReadWeights(const std::string& path) {
  if (absl::EndsWith(path, ".safetensors")) return ReadSafetensors(path);
  if (absl::EndsWith(path, ".npz")) return ReadNpz(path);
  return UnknownFormat(path);
}

absl::Status WriteWeights(const std::string& path, const TensorArchive& weights) {
  if (absl::EndsWith(path, ".safetensors")) return WriteSafetensors(path, weights);
  if (absl::EndsWith(path, ".npz")) return WriteNpz(path, weights);
  return UnknownFormat(path);
}

}  // namespace siamese
