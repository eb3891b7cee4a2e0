#include "framework/io/idx.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "framework/io/atomic_file.h"

namespace siamese {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 40;

std::string HexBytes(const uint8_t* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += ' ';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

const char* IdxTypeName(uint8_t type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return "not an IDX type";
  }
}

std::string DimsString(absl::Span<const int64_t> dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ", "), "]");
}

// The bytes of a raw or gzip-compressed file, in order. offset() counts the
// bytes delivered, i.e. offsets in the decompressed stream for gzip files.
class ByteSource {
 public:
  static absl::StatusOr<std::unique_ptr<ByteSource>> Open(const std::string& path);
  ~ByteSource() {
    if (gzip_) inflateEnd(&strm_);
    if (fd_ >= 0) ::close(fd_);
  }

  // Reads up to `size` bytes into `out`; fewer only at the end of the
  // stream (see ended_early()). Errors: I/O, corrupt or trailing gzip data.
  absl::StatusOr<size_t> Read(uint8_t* out, size_t size) {
    const absl::StatusOr<size_t> n = gzip_ ? ReadGzip(out, size) : ReadRaw(out, size);
    if (n.ok()) offset_ += static_cast<int64_t>(*n);
    return n;
  }

  int64_t offset() const { return offset_; }

  // "byte offset N", marked as decompressed for gzip files.
  std::string At(int64_t offset) const {
    return absl::StrCat("byte offset ", offset, gzip_ ? " of the decompressed stream" : "");
  }

  // After a short Read(): why the stream ended, "" for a plain end of file.
  std::string EndReason() const {
    if (!gzip_ || !ended_early_) return "";
    return absl::StrCat(
        "the gzip stream ends early: the compressed file is "
        "cut after ",
        file_offset_, " bytes");
  }
  bool ended_early() const { return ended_early_; }

 private:
  explicit ByteSource(std::string path) : path_(std::move(path)) {}

  absl::Status IoError(int err) const {
    return absl::ErrnoToStatus(
        err, absl::StrCat(path_, ": read failed at file byte offset ", file_offset_));
  }

  absl::StatusOr<size_t> ReadRaw(uint8_t* out, size_t size) {
    size_t got = 0;
    while (got < size) {
      const ssize_t n = ::read(fd_, out + got, size - got);
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        return IoError(errno);
      }
      got += static_cast<size_t>(n);
      file_offset_ += n;
    }
    return got;
  }

  // Refills the compressed input buffer; false at end of file.
  absl::StatusOr<bool> FillInput() {
    while (true) {
      const ssize_t n = ::read(fd_, in_, sizeof(in_));
      if (n < 0) {
        if (errno == EINTR) continue;
        return IoError(errno);
      }
      strm_.next_in = in_;
      strm_.avail_in = static_cast<uInt>(n);
      file_offset_ += n;
      return n > 0;
    }
  }

  int64_t CompressedOffset() const { return file_offset_ - strm_.avail_in; }

  absl::StatusOr<size_t> ReadGzip(uint8_t* out, size_t size) {
    size_t got = 0;
    while (got < size) {
      if (strm_.avail_in == 0) {
        absl::StatusOr<bool> more = FillInput();
        if (!more.ok()) return more.status();
        if (!*more) {
          // End of file: clean between members, truncated inside one.
          ended_early_ = !member_done_;
          return got;
        }
      }
      if (member_done_) {
        // Only another gzip member may follow (as `cat a.gz b.gz`).
        if (strm_.next_in[0] != 0x1f || (strm_.avail_in > 1 && strm_.next_in[1] != 0x8b)) {
          return absl::DataLossError(
              absl::StrCat(path_,
                           ": unexpected bytes after the end of the gzip stream at "
                           "compressed byte offset ",
                           CompressedOffset(), " (found ",
                           HexBytes(strm_.next_in, std::min<size_t>(strm_.avail_in, 4)),
                           ", decompressed size ", offset_ + got, ")"));
        }
        inflateReset(&strm_);
        member_done_ = false;
      }
      strm_.next_out = out + got;
      strm_.avail_out = static_cast<uInt>(std::min<size_t>(size - got, UINT_MAX));
      const uInt before = strm_.avail_out;
      const int ret = inflate(&strm_, Z_NO_FLUSH);
      got += before - strm_.avail_out;
      if (ret == Z_STREAM_END) {
        member_done_ = true;
      } else if (ret != Z_OK && !(ret == Z_BUF_ERROR && strm_.avail_in == 0)) {
        return absl::DataLossError(absl::StrCat(
            path_, ": corrupt gzip data near compressed byte offset ", CompressedOffset(), " (",
            At(offset_ + got), "): ", strm_.msg != nullptr ? strm_.msg : zError(ret)));
      }
    }
    return got;
  }

  std::string path_;
  int fd_ = -1;
  bool gzip_ = false;
  z_stream strm_{};
  uint8_t in_[1 << 16];
  bool member_done_ = false;
  bool ended_early_ = false;
  int64_t offset_ = 0;       // Bytes delivered.
  int64_t file_offset_ = 0;  // Bytes read from the file.
};

