#include "framework/ablation/flat_json.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace siamese {
namespace {

class Parser {
 public:
  Parser(absl::string_view text, absl::string_view where) : text_(text), where_(where) {}

  absl::StatusOr<FlatJson> Parse() {
    FlatJson out;
    SkipSpace();
    if (!Consume('{')) return Error("expected '{'");
    SkipSpace();
    if (!Consume('}')) {
      while (true) {
        SkipSpace();
        std::string key;
        if (absl::Status s = String(&key); !s.ok()) return s;
        SkipSpace();
        if (!Consume(':')) return Error("expected ':' after key \"" + key + "\"");
        SkipSpace();
        if (absl::Status s = Value(key, &out); !s.ok()) return s;
        SkipSpace();
        if (Consume('}')) break;
        if (!Consume(',')) return Error("expected ',' or '}'");
      }
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("trailing text after the object");
    return out;
  }

 private:
  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(where_, ": offset ", pos_, ": ", what));
  }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool ConsumeWord(absl::string_view w) {
    if (absl::StartsWithIgnoreCase(text_.substr(pos_), w)) {
      pos_ += w.size();
      return true;
    }
    return false;
  }

  absl::Status String(std::string* s) {
    if (!Consume('"')) return Error("expected a string");
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\\') {
        if (pos_ >= text_.size()) break;
        const char e = text_[pos_++];
        switch (e) {
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          case 'r': c = '\r'; break;
          case 'b': c = '\b'; break;
          case 'f': c = '\f'; break;
          case 'u': {
            if (pos_ + 4 > text_.size()) return Error("truncated \\u escape");
            const long cp = std::strtol(std::string(text_.substr(pos_, 4)).c_str(), nullptr, 16);
            pos_ += 4;
            c = cp < 128 ? static_cast<char>(cp) : '?';  // Keys and values here are ASCII.
            break;
          }
          default: c = e;  // '"', '\\', '/'.
        }
      }
      s->push_back(c);
    }
    if (!Consume('"')) return Error("unterminated string");
    return absl::OkStatus();
  }

  absl::Status Value(const std::string& key, FlatJson* out) {
    if (pos_ < text_.size() && text_[pos_] == '"') {
      std::string s;
      if (absl::Status st = String(&s); !st.ok()) return st;
      out->strings[key] = std::move(s);
      return absl::OkStatus();
    }
    if (ConsumeWord("true")) return out->numbers[key] = 1, absl::OkStatus();
    if (ConsumeWord("false")) return out->numbers[key] = 0, absl::OkStatus();
    if (ConsumeWord("null")) return absl::OkStatus();
    if (ConsumeWord("nan") || ConsumeWord("-nan")) {
      out->numbers[key] = std::numeric_limits<double>::quiet_NaN();
      return absl::OkStatus();
    }
    if (ConsumeWord("inf")) return out->numbers[key] = HUGE_VAL, absl::OkStatus();
    if (ConsumeWord("-inf")) return out->numbers[key] = -HUGE_VAL, absl::OkStatus();
    if (pos_ < text_.size() && (text_[pos_] == '{' || text_[pos_] == '[')) {
      return Error("nested value for key \"" + key + "\" (only flat objects are read)");
    }
    const std::string rest(text_.substr(pos_, 64));
    char* end = nullptr;
    const double v = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str()) return Error("expected a value for key \"" + key + "\"");
    pos_ += end - rest.c_str();
    out->numbers[key] = v;
    return absl::OkStatus();
  }

  absl::string_view text_;
  absl::string_view where_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<FlatJson> ParseFlatJson(absl::string_view text, absl::string_view where) {
  return Parser(text, where).Parse();
}

}  // namespace siamese
