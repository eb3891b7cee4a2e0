#include "plugins/datasets/glyphs/glyph_render.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/datasets/glyphs/font_collection.h"

namespace siamese {
namespace {

// fonts-dejavu-core and fonts-lato (tools/setup.sh).
constexpr char kDejaVuSans[] = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr char kLatoHairline[] = "/usr/share/fonts/truetype/lato/Lato-Hairline.ttf";

class GlyphRenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fonts = FontCollection::Open({kDejaVuSans, kLatoHairline});
    ASSERT_TRUE(fonts.ok()) << fonts.status() << " (run tools/setup.sh)";
    fonts_ = std::move(*fonts);
    ASSERT_EQ(fonts_->faces().size(), 2u);
  }
  FT_Face Sans() const { return fonts_->faces()[0].face; }
  FT_Face Hairline() const { return fonts_->faces()[1].face; }

  std::vector<uint8_t> Render(FT_Face face, const std::u32string& text,
                              const GlyphJitter& jitter = {}, GlyphImageSpec spec = {}) {
    auto image = RenderGlyphs(face, text, spec, jitter);
    EXPECT_TRUE(image.ok()) << image.status();
    return image.ok() ? *image : std::vector<uint8_t>(spec.height * spec.width);
  }

  std::unique_ptr<FontCollection> fonts_;
};

struct Ink {
  double sum = 0, cx = 0, cy = 0;                    // total and centroid (pixel centers)
  int top = -1, bottom = -1, left = -1, right = -1;  // rows and columns with ink > 0
};

Ink Measure(const std::vector<uint8_t>& p, int h = 32, int w = 32) {
  Ink ink;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double v = p[y * w + x];
      if (v == 0) continue;
      ink.sum += v;
      ink.cx += v * (x + 0.5);
      ink.cy += v * (y + 0.5);
      if (ink.top < 0) ink.top = y;
      ink.bottom = y;
      if (ink.left < 0 || x < ink.left) ink.left = x;
      ink.right = std::max(ink.right, x);
    }
  }
  if (ink.sum > 0) {
    ink.cx /= ink.sum;
    ink.cy /= ink.sum;
  }
  return ink;
}

double Correlation(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) * (a[i] - ma);
    bb += (b[i] - mb) * (b[i] - mb);
  }
  return ab / std::sqrt(aa * bb);
}

TEST_F(GlyphRenderTest, GlyphIsNonEmptyAndCentered) {
  for (char32_t c : std::u32string(U"oOHxAgЖա")) {
    const Ink ink = Measure(Render(Sans(), std::u32string(1, c)));
    EXPECT_GT(ink.sum, 255 * 20) << static_cast<uint32_t>(c);
    // The bounding box is centered (to a pixel: its edges are anti-aliased).
    EXPECT_NEAR(0.5 * (ink.left + ink.right + 1), 16.0, 1.0) << static_cast<uint32_t>(c);
    EXPECT_NEAR(0.5 * (ink.top + ink.bottom + 1), 16.0, 1.0) << static_cast<uint32_t>(c);
  }
  // Symmetric letters have their centroid at the center too.
  for (char32_t c : std::u32string(U"oOHX")) {
    const Ink ink = Measure(Render(Sans(), std::u32string(1, c)));
    EXPECT_NEAR(ink.cx, 16.0, 0.3) << static_cast<uint32_t>(c);
    EXPECT_NEAR(ink.cy, 16.0, 0.3) << static_cast<uint32_t>(c);
  }
}

TEST_F(GlyphRenderTest, RowZeroIsTheTop) {
  const std::vector<uint8_t> t = Render(Sans(), U"T");
  const Ink ink = Measure(t);
  double top_row = 0, bottom_row = 0;
  for (int x = 0; x < 32; ++x) {
    top_row += t[ink.top * 32 + x];
    bottom_row += t[ink.bottom * 32 + x];
  }
  EXPECT_GT(top_row, 4 * bottom_row);  // the bar is at the top
}

TEST_F(GlyphRenderTest, LettersKeepTheirRelativeSizes) {
  // One em is em_size * height: o is x-height tall, O cap-height tall.
  const Ink o = Measure(Render(Sans(), U"o")), big_o = Measure(Render(Sans(), U"O"));
  EXPECT_LT(o.bottom - o.top, 0.85 * (big_o.bottom - big_o.top));
  // DejaVu Sans's cap height is 0.729 em: 0.8 * 32 * 0.729 = 18.7 pixels.
  EXPECT_NEAR(big_o.bottom - big_o.top + 1, 18.7, 1.5);
}

TEST_F(GlyphRenderTest, WideTextIsShrunkToFitInsideTheMargin) {
  GlyphImageSpec spec;
  spec.margin = 2;
  const Ink ink = Measure(Render(Sans(), U"WMWM", {}, spec));
  EXPECT_GE(ink.left, 2);
  EXPECT_LE(ink.right, 29);
  EXPECT_GE(ink.right - ink.left + 1, 26);  // fills the width
}

