#include "framework/io/npz.h"

#include <cstdint>
#include <cstring>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "framework/io/atomic_file.h"
#include "framework/io/npy.h"
#include "zlib.h"

namespace siamese {
namespace {

// Zip record signatures and sizes (PKWARE APPNOTE 6.3, sections 4.3.7,
// 4.3.12 and 4.3.16).
constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kEndSignature = 0x06054b50;
constexpr size_t kLocalSize = 30;
constexpr size_t kCentralSize = 46;
constexpr size_t kEndSize = 22;
constexpr uint16_t kStored = 0;
constexpr uint16_t kDeflated = 8;
constexpr uint16_t kZip64ExtraId = 1;
// 1980-01-01 00:00: a fixed timestamp keeps exported files byte-identical.
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;

void Put16(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>((v >> 8) & 0xFF));
}
void Put32(std::string* out, uint32_t v) {
  Put16(out, v & 0xFFFF);
  Put16(out, v >> 16);
}
uint32_t Get16(absl::string_view b, size_t at) {
  return static_cast<uint8_t>(b[at]) | (uint32_t{static_cast<uint8_t>(b[at + 1])} << 8);
}
uint32_t Get32(absl::string_view b, size_t at) { return Get16(b, at) | (Get16(b, at + 2) << 16); }
uint64_t Get64(absl::string_view b, size_t at) {
  return Get32(b, at) | (uint64_t{Get32(b, at + 4)} << 32);
}

uint32_t Crc32(absl::string_view data) {
  return static_cast<uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

// Inflates raw deflate data (no zlib header) of a known size.
bool Inflate(absl::string_view in, size_t out_size, std::string* out) {
  out->assign(out_size, '\0');
  z_stream z;
  std::memset(&z, 0, sizeof(z));
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(out_size);
  const int rc = inflate(&z, Z_FINISH);
  const bool ok = rc == Z_STREAM_END && z.total_out == out_size;
  inflateEnd(&z);
  return ok;
}

}  // namespace

absl::Status WriteNpz(const std::string& path, const TensorArchive& archive) {
  std::string body, central;
  std::set<std::string> seen;
  for (const ArchiveTensor& t : archive.tensors) {
    auto bad = [&](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot write tensor \"", t.name, "\": ", what));
    };
    if (t.name.empty()) return bad("empty name");
    if (!seen.insert(t.name).second) return bad("duplicate name");
    int64_t n = 1;
    for (int64_t d : t.shape) {
      if (d < 0) return bad("negative dimension");
      n *= d;
    }
    if (static_cast<size_t>(n) != t.data.size()) {
      return bad(absl::StrCat("its shape holds ", n, " values, data has ", t.data.size()));
    }
    const std::string name = t.name + ".npy";
    std::string npy = NpyHeader("<f4", t.shape);
    npy.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float));
    if (body.size() + npy.size() + name.size() + kLocalSize > 0xFFFFFFFFu || seen.size() > 0xFFFF ||
        name.size() > 0xFFFF) {
      return bad("the archive exceeds zip's limits (4 GiB, 65535 entries; zip64 is not written)");
    }
    const uint32_t crc = Crc32(npy);
    const uint32_t offset = static_cast<uint32_t>(body.size());
    auto common = [&](std::string* out) {  // version needed .. name length
      Put16(out, 20);                      // version needed: 2.0
      Put16(out, 0);                       // flags
      Put16(out, kStored);
      Put16(out, 0);  // time
      Put16(out, kDosDate);
      Put32(out, crc);
      Put32(out, static_cast<uint32_t>(npy.size()));  // compressed
      Put32(out, static_cast<uint32_t>(npy.size()));  // uncompressed
      Put16(out, static_cast<uint32_t>(name.size()));
      Put16(out, 0);  // extra length
    };
    Put32(&body, kLocalSignature);
    common(&body);
    body += name;
    body += npy;
    Put32(&central, kCentralSignature);
    Put16(&central, 20);  // version made by
    common(&central);
    Put16(&central, 0);  // comment length
    Put16(&central, 0);  // disk
    Put16(&central, 0);  // internal attributes
    Put32(&central, 0);  // external attributes
    Put32(&central, offset);
    central += name;
  }
  if (body.size() + central.size() > 0xFFFFFFFFu) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot write: the archive exceeds zip's 4 GiB limit"));
  }
  std::string end;
  Put32(&end, kEndSignature);
  Put16(&end, 0);  // this disk
  Put16(&end, 0);  // disk of the central directory
  Put16(&end, static_cast<uint32_t>(archive.tensors.size()));
  Put16(&end, static_cast<uint32_t>(archive.tensors.size()));
  Put32(&end, static_cast<uint32_t>(central.size()));
  Put32(&end, static_cast<uint32_t>(body.size()));
  Put16(&end, 0);  // comment length
  const absl::string_view pieces[] = {body, central, end};
  return WriteFileAtomically(path, absl::MakeConstSpan(pieces));
}

