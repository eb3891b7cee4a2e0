#include "framework/io/npy.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "framework/base/check.h"
#include "framework/io/atomic_file.h"
#include "framework/io/tensor_archive.h"

namespace siamese {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              ".npy I/O writes host-order data as little-endian");

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

// Python's repr of a tuple of ints: "()", "(3,)", "(3, 4)".
std::string ShapeRepr(const std::vector<int64_t>& shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}


absl::Status WriteArray(const std::string& path, absl::string_view descr, const void* data,
                        size_t element_size, const std::vector<int64_t>& shape) {
  const int64_t n = FileShapeElements(shape);
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot write .npy of shape ", ShapeRepr(shape),
                     ": dimensions must be >= 0 with at most 2^40 elements"));
  }
  if (n > 0 && data == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot write .npy of shape ", ShapeRepr(shape), ": data is null"));
  }
  const std::string header = NpyHeader(descr, shape);
  const absl::string_view pieces[] = {
      header,
      absl::string_view(static_cast<const char*>(data), static_cast<size_t>(n) * element_size)};
  return WriteFileAtomically(path, absl::MakeConstSpan(pieces));
}

// Parses the Python dict literal of a .npy header. `base` is the file
// offset of text[0], for error messages.
class HeaderParser {
 public:
  HeaderParser(const std::string& path, absl::string_view text, size_t base)
      : path_(path), text_(text), base_(base) {}

  absl::Status Parse(std::string* descr, bool* fortran_order, std::vector<int64_t>* shape) {
    bool have_descr = false, have_order = false, have_shape = false;
    if (!Consume('{')) return Expected("'{'");
    while (!Consume('}')) {
      std::string key;
      if (!String(&key)) return Expected("a quoted key or '}'");
      if (!Consume(':')) return Expected("':'");
      if (key == "descr") {
        if (!String(descr)) return Expected("a quoted dtype string");
        have_descr = true;
      } else if (key == "fortran_order") {
        if (Word("True")) {
          *fortran_order = true;
        } else if (Word("False")) {
          *fortran_order = false;
        } else {
          return Expected("True or False");
        }
        have_order = true;
      } else if (key == "shape") {
        if (!Tuple(shape)) return Expected("a tuple of non-negative ints");
        have_shape = true;
      } else {
        return Error(absl::StrCat("unexpected key '", key,
                                  "': expected 'descr', 'fortran_order' or "
                                  "'shape'"));
      }
      if (!Consume(',') && !Peek('}')) return Expected("',' or '}'");
    }
    SkipSpaces();
    if (pos_ != text_.size()) return Expected("only spaces after '}'");
    if (!have_descr || !have_order || !have_shape) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": malformed .npy header at byte offset ", base_,
                       ": it must contain 'descr', 'fortran_order' and 'shape'"));
    }
    return absl::OkStatus();
  }

 private:
  void SkipSpaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool Peek(char c) {
    SkipSpaces();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  bool Consume(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  bool Word(absl::string_view word) {
    SkipSpaces();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool String(std::string* out) {
    SkipSpaces();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) return false;
    const char quote = text_[pos_];
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == absl::string_view::npos) return false;
    *out = std::string(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return true;
  }
  bool Tuple(std::vector<int64_t>* out) {
    out->clear();
    if (!Consume('(')) return false;
    while (!Consume(')')) {
      SkipSpaces();
      if (pos_ >= text_.size() || !std::isdigit(text_[pos_])) return false;
      int64_t value = 0;
      while (pos_ < text_.size() && std::isdigit(text_[pos_])) {
        value = value * 10 + (text_[pos_++] - '0');
        if (value > kMaxFileElements) return false;
      }
      if (text_.substr(pos_, 1) == "L") ++pos_;  // Python 2 long.
      out->push_back(value);
      if (!Consume(',') && !Peek(')')) return false;
    }
    return true;
  }
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": malformed .npy header at byte offset ", base_ + pos_, ": ", what));
  }
  absl::Status Expected(absl::string_view what) const {
    return Error(absl::StrCat("expected ", what, ", found '", text_.substr(pos_, 20), "'"));
  }

  const std::string& path_;
  absl::string_view text_;
  size_t base_;
  size_t pos_ = 0;
};