absl::StatusOr<std::unique_ptr<ByteSource>> ByteSource::Open(const std::string& path) {
  std::unique_ptr<ByteSource> source(new ByteSource(path));
  source->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (source->fd_ < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot open IDX file"));
  }
  struct stat st;
  if (::fstat(source->fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": is a directory, expected an IDX file"));
  }
  uint8_t magic[2];
  const ssize_t n = ::pread(source->fd_, magic, 2, 0);
  if (n < 0) return source->IoError(errno);
  if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    source->gzip_ = true;
    // 16 + MAX_WBITS: expect a gzip wrapper and check its CRC and length.
    if (inflateInit2(&source->strm_, 16 + MAX_WBITS) != Z_OK) {
      source->gzip_ = false;
      return absl::ResourceExhaustedError(absl::StrCat(path, ": cannot initialize zlib"));
    }
  }
  return source;
}

}  // namespace

absl::StatusOr<IdxArray> ReadIdx(const std::string& path) {
  absl::StatusOr<std::unique_ptr<ByteSource>> opened = ByteSource::Open(path);
  if (!opened.ok()) return opened.status();
  ByteSource& in = **opened;
  auto truncated = [&](absl::string_view expected, int64_t start, int64_t want, int64_t got,
                       absl::string_view detail) {
    return absl::DataLossError(absl::StrCat(path, ": truncated at ", in.At(in.offset()),
                                            ": expected ", want, " bytes of ", expected,
                                            " starting at byte offset ", start, ", got ", got,
                                            detail, in.ended_early() ? "; " : "", in.EndReason()));
  };

  // Magic: 00 00 <type> <rank>.
  uint8_t magic[4];
  absl::StatusOr<size_t> n = in.Read(magic, 4);
  if (!n.ok()) return n.status();
  const bool zero_prefix = (*n < 1 || magic[0] == 0) && (*n < 2 || magic[1] == 0);
  if (!zero_prefix) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not an IDX file: bad magic number at ",
                                                   in.At(0),
                                                   ": expected 00 00 08 <rank> or 00 00 0c <rank>, "
                                                   "found ",
                                                   HexBytes(magic, *n)));
  }
  if (*n < 4) {
    return truncated("IDX magic number (00 00 08 <rank>)", 0, 4, *n,
                     *n == 0 ? " (the file is empty)" : "");
  }
  if (magic[2] != kIdxUnsignedByte && magic[2] != kIdxInt32) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: unsupported IDX element type 0x%02x (%s) at %s: only 0x08 "
                        "(unsigned byte) and 0x0c (int32) are supported",
                        path, static_cast<int>(magic[2]), IdxTypeName(magic[2]), in.At(2)));
  }
  const int rank = magic[3];
  if (rank == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": IDX rank 0 at ", in.At(3), ": expected at least one dimension"));
  }

  // Dimension sizes: `rank` big-endian uint32.
  std::vector<uint8_t> header(4 * rank);
  n = in.Read(header.data(), header.size());
  if (!n.ok()) return n.status();
  if (*n < header.size()) {
    return truncated(absl::StrCat("dimension sizes (rank ", rank, ")"), 4, header.size(), *n, "");
  }
  IdxArray array;
  array.type = magic[2];
  const int64_t element_bytes = array.type == kIdxInt32 ? 4 : 1;
  int64_t total = 1;
  for (int i = 0; i < rank; ++i) {
    const uint8_t* b = &header[4 * i];
    const int64_t dim =
        (int64_t{b[0]} << 24) | (int64_t{b[1]} << 16) | (int64_t{b[2]} << 8) | int64_t{b[3]};
    array.dims.push_back(dim);
    total = (dim == 0 || total <= kMaxElements / dim) ? total * dim : kMaxElements + 1;
  }
  if (total > kMaxElements) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": IDX dimensions ", DimsString(array.dims),
                     " declare more than 2^40 elements (corrupt header?)"));
  }

  // Data, read in chunks so a corrupt header cannot force a huge allocation
  // before the data is there.
  const int64_t data_start = in.offset();
  const int64_t total_bytes = total * element_bytes;
  array.data.reserve(static_cast<size_t>(std::min<int64_t>(total_bytes, 1 << 28)));
  while (static_cast<int64_t>(array.data.size()) < total_bytes) {
    const size_t have = array.data.size();
    const size_t chunk =
        static_cast<size_t>(std::min<int64_t>(total_bytes - static_cast<int64_t>(have), 1 << 20));
    array.data.resize(have + chunk);
    n = in.Read(array.data.data() + have, chunk);
    if (!n.ok()) return n.status();
    array.data.resize(have + *n);
    if (*n < chunk) break;
  }
  const int64_t got = static_cast<int64_t>(array.data.size());
  if (got < total_bytes) {
    const char* kind = rank == 1 ? "label" : rank == 3 ? "image" : "item";
    std::string detail;
    if (rank > 1) {
      const int64_t item = total_bytes / array.dims[0];
      detail = got % item != 0
                   ? absl::StrCat("; ", kind, " ", got / item, " (0-based) of ", array.dims[0],
                                  " is cut after ", got % item, " of its ", item, " bytes")
                   : absl::StrCat("; only ", got / item, " of ", array.dims[0], " ", kind,
                                  "s are complete");
    }
    return truncated(absl::StrCat(kind, " data (dims ", DimsString(array.dims),
                                  element_bytes > 1 ? ", int32" : "", ")"),
                     data_start, total_bytes, got, detail);
  }

  // Nothing may follow the data. Reading on also verifies the gzip trailer.
  uint8_t extra;
  n = in.Read(&extra, 1);
  if (!n.ok()) return n.status();
  if (*n > 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": unexpected trailing data at ", in.At(in.offset() - 1), ": dims ",
                     DimsString(array.dims), " declare ", total_bytes,
                     " data bytes, which end there"));
  }
  if (in.ended_early()) {
    return absl::DataLossError(absl::StrCat(path, ": ", in.EndReason(),
                                            ", before the gzip end-of-stream marker and CRC (all ",
                                            total_bytes, " data bytes were read)"));
  }
  if (array.type == kIdxInt32) {
    array.int32s.resize(static_cast<size_t>(total));
    for (int64_t i = 0; i < total; ++i) {
      const uint8_t* b = &array.data[4 * i];
      array.int32s[i] = static_cast<int32_t>((uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
                                             (uint32_t{b[2]} << 8) | uint32_t{b[3]});
    }
    array.data.clear();
    array.data.shrink_to_fit();
  }
  return array;
}