absl::StatusOr<TensorArchive> ReadNpz(const std::string& path) {
  absl::StatusOr<std::string> file = ReadFile(path);
  if (!file.ok()) return file.status();
  const absl::string_view b = *file;
  // The end record is the last 22 bytes unless the archive has a comment
  // (at most 65535 bytes): search backwards.
  size_t end = std::string::npos;
  if (b.size() >= kEndSize) {
    const size_t lowest = b.size() > kEndSize + 0xFFFF ? b.size() - kEndSize - 0xFFFF : 0;
    for (size_t at = b.size() - kEndSize + 1; at-- > lowest;) {
      if (Get32(b, at) == kEndSignature) {
        end = at;
        break;
      }
    }
  }
  if (end == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not an .npz (zip) file: no end-of-central-directory record"));
  }
  if (Get16(b, end + 4) != 0 || Get16(b, end + 6) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": multi-disk zip archives are not supported (record at byte offset ", end, ")"));
  }
  const uint32_t count = Get16(b, end + 10);
  const uint64_t central_size = Get32(b, end + 12);
  const uint64_t central_offset = Get32(b, end + 16);
  if (central_offset + central_size > end) {
    return absl::DataLossError(absl::StrCat(path, ": central directory at byte offset ",
                                            central_offset, " (", central_size,
                                            " bytes) runs past the end record at byte offset ", end,
                                            " (a zip64 archive or a truncated file)"));
  }
  TensorArchive archive;
  size_t at = central_offset;
  for (uint32_t i = 0; i < count; ++i) {
    if (at + kCentralSize > end || Get32(b, at) != kCentralSignature) {
      return absl::DataLossError(
          absl::StrCat(path, ": bad central directory entry ", i, " at byte offset ", at));
    }
    const uint32_t flags = Get16(b, at + 8);
    const uint32_t method = Get16(b, at + 10);
    const uint32_t crc = Get32(b, at + 16);
    uint64_t compressed = Get32(b, at + 20);
    uint64_t size = Get32(b, at + 24);
    const size_t name_length = Get16(b, at + 28);
    const size_t extra_length = Get16(b, at + 30);
    const size_t comment_length = Get16(b, at + 32);
    uint64_t local = Get32(b, at + 42);
    if (at + kCentralSize + name_length + extra_length + comment_length > end) {
      return absl::DataLossError(absl::StrCat(path, ": central directory entry ", i,
                                              " at byte offset ", at, " runs past its end"));
    }
    const std::string name(b.substr(at + kCentralSize, name_length));
    // zip64: sizes and offset saturated at 0xFFFFFFFF are in extra field 1,
    // in this order, each present only when saturated.
    const absl::string_view extra = b.substr(at + kCentralSize + name_length, extra_length);
    for (size_t e = 0; e + 4 <= extra.size();) {
      const uint32_t id = Get16(extra, e), length = Get16(extra, e + 2);
      if (id == kZip64ExtraId) {
        size_t f = e + 4;
        for (uint64_t* field : {&size, &compressed, &local}) {
          if (*field == 0xFFFFFFFFu && f + 8 <= e + 4 + length && f + 8 <= extra.size()) {
            *field = Get64(extra, f);
            f += 8;
          }
        }
      }
      e += 4 + length;
    }
    const std::string entry = absl::StrCat(path, ": ", name);
    if (flags & 1) return absl::InvalidArgumentError(absl::StrCat(entry, ": entry is encrypted"));
    if (method != kStored && method != kDeflated) {
      return absl::InvalidArgumentError(absl::StrCat(entry, ": unsupported compression method ",
                                                     method, " (expected 0 stored or 8 deflate)"));
    }
    if (local + kLocalSize > b.size() || Get32(b, local) != kLocalSignature) {
      return absl::DataLossError(
          absl::StrCat(entry, ": no local file header at byte offset ", local));
    }
    const uint64_t data = local + kLocalSize + Get16(b, local + 26) + Get16(b, local + 28);
    if (data + compressed > b.size()) {
      return absl::DataLossError(
          absl::StrCat(entry, ": ", compressed, " bytes of data at byte offset ", data,
                       " run past the end of the file (", b.size(), " bytes)"));
    }
    const absl::string_view raw = b.substr(data, compressed);
    std::string inflated;
    absl::string_view contents = raw;
    if (method == kDeflated) {
      if (!Inflate(raw, size, &inflated)) {
        return absl::DataLossError(absl::StrCat(entry, ": corrupt deflate data at byte offset ",
                                                data, " (expected ", size, " bytes)"));
      }
      contents = inflated;
    } else if (size != compressed) {
      return absl::DataLossError(absl::StrCat(entry, ": stored entry at byte offset ", data,
                                              " has size ", size, " but ", compressed,
                                              " stored bytes"));
    }
    if (Crc32(contents) != crc) {
      return absl::DataLossError(
          absl::StrCat(entry, ": CRC-32 mismatch in the data at byte offset ", data));
    }
    auto array = ParseNpy(contents, entry);
    if (!array.ok()) return array.status();
    ArchiveTensor t;
    t.name = absl::EndsWith(name, ".npy") ? name.substr(0, name.size() - 4) : name;
    t.shape = std::move(array->shape);
    t.data = std::move(array->data);
    archive.tensors.push_back(std::move(t));
    at += kCentralSize + name_length + extra_length + comment_length;
  }
  return archive;
}

}  // namespace siamese