template <typename T>
absl::StatusOr<NpyArray<T>> ParseArray(absl::string_view bytes, const std::string& path,
                                       absl::string_view want_descr, absl::string_view type_name) {
  auto hex = [&](size_t n) {
    std::string out;
    for (size_t i = 0; i < n && i < bytes.size(); ++i) {
      absl::StrAppend(&out, i > 0 ? " " : "",
                      absl::Hex(static_cast<uint8_t>(bytes[i]), absl::kZeroPad2));
    }
    return out;
  };
  const size_t magic_seen = std::min(bytes.size(), kMagicSize);
  if (std::memcmp(bytes.data(), kMagic, magic_seen) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": not a .npy file: bad magic at byte offset 0: expected "
                     "93 4e 55 4d 50 59 (\"\\x93NUMPY\"), found ",
                     hex(kMagicSize)));
  }
  if (bytes.size() < kMagicSize + 2) {
    return absl::DataLossError(absl::StrCat(path, ": truncated at byte offset ", bytes.size(),
                                            ": expected the 8-byte .npy magic and version"));
  }
  const int major = static_cast<uint8_t>(bytes[6]);
  const int minor = static_cast<uint8_t>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": unsupported .npy format version ",
                                                   major, ".", minor,
                                                   " at byte offset 6: expected 1.0, 2.0 or 3.0"));
  }
  const size_t length_size = major == 1 ? 2 : 4;
  const size_t header_start = 8 + length_size;
  if (bytes.size() < header_start) {
    return absl::DataLossError(absl::StrCat(path, ": truncated at byte offset ", bytes.size(),
                                            ": expected a ", length_size,
                                            "-byte header length at byte offset 8"));
  }
  size_t header_length = 0;
  for (size_t i = 0; i < length_size; ++i) {
    header_length |= size_t{static_cast<uint8_t>(bytes[8 + i])} << (8 * i);
  }
  if (bytes.size() < header_start + header_length) {
    return absl::DataLossError(absl::StrCat(
        path, ": truncated at byte offset ", bytes.size(), ": expected ", header_length,
        " bytes of .npy header starting at byte offset ", header_start));
  }
  absl::string_view header(bytes.data() + header_start, header_length);
  if (header.empty() || header.back() != '\n') {
    return absl::InvalidArgumentError(absl::StrCat(path, ": malformed .npy header at byte offset ",
                                                   header_start + header_length - 1,
                                                   ": expected it to end with '\\n'"));
  }
  header.remove_suffix(1);
  std::string descr;
  bool fortran_order = false;
  NpyArray<T> array;
  absl::Status parsed =
      HeaderParser(path, header, header_start).Parse(&descr, &fortran_order, &array.shape);
  if (!parsed.ok()) return parsed;
  if (descr != want_descr) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": .npy dtype is '", descr, "': expected '", want_descr, "' (", type_name, ")"));
  }
  if (fortran_order) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": .npy array is in Fortran order: expected C order "
                     "(save np.ascontiguousarray(x))"));
  }
  const int64_t n = FileShapeElements(array.shape);
  if (n < 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": .npy shape ", ShapeRepr(array.shape),
                                                   " has more than 2^40 elements"));
  }
  const size_t data_start = header_start + header_length;
  const size_t want = static_cast<size_t>(n) * sizeof(T);
  const size_t have = bytes.size() - data_start;
  if (have < want) {
    return absl::DataLossError(
        absl::StrCat(path, ": truncated at byte offset ", bytes.size(), ": expected ", want,
                     " bytes of '", descr, "' data for shape ", ShapeRepr(array.shape),
                     " starting at byte offset ", data_start, ", got ", have));
  }
  if (have > want) {
    return absl::DataLossError(absl::StrCat(path, ": unexpected trailing data at byte offset ",
                                            data_start + want, ": shape ", ShapeRepr(array.shape),
                                            " of '", descr, "' declares ", want, " data bytes"));
  }
  array.data.resize(static_cast<size_t>(n));
  if (want > 0) std::memcpy(array.data.data(), bytes.data() + data_start, want);
  return array;
}

}  // namespace

std::string NpyHeader(absl::string_view descr, const std::vector<int64_t>& shape) {
  std::string dict = absl::StrCat("{'descr': '", descr,
                                  "', 'fortran_order': False, 'shape': ", ShapeRepr(shape), ", }");
  // Magic (6) + version (2) + length (2) + dict + padding + '\n'.
  const size_t unpadded = kMagicSize + 4 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  SIAMESE_CHECK(dict.size() <= 0xFFFF)
      << "NpyHeader: header of " << dict.size() << " bytes does not fit .npy version 1.0";
  std::string out(kMagic, kMagicSize);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xFF);
  out += static_cast<char>(dict.size() >> 8);
  out += dict;
  return out;
}

absl::Status WriteNpy(const std::string& path, const float* data,
                      const std::vector<int64_t>& shape) {
  return WriteArray(path, "<f4", data, sizeof(float), shape);
}

absl::Status WriteNpyInt64(const std::string& path, const int64_t* data,
                           const std::vector<int64_t>& shape) {
  return WriteArray(path, "<i8", data, sizeof(int64_t), shape);
}

absl::StatusOr<NpyArray<float>> ParseNpy(absl::string_view bytes, const std::string& path) {
  return ParseArray<float>(bytes, path, "<f4", "float32, little-endian");
}

absl::StatusOr<NpyArray<float>> ReadNpy(const std::string& path) {
  absl::StatusOr<std::string> file = ReadFile(path);
  if (!file.ok()) return file.status();
  return ParseNpy(*file, path);
}

absl::StatusOr<NpyArray<int64_t>> ReadNpyInt64(const std::string& path) {
  absl::StatusOr<std::string> file = ReadFile(path);
  if (!file.ok()) return file.status();
  return ParseArray<int64_t>(*file, path, "<i8", "int64, little-endian");
}

}  // namespace siamese