TEST_F(GlyphRenderTest, OtherImageSizes) {
  GlyphImageSpec spec;
  spec.height = 20;
  spec.width = 48;
  const std::vector<uint8_t> p = Render(Sans(), U"ab", {}, spec);
  ASSERT_EQ(p.size(), 20u * 48u);
  const Ink ink = Measure(p, 20, 48);
  EXPECT_NEAR(0.5 * (ink.left + ink.right + 1), 24.0, 1.0);
  EXPECT_NEAR(0.5 * (ink.top + ink.bottom + 1), 10.0, 1.0);
}

// The best correlation over shifts of b by up to 2 pixels (the jitter moves
// glyphs by up to 1.3 pixels, and pixel correlation of thin strokes drops
// fast with a shift).
double ShiftedCorrelation(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  double best = -1;
  for (int dy = -2; dy <= 2; ++dy) {
    for (int dx = -2; dx <= 2; ++dx) {
      std::vector<uint8_t> s(b.size(), 0);
      for (int y = 0; y < 32; ++y) {
        for (int x = 0; x < 32; ++x) {
          const int sy = y - dy, sx = x - dx;
          if (sy >= 0 && sy < 32 && sx >= 0 && sx < 32) s[y * 32 + x] = b[sy * 32 + sx];
        }
      }
      best = std::max(best, Correlation(a, s));
    }
  }
  return best;
}

TEST_F(GlyphRenderTest, JitterChangesPixelsButKeepsTheGlyphRecognizable) {
  const GlyphJitterRanges ranges{5, 0.08, 0.06, 0.04, 0.015};  // the defaults of glyphs.proto
  const std::u32string letters = U"abcdefghkmnpqrstuvwxyzABDEFGHKLMNPRSTЖ";
  std::vector<std::vector<uint8_t>> plain;
  for (char32_t c : letters) plain.push_back(Render(Sans(), std::u32string(1, c)));
  Rng rng(3);
  int draws = 0, changed = 0, nearest_right = 0;
  double sum = 0, min = 1;
  for (size_t i = 0; i < letters.size(); ++i) {
    for (int k = 0; k < 10; ++k, ++draws) {
      const std::vector<uint8_t> j =
          Render(Sans(), std::u32string(1, letters[i]), DrawGlyphJitter(ranges, &rng));
      changed += j != plain[i];
      const double own = ShiftedCorrelation(plain[i], j);
      sum += own;
      min = std::min(min, own);
      bool nearest = true;
      for (size_t o = 0; o < letters.size(); ++o) {
        if (o != i && ShiftedCorrelation(plain[o], j) >= own) nearest = false;
      }
      nearest_right += nearest;
    }
  }
  EXPECT_EQ(changed, draws);
  EXPECT_GT(sum / draws, 0.85);
  EXPECT_GT(min, 0.6);
  // The unjittered letter is the nearest of all for (almost) every render.
  EXPECT_GE(nearest_right, 0.97 * draws);
  std::printf("jitter: mean correlation %.3f, min %.3f, nearest %d of %d\n", sum / draws, min,
              nearest_right, draws);
}

TEST_F(GlyphRenderTest, StrokeJitterEmboldensAndThinsButKeepsHairlines) {
  const double plain = Measure(Render(Sans(), U"H")).sum;
  GlyphJitter bold, thin;
  bold.stroke = 0.02;
  thin.stroke = -0.02;
  EXPECT_GT(Measure(Render(Sans(), U"H", bold)).sum, 1.15 * plain);
  EXPECT_LT(Measure(Render(Sans(), U"H", thin)).sum, 0.85 * plain);
  // Lato Hairline's strokes are thinner than 0.02 em: at most 30% of them go.
  const double hairline = Measure(Render(Hairline(), U"H")).sum;
  EXPECT_GT(Measure(Render(Hairline(), U"H", thin)).sum, 0.6 * hairline);
}

TEST_F(GlyphRenderTest, DeterministicAndSixDrawsPerJitter) {
  GlyphJitterRanges ranges{5, 0.08, 0.06, 0.04, 0.015};
  Rng a(9), b(9);
  const GlyphJitter ja = DrawGlyphJitter(ranges, &a), jb = DrawGlyphJitter(ranges, &b);
  EXPECT_EQ(Render(Sans(), U"k", ja), Render(Sans(), U"k", jb));
  Rng zero(9);
  const GlyphJitter none = DrawGlyphJitter(GlyphJitterRanges{}, &zero);
  EXPECT_EQ(none.rotation, 0);
  EXPECT_EQ(none.scale, 1);
  EXPECT_EQ(zero.NextU64(), a.NextU64());
}

TEST_F(GlyphRenderTest, MissingGlyphIsAnError) {
  auto image = RenderGlyphs(Sans(), U"a\U0001E900", GlyphImageSpec{}, GlyphJitter{});
  ASSERT_FALSE(image.ok());
  EXPECT_NE(image.status().message().find("U+1E900"), std::string::npos) << image.status();
  EXPECT_TRUE(HasInk(Sans(), U'a'));
  EXPECT_FALSE(HasInk(Sans(), U' '));  // mapped, but no contour
  EXPECT_FALSE(HasInk(Sans(), 0x1E900));
}

}  // namespace
}  // namespace siamese
