#include "framework/io/safetensors.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "framework/io/atomic_file.h"
#include "framework/io/tensor_archive.h"
#include "nlohmann/json.hpp"

namespace siamese {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors I/O reads and writes host-order data as little-endian");

constexpr char kMetadataKey[] = "__metadata__";
constexpr size_t kLengthBytes = 8;
// The reference implementation refuses larger headers; so do we, before
// allocating for one.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

// Bytes per element of a safetensors dtype; 0 for an unknown one.
size_t DtypeSize(const std::string& dtype) {
  static const std::pair<const char*, size_t> kSizes[] = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4}, {"I16", 2},
      {"I8", 1},  {"U64", 8}, {"U32", 4}, {"U16", 2},  {"U8", 1},  {"BOOL", 1}};
  for (const auto& [name, size] : kSizes) {
    if (dtype == name) return size;
  }
  return 0;
}

// IEEE 754 binary16 to float32 (exact: every half is a float).
float HalfToFloat(uint16_t h) {
  const uint32_t sign = uint32_t{h & 0x8000u} << 16;
  uint32_t exponent = (h >> 10) & 0x1F;
  uint32_t mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0x1F) {  // inf / NaN
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) {  // normal
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {  // zero
    bits = sign;
  } else {  // subnormal: normalize
    exponent = 113;
    while ((mantissa & 0x400) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// Converts `n` elements of a float dtype at `src` to float32.
void ConvertToFloat(const std::string& dtype, const char* src, size_t n, float* dst) {
  if (dtype == "F32") {
    std::memcpy(dst, src, n * sizeof(float));
  } else if (dtype == "F64") {
    for (size_t i = 0; i < n; ++i) {
      double d;
      std::memcpy(&d, src + 8 * i, 8);
      dst[i] = static_cast<float>(d);
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, src + 2 * i, 2);
      if (dtype == "F16") {
        dst[i] = HalfToFloat(h);
      } else {  // BF16: the upper half of a float32
        const uint32_t bits = uint32_t{h} << 16;
        std::memcpy(&dst[i], &bits, 4);
      }
    }
  }
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}


// One tensor's header entry, validated against the header alone.
struct Entry {
  ArchiveTensor tensor;
  uint64_t begin = 0, end = 0;  // relative to the data section
};

absl::StatusOr<Entry> ParseEntry(const std::string& path, const std::string& name,
                                 const nlohmann::json& v) {
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": safetensors header: tensor \"", name, "\": ", what));
  };
  if (!v.is_object()) return bad("expected an object {dtype, shape, data_offsets}");
  Entry e;
  e.tensor.name = name;
  auto dtype = v.find("dtype");
  if (dtype == v.end() || !dtype->is_string()) return bad("\"dtype\" must be a string");
  e.tensor.dtype = dtype->get<std::string>();
  if (DtypeSize(e.tensor.dtype) == 0) {
    return bad(absl::StrCat("unsupported dtype \"", e.tensor.dtype,
                            "\" (expected F32, F16, BF16, F64, an integer type or BOOL)"));
  }
  auto shape = v.find("shape");
  if (shape == v.end() || !shape->is_array()) return bad("\"shape\" must be an array");
  for (const nlohmann::json& d : *shape) {
    if (!d.is_number_unsigned()) {
      return bad(absl::StrCat("\"shape\" ", shape->dump(), " must hold non-negative integers"));
    }
    const uint64_t dim = d.get<uint64_t>();
    e.tensor.shape.push_back(static_cast<int64_t>(
        dim > uint64_t{kMaxFileElements} ? kMaxFileElements + 1 : dim));
  }
  auto offsets = v.find("data_offsets");
  if (offsets == v.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
    return bad("\"data_offsets\" must be two non-negative integers [begin, end]");
  }
  e.begin = (*offsets)[0].get<uint64_t>();
  e.end = (*offsets)[1].get<uint64_t>();
  if (e.begin > e.end) {
    return bad(absl::StrCat("\"data_offsets\" [", e.begin, ", ", e.end, "] has begin > end"));
  }
  return e;
}

}  // namespace

absl::Status WriteSafetensors(const std::string& path, const TensorArchive& archive) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!archive.metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : archive.metadata) meta[k] = v;
    header[kMetadataKey] = meta;
  }
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const ArchiveTensor& t : archive.tensors) {
    auto bad = [&](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot write tensor \"", t.name, "\": ", what));
    };
    if (t.name.empty() || t.name == kMetadataKey) return bad("reserved or empty name");
    if (!seen.insert(t.name).second) return bad("duplicate name");
    const int64_t n = FileShapeElements(t.shape);
    if (n < 0) return bad(absl::StrCat("bad shape ", ShapeString(t.shape)));
    if (static_cast<size_t>(n) != t.data.size()) {
      return bad(absl::StrCat("shape ", ShapeString(t.shape), " holds ", n, " values, data has ",
                              t.data.size()));
    }
    const uint64_t bytes = t.data.size() * sizeof(float);
    header[t.name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string length(kLengthBytes, '\0');
  for (size_t i = 0; i < kLengthBytes; ++i) {
    length[i] = static_cast<char>((uint64_t{json.size()} >> (8 * i)) & 0xFF);
  }
  std::vector<absl::string_view> pieces = {length, json};
  for (const ArchiveTensor& t : archive.tensors) {
    pieces.emplace_back(reinterpret_cast<const char*>(t.data.data()),
                        t.data.size() * sizeof(float));
  }
  return WriteFileAtomically(path, absl::MakeConstSpan(pieces));
}

