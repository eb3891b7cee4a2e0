#include "plugins/datasets/glyphs/font_collection.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <set>
#include <system_error>

#include FT_OUTLINE_H

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace siamese {
namespace {

namespace fs = std::filesystem;

bool IsFontFile(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".ttf" || ext == ".otf" || ext == ".ttc" || ext == ".otc";
}

std::string FreeTypeError(FT_Error error) {
  const char* text = FT_Error_String(error);  // null unless FreeType was built with the strings
  return text ? absl::StrFormat("FreeType error 0x%02x, %s", error, text)
              : absl::StrFormat("FreeType error 0x%02x", error);
}

// Adds the font files at `path` (a file, or a directory searched recursively).
absl::Status AddFontFiles(const std::string& path, std::set<std::string>* files) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such font file or directory"));
  }
  if (!fs::is_directory(status)) {
    files->insert(path);  // named explicitly: opened whatever its extension
    return absl::OkStatus();
  }
  size_t found = 0;
  fs::recursive_directory_iterator it(path, fs::directory_options::follow_directory_symlink, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && IsFontFile(it->path())) {
      files->insert(it->path().string());
      ++found;
    }
  }
  if (ec) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot list: ", ec.message()));
  if (found == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no font files (.ttf, .otf, .ttc, .otc) in this directory"));
  }
  return absl::OkStatus();
}

bool HasExcludedWord(const std::string& family) {
  for (absl::string_view word : absl::StrSplit(family, ' ', absl::SkipEmpty())) {
    const auto& excluded = ExcludedFamilyWords();
    if (std::find(excluded.begin(), excluded.end(), word) != excluded.end()) return true;
  }
  return false;
}

// "family|style" without the style's all-digit tokens (optical sizes).
std::string DedupKey(const std::string& family, const std::string& style) {
  std::vector<std::string> kept;
  for (absl::string_view token : absl::StrSplit(style, ' ', absl::SkipEmpty())) {
    if (!std::all_of(token.begin(), token.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      kept.emplace_back(token);
    }
  }
  return absl::StrCat(family, "|", absl::StrJoin(kept, " "));
}

// The top of c's outline in font units, or nullopt without an outline.
std::optional<FT_Pos> Top(FT_Face face, char32_t c) {
  const FT_UInt index = FT_Get_Char_Index(face, c);
  if (index == 0 || FT_Load_Glyph(face, index, FT_LOAD_NO_SCALE) != 0 ||
      face->glyph->format != FT_GLYPH_FORMAT_OUTLINE || face->glyph->outline.n_points == 0) {
    return std::nullopt;
  }
  FT_BBox box;
  FT_Outline_Get_CBox(&face->glyph->outline, &box);
  return box.yMax;
}

}  // namespace

bool DrawsSmallCaps(FT_Face face) {
  const std::optional<FT_Pos> x = Top(face, U'x');
  if (!x || *x <= 0) return false;
  for (char32_t c : {U'b', U'd', U'h', U'k', U'l'}) {
    const std::optional<FT_Pos> top = Top(face, c);
    if (top && *top > 1.15 * *x) return false;
  }
  return true;
}

const std::vector<std::string>& ExcludedFamilyWords() {
  static const auto* words =
      new std::vector<std::string>{"Math", "Symbol", "Symbols", "Keyboard", "Nushu", "D050000L"};
  return *words;
}

absl::StatusOr<std::unique_ptr<FontCollection>> FontCollection::Open(
    const std::vector<std::string>& paths) {
  std::set<std::string> files;
  for (const std::string& path : paths) {
    if (absl::Status s = AddFontFiles(path, &files); !s.ok()) return s;
  }
  auto fonts = std::unique_ptr<FontCollection>(new FontCollection);
  if (FT_Error e = FT_Init_FreeType(&fonts->library_)) {
    return absl::InternalError(absl::StrCat("glyphs: cannot start FreeType: ", FreeTypeError(e)));
  }
  std::set<std::string> seen;
  for (const std::string& file : files) {
    if (access(file.c_str(), R_OK) != 0) continue;
    ++fonts->num_files_scanned_;
    bool kept_any = false;
    FT_Long num_faces = 1;
    for (FT_Long index = 0; index < num_faces; ++index) {
      FT_Face face = nullptr;
      if (FT_Error e = FT_New_Face(fonts->library_, file.c_str(), index, &face)) {
        return absl::InvalidArgumentError(
            absl::StrCat(file, ": not a font FreeType can open (truncated or corrupt?), face ",
                         index, ": ", FreeTypeError(e)));
      }
      num_faces = face->num_faces;
      const std::string family = face->family_name ? face->family_name : "";
      const std::string style = face->style_name ? face->style_name : "";
      if (!FT_IS_SCALABLE(face) || face->units_per_EM == 0 || family.empty() ||
          HasExcludedWord(family) || DrawsSmallCaps(face) ||
          !seen.insert(DedupKey(family, style)).second) {
        FT_Done_Face(face);
        continue;
      }
      fonts->faces_.push_back({file, static_cast<int>(index), family, style, face});
      kept_any = true;
    }
    if (kept_any) fonts->files_.push_back(file);
  }
  return fonts;
}

FontCollection::~FontCollection() {
  for (FontFace& f : faces_) FT_Done_Face(f.face);
  if (library_) FT_Done_FreeType(library_);
}

}  // namespace siamese
