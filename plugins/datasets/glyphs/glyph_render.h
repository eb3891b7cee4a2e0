// Rendering one letter or a short text of one font face into a small
// grayscale image, with a random affine and stroke-weight jitter.
//
// The text's outlines (font units, laid out left to right by advance width,
// no kerning or shaping: isolated letters) are, in this order:
//   1. emboldened by stroke * units_per_EM (FT_Outline_Embolden; negative
//      makes strokes thinner, by at most 30% of the mean stroke width,
//      2 * area / perimeter, so that hairline faces keep their strokes);
//   2. centered on their bounding box;
//   3. mapped by  scale * k * R(rotation) * [[1, shear], [0, 1]],  with
//      k = em_size * height / units_per_EM, so that one em is em_size image
//      heights: letters keep the sizes they have relative to each other
//      (o is smaller than O), which a fit to the box would erase;
//   4. shrunk about their center, only if they do not fit into the image
//      less `margin` pixels on each side (wide texts, tall letters);
//   5. centered on the image, moved by (dx * width, dy * height) (right, up);
//   6. rasterized with FreeType's anti-aliasing rasterizer: 0 background,
//      255 full ink, row 0 at the top.
// Coordinates are computed in double precision and rounded to 1/64 pixel,
// so the bytes depend only on the font file, the text, the parameters and
// the FreeType version.
#ifndef SIAMESE_PLUGINS_DATASETS_GLYPHS_GLYPH_RENDER_H_
#define SIAMESE_PLUGINS_DATASETS_GLYPHS_GLYPH_RENDER_H_

#include <ft2build.h>

#include <cstdint>
#include <string>
#include <vector>
#include FT_FREETYPE_H

#include "absl/status/statusor.h"
#include "framework/tensor/rng.h"

namespace siamese {

struct GlyphImageSpec {
  int height = 32;
  int width = 32;
  double em_size = 0.8;  // one em, as a fraction of the image height
  int margin = 1;        // pixels kept free on each side when shrinking to fit
};

// One draw of the jitter; the default is the identity.
struct GlyphJitter {
  double rotation = 0;  // radians, counter-clockwise
  double shear = 0;     // x += shear * y (positive leans right, like italics)
  double scale = 1;
  double dx = 0, dy = 0;  // fractions of the width and height
  double stroke = 0;      // fraction of the em
};

// The largest magnitude of each jitter.
struct GlyphJitterRanges {
  double rotation_degrees = 0;
  double shear = 0;
  double scale = 0;  // scale is in [1 - scale, 1 + scale]
  double translation = 0;
  double stroke = 0;
};

// Draws, in this order, rotation, shear, scale, dx, dy, stroke, each uniform
// in [-range, range] (scale: 1 + that): always six draws, whatever the
// ranges, so that a range of 0 does not shift the draws after it.
GlyphJitter DrawGlyphJitter(const GlyphJitterRanges& ranges, Rng* rng);

// True when `face` maps `c` to a glyph with at least one contour (fonts map
// some code points to empty placeholder glyphs).
bool HasInk(FT_Face face, char32_t c);

// height * width bytes, row-major. Errors: a code point the face lacks or
// whose glyph FreeType cannot load (InvalidArgument, naming it).
absl::StatusOr<std::vector<uint8_t>> RenderGlyphs(FT_Face face, const std::u32string& text,
                                                  const GlyphImageSpec& spec,
                                                  const GlyphJitter& jitter);

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_GLYPHS_GLYPH_RENDER_H_
