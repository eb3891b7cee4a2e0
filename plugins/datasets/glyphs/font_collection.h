// The font faces of the "glyphs" dataset: found on disk, opened with FreeType,
// deduplicated. The collection owns the FreeType library and every face.
#ifndef SIAMESE_PLUGINS_DATASETS_GLYPHS_FONT_COLLECTION_H_
#define SIAMESE_PLUGINS_DATASETS_GLYPHS_FONT_COLLECTION_H_

#include <ft2build.h>

#include <memory>
#include <string>
#include <vector>
#include FT_FREETYPE_H

#include "absl/status/statusor.h"

namespace siamese {

struct FontFace {
  std::string path;    // the font file
  int index = 0;       // the face within the file (.ttc and .otc hold several)
  std::string family;  // FreeType's family_name, e.g. "Noto Sans"
  std::string style;   // FreeType's style_name, e.g. "Bold Italic"
  FT_Face face = nullptr;
  // "family style", the font labeling's class name.
  std::string name() const { return family + " " + style; }
};

// Words of family names whose faces are left out: math and symbol faces map
// Latin letters to other shapes or duplicate a text face, keyboard faces draw
// key caps around letters, Noto Traditional Nushu copies Noto Sans's Latin letters, and URW's
// D050000L is Dingbats.
const std::vector<std::string>& ExcludedFamilyWords();

// True when the face draws Latin lower case as small capitals: none of b, d,
// h, k, l rises more than 15% above x (an ascender rises 30% or more).
// False for faces without x.
bool DrawsSmallCaps(FT_Face face);

class FontCollection {
 public:
  // Opens the faces of the font files at `paths`, each a file or a directory
  // searched recursively for *.ttf, *.otf, *.ttc and *.otc (any case). Files
  // are taken in sorted path order (all paths together, each file once) and
  // their faces in index order. Left out, in that order:
  //   - files the process may not read (access(R_OK) fails);
  //   - faces that are not scalable outlines (bitmap and color-bitmap fonts);
  //   - faces whose family name has a word of ExcludedFamilyWords(), and
  //     small-caps faces (DrawsSmallCaps());
  //   - faces with the family and style of an earlier face, where style
  //     tokens made only of digits do not count: Latin Modern's and EB
  //     Garamond's optical sizes ("10 Regular", "12 Regular") are one face
  //     at the sizes rendered here, and so are a font installed twice.
  // Variable fonts give their default instance.
  // Errors name the path: NotFound for a path that does not exist,
  // InvalidArgument for a directory without font files or a font file that
  // FreeType cannot open (truncated or corrupt).
  static absl::StatusOr<std::unique_ptr<FontCollection>> Open(
      const std::vector<std::string>& paths);

  ~FontCollection();
  FontCollection(const FontCollection&) = delete;
  FontCollection& operator=(const FontCollection&) = delete;

  const std::vector<FontFace>& faces() const { return faces_; }
  // The files with at least one face kept, sorted.
  const std::vector<std::string>& files() const { return files_; }
  // How many font files were opened (kept or not), for messages.
  int num_files_scanned() const { return num_files_scanned_; }

 private:
  FontCollection() = default;

  FT_Library library_ = nullptr;
  std::vector<FontFace> faces_;
  std::vector<std::string> files_;
  int num_files_scanned_ = 0;
};

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_GLYPHS_FONT_COLLECTION_H_