absl::StatusOr<TensorArchive> ReadSafetensors(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  return ParseSafetensors(*bytes, path);
}

absl::StatusOr<TensorArchive> ParseSafetensors(absl::string_view bytes, const std::string& path) {
  if (bytes.size() < kLengthBytes) {
    return absl::DataLossError(absl::StrCat(path, ": truncated at byte offset ", bytes.size(),
                                            ": expected the 8-byte safetensors header length"));
  }
  uint64_t header_length = 0;
  for (size_t i = 0; i < kLengthBytes; ++i) {
    header_length |= uint64_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
  }
  if (header_length > bytes.size() - kLengthBytes) {
    return absl::DataLossError(absl::StrCat(path, ": safetensors header length ", header_length,
                                            " (at byte offset 0) runs past the end of the file (",
                                            bytes.size(), " bytes)"));
  }
  if (header_length > kMaxHeaderBytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": safetensors header length ",
                                                   header_length, " exceeds the limit of ",
                                                   kMaxHeaderBytes, " bytes"));
  }
  const absl::string_view text = bytes.substr(kLengthBytes, header_length);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": bad JSON in the safetensors header at byte offset ",
                     kLengthBytes + (e.byte > 0 ? e.byte - 1 : 0), ": ", e.what()));
  }
  if (!header.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": safetensors header (byte offset 8) is not a JSON object"));
  }
  TensorArchive archive;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == kMetadataKey) {
      if (!value.is_object()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": safetensors header: \"__metadata__\" must be an object"));
      }
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) {
          return absl::InvalidArgumentError(absl::StrCat(
              path, ": safetensors header: \"__metadata__\" value of \"", k, "\" is not a string"));
        }
        archive.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    absl::StatusOr<Entry> e = ParseEntry(path, name, value);
    if (!e.ok()) return e.status();
    entries.push_back(*std::move(e));
  }
  // The tensors must tile the data section exactly: sorted by offset, each
  // begins where the previous one ended, and the last ends at the file's end.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const uint64_t data_start = kLengthBytes + header_length;
  const uint64_t data_size = bytes.size() - data_start;
  uint64_t expected = 0;
  std::string previous;
  for (Entry& e : entries) {
    ArchiveTensor& t = e.tensor;
    const std::string where =
        absl::StrCat(path, ": tensor \"", t.name, "\": data_offsets [", e.begin, ", ", e.end,
                     "] (file bytes ", data_start + e.begin, "..", data_start + e.end, ")");
    if (e.end > data_size) {
      return absl::DataLossError(
          absl::StrCat(where, " run past the end of the file (", bytes.size(), " bytes)"));
    }
    if (e.begin < expected) {
      return absl::DataLossError(absl::StrCat(where, " overlap tensor \"", previous,
                                              "\", which ends at file byte ",
                                              data_start + expected));
    }
    if (e.begin > expected) {
      return absl::DataLossError(absl::StrCat(
          where, " leave a gap after ",
          previous.empty() ? std::string("the header") : absl::StrCat("tensor \"", previous, "\""),
          " from file byte ", data_start + expected));
    }
    const int64_t n = FileShapeElements(t.shape);
    const size_t element = DtypeSize(t.dtype);
    if (n < 0 || e.end - e.begin != static_cast<uint64_t>(n) * element) {
      return absl::DataLossError(absl::StrCat(
          where, " hold ", e.end - e.begin, " bytes; shape ", ShapeString(t.shape), " of ", t.dtype,
          " needs ",
          n < 0 ? std::string("more than 2^40 elements") : absl::StrCat(n * element, " bytes")));
    }
    if (t.is_float()) {
      t.data.resize(static_cast<size_t>(n));
      ConvertToFloat(t.dtype, bytes.data() + data_start + e.begin, static_cast<size_t>(n),
                     t.data.data());
    }
    expected = e.end;
    previous = t.name;
  }
  if (expected != data_size) {
    return absl::DataLossError(absl::StrCat(
        path, ": ", data_size - expected, " bytes from file byte ", data_start + expected,
        " to the end belong to no tensor (the data_offsets do not cover the data)"));
  }
  for (Entry& e : entries) archive.tensors.push_back(std::move(e.tensor));
  return archive;
}

}  // namespace siamese