absl::Status WriteIdx(const std::string& path, const IdxArray& array) {
  const size_t rank = array.dims.size();
  if (rank < 1 || rank > 255) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot write IDX of rank ", rank, ": expected 1 to 255"));
  }
  if (array.type != kIdxUnsignedByte && array.type != kIdxInt32) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: cannot write IDX type 0x%02x: expected 0x08 or 0x0c", path, array.type));
  }
  std::string header = {0, 0, static_cast<char>(array.type), static_cast<char>(rank)};
  int64_t total = 1;
  for (int64_t dim : array.dims) {
    if (dim < 0 || dim > 0xFFFFFFFFll) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": cannot write IDX dims ", DimsString(array.dims), ": each must be in 0..2^32-1"));
    }
    for (int shift = 24; shift >= 0; shift -= 8) {
      header += static_cast<char>((dim >> shift) & 0xFF);
    }
    total = (dim == 0 || total <= kMaxElements / dim) ? total * dim : kMaxElements + 1;
  }
  const bool int32 = array.type == kIdxInt32;
  const size_t have = int32 ? array.int32s.size() : array.data.size();
  if (total != static_cast<int64_t>(have)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": cannot write IDX: dims ", DimsString(array.dims), " need ", total,
        int32 ? " int32 values" : " bytes", " of data, got ", have));
  }
  std::string values;
  if (int32) {
    values.reserve(4 * have);
    for (int32_t v : array.int32s) {
      for (int shift = 24; shift >= 0; shift -= 8) {
        values += static_cast<char>((static_cast<uint32_t>(v) >> shift) & 0xFF);
      }
    }
  }
  const absl::string_view pieces[] = {
      header, int32 ? absl::string_view(values)
                    : absl::string_view(reinterpret_cast<const char*>(array.data.data()),
                                        array.data.size())};
  return WriteFileAtomically(path, absl::MakeConstSpan(pieces));
}

}  // namespace siamese
