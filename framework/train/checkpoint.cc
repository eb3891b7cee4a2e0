#include "framework/train/checkpoint.h"

#include <cmath>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "framework/io/atomic_file.h"
#include "framework/io/checksum.h"

namespace siamese {
namespace {

constexpr char kMagic[8] = {'S', 'I', 'A', 'M', 'C', 'K', 'P', 'T'};
constexpr size_t kHeader = 8 + 4 + 8;

}  // namespace

absl::Status WriteCheckpoint(const std::string& path, const Checkpoint& checkpoint) {
  std::string payload;
  if (!checkpoint.SerializeToString(&payload)) {
    return absl::InternalError(absl::StrCat(path, ": cannot serialize checkpoint"));
  }
  std::string header(kHeader, '\0');
  const uint32_t crc = Crc32(payload.data(), payload.size());
  const uint64_t size = payload.size();
  std::memcpy(&header[0], kMagic, 8);
  std::memcpy(&header[8], &crc, 4);  // x86-64: little-endian
  std::memcpy(&header[12], &size, 8);
  return WriteFileAtomically(path, header + payload);
}

absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path) {
  absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok()) return data.status();
  if (data->size() < kHeader || std::memcmp(data->data(), kMagic, 8) != 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a siamese checkpoint (bad header at byte offset 0)"));
  }
  uint32_t crc;
  uint64_t size;
  std::memcpy(&crc, data->data() + 8, 4);
  std::memcpy(&size, data->data() + 12, 8);
  if (data->size() - kHeader != size) {
    return absl::DataLossError(absl::StrCat(path, ": truncated at byte offset ", data->size(),
                                            ": expected ", kHeader + size, " bytes"));
  }
  if (Crc32(data->data() + kHeader, size) != crc) {
    return absl::DataLossError(
        absl::StrCat(path, ": checksum mismatch in bytes ", kHeader, "..", kHeader + size));
  }
  Checkpoint c;
  if (!c.ParseFromArray(data->data() + kHeader, static_cast<int>(size))) {
    return absl::DataLossError(absl::StrCat(path, ": cannot parse checkpoint payload"));
  }
  return c;
}

void AddTensor(const std::string& name, const Tensor& t,
               google::protobuf::RepeatedPtrField<TensorProto>* out) {
  TensorProto* p = out->Add();
  p->set_name(name);
  for (int64_t d : t.shape()) p->add_shape(d);
  Tensor plain = t.ToPlain();
  p->mutable_values()->Add(plain.data(), plain.data() + plain.numel());
}

absl::Status CheckTensorProto(const TensorProto& p, const std::string& path,
                              const std::string& what) {
  int64_t count = 1;
  bool ok = p.shape_size() <= 5;
  for (int64_t d : p.shape()) {
    ok = ok && d >= 0 && (d == 0 || count <= (int64_t{1} << 40) / d);
    if (ok) count *= d;
  }
  if (!ok || count != p.values_size()) {
    return absl::DataLossError(absl::StrCat(path, ": ", what, " tensor \"", p.name(),
                                            "\" is malformed (shape of rank ", p.shape_size(), ", ",
                                            p.values_size(), " values)"));
  }
  return absl::OkStatus();
}

Tensor ToTensor(const TensorProto& p) {
  Shape shape(p.shape().begin(), p.shape().end());
  return Tensor::FromVector(shape, std::vector<float>(p.values().begin(), p.values().end()));
}

void SaveModule(const Module& module, google::protobuf::RepeatedPtrField<TensorProto>* parameters,
                google::protobuf::RepeatedPtrField<TensorProto>* buffers) {
  for (const auto& [name, v] : module.NamedParameters()) AddTensor(name, v.value(), parameters);
  for (const auto& [name, t] : module.NamedBuffers()) AddTensor(name, *t, buffers);
}

absl::Status LoadModule(const google::protobuf::RepeatedPtrField<TensorProto>& parameters,
                        const google::protobuf::RepeatedPtrField<TensorProto>& buffers,
                        const std::string& path, const std::string& what, Module* module,
                        bool allow_missing) {
  std::map<std::string, const TensorProto*> by_name;
  for (const TensorProto& p : parameters) by_name[p.name()] = &p;
  for (const TensorProto& p : buffers) by_name[p.name()] = &p;
  auto load = [&](const std::string& name, Tensor* dst) -> absl::Status {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      if (allow_missing) return absl::OkStatus();
      return absl::NotFoundError(
          absl::StrCat(path, ": no ", what, " tensor \"", name, "\" in checkpoint"));
    }
    if (absl::Status s = CheckTensorProto(*it->second, path, what); !s.ok()) return s;
    for (int i = 0; i < it->second->values_size(); ++i) {
      if (!std::isfinite(it->second->values(i))) {
        return absl::DataLossError(absl::StrCat(path, ": ", what, " tensor \"", name, "\" holds ",
                                                it->second->values(i), " at element ", i,
                                                "; a checkpoint never holds non-finite weights"));
      }
    }
    Tensor t = ToTensor(*it->second);
    if (t.shape() != dst->shape()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", what, " tensor \"", name,
                                                     "\" has shape ", t.ShapeString(),
                                                     ", the model expects ", dst->ShapeString()));
    }
    *dst = t.ToLayout(dst->desc());
    return absl::OkStatus();
  };
  for (auto& [name, v] : module->NamedParameters()) {
    Variable var = v;
    if (absl::Status s = load(name, &var.mutable_value()); !s.ok()) return s;
  }
  for (auto& [name, t] : module->NamedBuffers()) {
    if (absl::Status s = load(name, t); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace siamese
