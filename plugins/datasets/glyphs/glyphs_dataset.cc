#include "plugins/datasets/glyphs/glyphs_dataset.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "framework/base/check.h"
#include "framework/core/registry.h"
#include "plugins/datasets/glyphs/scripts.h"

namespace siamese {
namespace {

// A class of the character labeling: a letter and the faces it is drawn in.
struct Letter {
  std::string script;
  char32_t code_point = 0;
  std::vector<int32_t> faces;  // indices into FontCollection::faces(), ascending
};

std::string Searched(const GlyphsOptions& options, const FontCollection& fonts) {
  return absl::StrCat(fonts.faces().size(), " usable faces in ", fonts.num_files_scanned(),
                      " font files found under ", absl::StrJoin(options.font_paths, ":"));
}

// The letters of `scripts` drawn by at least min_fonts_per_class faces, with
// their faces chosen as glyphs.proto documents.
absl::StatusOr<std::vector<Letter>> ChooseLetters(const GlyphsOptions& options,
                                                  const FontCollection& fonts,
                                                  const std::vector<std::string>& scripts,
                                                  const char* field) {
  const Rng choice = GlyphsDataset::Stream(options.seed, options.seed_offset).Fork(1);
  const std::vector<FontFace>& faces = fonts.faces();
  std::vector<Letter> out;
  for (const std::string& name : scripts) {
    const GlyphScript* script = FindGlyphScript(name);
    SIAMESE_CHECK(script != nullptr) << "glyphs: script " << name;
    const size_t before = out.size();
    for (char32_t c : script->letters) {
      std::vector<int32_t> candidates;
      for (size_t f = 0; f < faces.size(); ++f) {
        if (FT_Get_Char_Index(faces[f].face, c) != 0) candidates.push_back(static_cast<int32_t>(f));
      }
      Rng rng = choice.Fork(c);
      for (int64_t i = static_cast<int64_t>(candidates.size()) - 1; i > 0; --i) {
        std::swap(candidates[i], candidates[rng.UniformInt(i + 1)]);
      }
      Letter letter{name, c, {}};
      for (int32_t f : candidates) {
        if (static_cast<int>(letter.faces.size()) == options.max_fonts_per_class) break;
        if (HasInk(faces[f].face, c)) letter.faces.push_back(f);
      }
      if (static_cast<int>(letter.faces.size()) < options.min_fonts_per_class) continue;
      std::sort(letter.faces.begin(), letter.faces.end());
      out.push_back(std::move(letter));
    }
    if (out.size() == before) {
      return FieldError(field,
                        absl::StrCat("script \"", name, "\": none of its ", script->letters.size(),
                                     " letters is drawn by ", options.min_fonts_per_class,
                                     " (min_fonts_per_class) of the ", Searched(options, fonts),
                                     "; it needs ", script->fonts, " (tools/setup.sh)"));
    }
  }
  return out;
}

}  // namespace

uint64_t GlyphsFingerprint(const std::string& s) {
  uint64_t h = 14695981039346656037ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

bool GlyphsFamilyInTestSplit(const std::string& family, double test_fraction) {
  const std::string group = family.substr(0, family.find(' '));
  return static_cast<double>(GlyphsFingerprint(group) >> 11) * 0x1.0p-53 < test_fraction;
}

Rng GlyphsDataset::Stream(uint64_t seed, uint64_t seed_offset) {
  return Rng(seed).Fork(0x474C59).Fork(seed_offset);
}

absl::Status GlyphsDataset::Render(const GlyphsOptions& options, const FontCollection& fonts,
                                   int64_t label, int32_t face, const std::u32string& text,
                                   const GlyphJitter& jitter) {
  absl::StatusOr<std::vector<uint8_t>> image =
      RenderGlyphs(fonts.faces()[face].face, text, options.image, jitter);
  if (!image.ok()) {
    return absl::Status(image.status().code(),
                        absl::StrCat(fonts.faces()[face].path, ": ", image.status().message()));
  }
  pixels_.insert(pixels_.end(), image->begin(), image->end());
  labels_.push_back(label);
  example_faces_.push_back(face);
  example_texts_.push_back(text);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<GlyphsDataset>> GlyphsDataset::Build(const GlyphsOptions& options,
                                                                    const FontCollection& fonts) {
  if (options.split != "train" && options.split != "test") {
    return absl::InvalidArgumentError(
        absl::StrCat("glyphs: split must be \"train\" or \"test\", got \"", options.split, "\""));
  }
  const bool train = options.split == "train";
  auto d = std::unique_ptr<GlyphsDataset>(new GlyphsDataset);
  d->height_ = options.image.height;
  d->width_ = options.image.width;
  d->files_ = fonts.files();
  const Rng examples = Stream(options.seed, options.seed_offset).Fork(2);
  const std::vector<FontFace>& faces = fonts.faces();

  if (!options.by_font) {
    absl::StatusOr<std::vector<Letter>> train_letters =
        ChooseLetters(options, fonts, options.train_scripts, "train_scripts");
    if (!train_letters.ok()) return train_letters.status();
    absl::StatusOr<std::vector<Letter>> test_letters =
        ChooseLetters(options, fonts, options.test_scripts, "test_scripts");
    if (!test_letters.ok()) return test_letters.status();
    d->num_train_classes_ = static_cast<int64_t>(train_letters->size());
    // Super-classes: the scripts, train then test (each has a letter).
    d->super_class_names_ = options.train_scripts;
    d->super_class_names_.insert(d->super_class_names_.end(), options.test_scripts.begin(),
                                 options.test_scripts.end());
    for (const auto* side : {&*train_letters, &*test_letters}) {
      for (const Letter& l : *side) {
        d->class_names_.push_back(
            absl::StrFormat("%s U+%04X", l.script, static_cast<uint32_t>(l.code_point)));
        d->super_classes_.push_back(
            std::find(d->super_class_names_.begin(), d->super_class_names_.end(), l.script) -
            d->super_class_names_.begin());
      }
    }
    const int64_t first = train ? 0 : d->num_train_classes_;
    const std::vector<Letter>& mine = train ? *train_letters : *test_letters;
    for (size_t k = 0; k < mine.size(); ++k) {
      const Letter& l = mine[k];
      const Rng class_rng = examples.Fork(l.code_point);
      int64_t j = 0;
      for (int32_t face : l.faces) {
        for (int a = 0; a < options.augmentations_per_font; ++a, ++j) {
          Rng rng = class_rng.Fork(j);
          const GlyphJitter jitter = DrawGlyphJitter(options.jitter, &rng);
          if (absl::Status s = d->Render(options, fonts, first + static_cast<int64_t>(k), face,
                                         std::u32string(1, l.code_point), jitter);
              !s.ok()) {
            return s;
          }
        }
      }
    }
    return d;
  }

  // Font labeling: the faces that draw every character of font_characters.
  std::vector<int32_t> sides[2];  // train, test
  for (size_t f = 0; f < faces.size(); ++f) {
    const bool complete =
        std::all_of(options.font_characters.begin(), options.font_characters.end(),
                    [&](char32_t c) { return HasInk(faces[f].face, c); });
    if (!complete) continue;
    sides[GlyphsFamilyInTestSplit(faces[f].family, options.test_fraction)].push_back(
        static_cast<int32_t>(f));
  }
  for (int s = 0; s < 2; ++s) {
    if (sides[s].size() < 2) {
      return FieldError(
          "font_paths",
          absl::StrCat("font labeling: ", sides[s].size(), " faces for the ",
                       s == 0 ? "train" : "test", " split (need 2) among the ",
                       Searched(options, fonts), " that draw all of font_characters"));
    }
    std::sort(sides[s].begin(), sides[s].end(), [&](int32_t a, int32_t b) {
      return std::tie(faces[a].family, faces[a].style) < std::tie(faces[b].family, faces[b].style);
    });
    for (int32_t f : sides[s]) d->class_names_.push_back(faces[f].name());
  }
  d->num_train_classes_ = static_cast<int64_t>(sides[0].size());
  const int64_t first = train ? 0 : d->num_train_classes_;
  const std::vector<int32_t>& mine = sides[train ? 0 : 1];
  const int64_t n = static_cast<int64_t>(options.font_characters.size());
  for (size_t k = 0; k < mine.size(); ++k) {
    const FontFace& face = faces[mine[k]];
    const Rng class_rng = examples.Fork(GlyphsFingerprint(face.family + "|" + face.style));
    for (int64_t j = 0; j < options.examples_per_font; ++j) {
      Rng rng = class_rng.Fork(j);
      std::u32string text;
      for (int i = 0; i < options.characters_per_example; ++i) {
        text.push_back(options.font_characters[rng.UniformInt(n)]);
      }
      GlyphJitter jitter = DrawGlyphJitter(options.jitter, &rng);
      jitter.stroke = 0;  // the weight tells Regular from Bold
      if (absl::Status s =
              d->Render(options, fonts, first + static_cast<int64_t>(k), mine[k], text, jitter);
          !s.ok()) {
        return s;
      }
    }
  }
  return d;
}

void GlyphsDataset::CopyExample(int64_t i, float* dst) const {
  SIAMESE_CHECK(i >= 0 && i < size()) << "glyphs: example " << i << " of " << size();
  const int64_t n = height_ * width_;
  const uint8_t* src = pixels_.data() + i * n;
  for (int64_t k = 0; k < n; ++k) dst[k] = src[k] * (1.0f / 255.0f);
}

}  // namespace siamese
