#include "plugins/datasets/glyphs/glyph_render.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include FT_BBOX_H
#include FT_OUTLINE_H

#include "absl/strings/str_format.h"

namespace siamese {
namespace {

// Loads `c`'s outline in font units. Returns false when the face lacks it.
bool LoadOutline(FT_Face face, char32_t c, FT_Error* error) {
  const FT_UInt index = FT_Get_Char_Index(face, c);
  if (index == 0) return false;
  // NO_SCALE: font units, no hinting, no embedded bitmaps; the scaling is ours.
  *error = FT_Load_Glyph(face, index, FT_LOAD_NO_SCALE);
  return *error == 0 && face->glyph->format == FT_GLYPH_FORMAT_OUTLINE;
}

// An outline in storage of our own, so that several glyphs can be one outline.
struct TextOutline {
  std::vector<FT_Vector> points;
  std::vector<std::remove_pointer_t<decltype(FT_Outline::tags)>> tags;
  std::vector<std::remove_pointer_t<decltype(FT_Outline::contours)>> contours;
  int flags = 0;

  FT_Outline View() {
    FT_Outline o{};
    o.n_points = static_cast<decltype(o.n_points)>(points.size());
    o.n_contours = static_cast<decltype(o.n_contours)>(contours.size());
    o.points = points.data();
    o.tags = tags.data();
    o.contours = contours.data();
    o.flags = flags;
    return o;
  }
};

FT_BBox BoundingBox(TextOutline* t) {
  FT_Outline o = t->View();
  FT_BBox box{};
  FT_Outline_Get_BBox(&o, &box);
  return box;
}

// The mean stroke width of the ink, 2 * area / perimeter (a stroke of width w
// and length L has area w * L and perimeter about 2 * L), measured on the
// control polygons (close to the curves at the scale of a stroke).
double MeanStrokeWidth(const TextOutline& t) {
  double area = 0, perimeter = 0;
  size_t start = 0;
  for (const auto end : t.contours) {
    for (size_t i = start; i <= static_cast<size_t>(end); ++i) {
      const FT_Vector& a = t.points[i];
      const FT_Vector& b = t.points[i == static_cast<size_t>(end) ? start : i + 1];
      area += 0.5 * (static_cast<double>(a.x) * b.y - static_cast<double>(b.x) * a.y);
      perimeter += std::hypot(static_cast<double>(b.x - a.x), static_cast<double>(b.y - a.y));
    }
    start = static_cast<size_t>(end) + 1;
  }
  return perimeter > 0 ? 2.0 * std::fabs(area) / perimeter : 0.0;
}

}  // namespace

GlyphJitter DrawGlyphJitter(const GlyphJitterRanges& r, Rng* rng) {
  auto symmetric = [rng](double range) { return range * (2.0 * rng->Uniform() - 1.0); };
  GlyphJitter j;
  j.rotation = symmetric(r.rotation_degrees) * M_PI / 180.0;
  j.shear = symmetric(r.shear);
  j.scale = 1.0 + symmetric(r.scale);
  j.dx = symmetric(r.translation);
  j.dy = symmetric(r.translation);
  j.stroke = symmetric(r.stroke);
  return j;
}

bool HasInk(FT_Face face, char32_t c) {
  FT_Error error = 0;
  return LoadOutline(face, c, &error) && face->glyph->outline.n_contours > 0;
}

absl::StatusOr<std::vector<uint8_t>> RenderGlyphs(FT_Face face, const std::u32string& text,
                                                  const GlyphImageSpec& spec,
                                                  const GlyphJitter& jitter) {
  // 1. The text's outline in font units, pen advancing by each advance width.
  TextOutline t;
  FT_Pos pen = 0;
  for (char32_t c : text) {
    FT_Error error = 0;
    if (!LoadOutline(face, c, &error)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s %s: no outline for U+%04X%s", face->family_name, face->style_name,
                          static_cast<uint32_t>(c),
                          error ? absl::StrFormat(" (FreeType error 0x%02x)", error) : ""));
    }
    const FT_Outline& g = face->glyph->outline;
    const size_t base = t.points.size();
    if (base + g.n_points > static_cast<size_t>(std::numeric_limits<short>::max())) {
      return absl::InvalidArgumentError("glyphs: text too long for one outline");
    }
    if (t.contours.empty()) t.flags = g.flags & ~FT_OUTLINE_OWNER;
    for (int i = 0; i < g.n_points; ++i) {
      t.points.push_back({g.points[i].x + pen, g.points[i].y});
      t.tags.push_back(g.tags[i]);
    }
    for (int i = 0; i < g.n_contours; ++i) t.contours.push_back(g.contours[i] + base);
    pen += face->glyph->advance.x;
  }
  std::vector<uint8_t> pixels(static_cast<size_t>(spec.height) * spec.width, 0);
  if (t.points.empty()) return pixels;

  const double upem = face->units_per_EM;
  if (jitter.stroke != 0) {
    double strength = jitter.stroke * upem;
    // Hairline faces would lose their strokes: thinning takes at most 30% of
    // the mean stroke width.
    strength = std::max(strength, -0.3 * MeanStrokeWidth(t));
    FT_Outline o = t.View();
    FT_Outline_Embolden(&o, static_cast<FT_Pos>(std::lround(strength)));
  }

  // 2.-3. Centered on the bounding box, scaled, rotated and sheared, in pixels.
  const FT_BBox box = BoundingBox(&t);
  const double cx = 0.5 * (box.xMin + box.xMax), cy = 0.5 * (box.yMin + box.yMax);
  const double k = jitter.scale * spec.em_size * spec.height / upem;
  const double cos_r = std::cos(jitter.rotation), sin_r = std::sin(jitter.rotation);
  std::vector<double> xs(t.points.size()), ys(t.points.size());
  for (size_t i = 0; i < t.points.size(); ++i) {
    const double x = k * (t.points[i].x - cx), y = k * (t.points[i].y - cy);
    const double sx = x + jitter.shear * y;  // shear, then rotate
    xs[i] = cos_r * sx - sin_r * y;
    ys[i] = sin_r * sx + cos_r * y;
    t.points[i].x = static_cast<FT_Pos>(std::lround(64.0 * xs[i]));
    t.points[i].y = static_cast<FT_Pos>(std::lround(64.0 * ys[i]));
  }
  // The exact box of the transformed outline (rotation and shear move its
  // center away from the origin), in pixels.
  const FT_BBox moved = BoundingBox(&t);
  const double x_min = moved.xMin / 64.0, x_max = moved.xMax / 64.0;
  const double y_min = moved.yMin / 64.0, y_max = moved.yMax / 64.0;
  // 4. Shrunk to fit.
  const double room_x = spec.width - 2.0 * spec.margin, room_y = spec.height - 2.0 * spec.margin;
  const double fit = std::min(
      {1.0, room_x / std::max(x_max - x_min, 1e-9), room_y / std::max(y_max - y_min, 1e-9)});
  // 5. The box's center on the image's center, then moved.
  const double ox = 0.5 * spec.width + jitter.dx * spec.width - fit * 0.5 * (x_min + x_max);
  const double oy = 0.5 * spec.height + jitter.dy * spec.height - fit * 0.5 * (y_min + y_max);
  for (size_t i = 0; i < t.points.size(); ++i) {
    t.points[i].x = static_cast<FT_Pos>(std::lround(64.0 * (fit * xs[i] + ox)));
    t.points[i].y = static_cast<FT_Pos>(std::lround(64.0 * (fit * ys[i] + oy)));
  }

  // 6. Anti-aliased coverage; y = 0 is the bitmap's bottom edge.
  FT_Bitmap bitmap{};
  bitmap.rows = static_cast<unsigned>(spec.height);
  bitmap.width = static_cast<unsigned>(spec.width);
  bitmap.pitch = spec.width;
  bitmap.buffer = pixels.data();
  bitmap.num_grays = 256;
  bitmap.pixel_mode = FT_PIXEL_MODE_GRAY;
  FT_Outline o = t.View();
  if (FT_Error e = FT_Outline_Get_Bitmap(face->glyph->library, &o, &bitmap)) {
    return absl::InternalError(absl::StrFormat("%s %s: FreeType cannot rasterize (error 0x%02x)",
                                               face->family_name, face->style_name, e));
  }
  return pixels;
}

}  // namespace siamese
