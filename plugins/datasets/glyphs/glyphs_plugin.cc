// The "glyphs" dataset's registration: parameter checks and options.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "framework/core/registry.h"
#include "framework/io/run_dir.h"
#include "plugins/datasets/glyphs/font_collection.h"
#include "plugins/datasets/glyphs/glyphs.pb.h"
#include "plugins/datasets/glyphs/glyphs_dataset.h"
#include "plugins/datasets/glyphs/scripts.h"

namespace siamese {
namespace {

// Decodes UTF-8; false on a malformed sequence.
bool DecodeUtf8(const std::string& s, std::u32string* out) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    const int len = b < 0x80           ? 1
                    : (b >> 5) == 0x6  ? 2
                    : (b >> 4) == 0xE  ? 3
                    : (b >> 3) == 0x1E ? 4
                                       : 0;
    if (len == 0 || i + len > s.size()) return false;
    char32_t c = len == 1 ? b : b & (0x7F >> len);
    for (int k = 1; k < len; ++k) {
      const unsigned char cont = static_cast<unsigned char>(s[i + k]);
      if ((cont >> 6) != 0x2) return false;
      c = (c << 6) | (cont & 0x3F);
    }
    out->push_back(c);
    i += len;
  }
  return true;
}

// The script list of `field`, or `defaults` when it is empty.
absl::StatusOr<std::vector<std::string>> Scripts(
    const google::protobuf::RepeatedPtrField<std::string>& given, const char* field,
    const std::vector<std::string>& defaults) {
  if (given.empty()) return defaults;
  std::vector<std::string> out;
  for (const std::string& name : given) {
    if (FindGlyphScript(name) == nullptr) {
      return FieldError(field,
                        absl::StrCat("unknown script \"", name, "\"; known: ", GlyphScriptNames()));
    }
    if (std::find(out.begin(), out.end(), name) != out.end()) {
      return FieldError(field, absl::StrCat("script \"", name, "\" is listed twice"));
    }
    out.push_back(name);
  }
  return out;
}

absl::Status CheckRange(const char* field, double value, double lo, double hi, bool lo_open,
                        bool hi_open) {
  const bool ok = (lo_open ? value > lo : value >= lo) && (hi_open ? value < hi : value <= hi);
  if (ok) return absl::OkStatus();
  return FieldError(field, absl::StrCat("must be in ", lo_open ? "(" : "[", lo, ", ", hi,
                                        hi_open ? ")" : "]", ", got ", value));
}

absl::StatusOr<GlyphsOptions> Options(const GlyphsParams& p, const PluginContext& context) {
  GlyphsOptions o;
  o.seed = context.seed;
  o.seed_offset = p.seed_offset();
  o.split = context.split;
  if (p.labeling() != "character" && p.labeling() != "font") {
    return FieldError(
        "labeling", absl::StrCat("must be \"character\" or \"font\", got \"", p.labeling(), "\""));
  }
  o.by_font = p.labeling() == "font";
  const struct {
    const char* field;
    double value, lo, hi;
    bool lo_open, hi_open;
  } ranges[] = {
      {"height", double(p.height()), 8, 512, false, false},
      {"width", double(p.width()), 8, 512, false, false},
      {"em_size", p.em_size(), 0, 4, true, false},
      {"margin", double(p.margin()), 0, double((std::min(p.height(), p.width()) - 1) / 2), false,
       false},
      {"max_fonts_per_class", double(p.max_fonts_per_class()), 1, 1e9, false, false},
      {"min_fonts_per_class", double(p.min_fonts_per_class()), 1,
       double(std::max(p.max_fonts_per_class(), 1)), false, false},
      {"augmentations_per_font", double(p.augmentations_per_font()), 1, 1e6, false, false},
      {"examples_per_font", double(p.examples_per_font()), 1, 1e6, false, false},
      {"characters_per_example", double(p.characters_per_example()), 1, 16, false, false},
      {"test_fraction", p.test_fraction(), 0, 1, true, true},
      {"rotation_degrees", p.rotation_degrees(), 0, 45, false, false},
      {"shear", p.shear(), 0, 1, false, true},
      {"scale_jitter", p.scale_jitter(), 0, 0.5, false, true},
      {"translation", p.translation(), 0, 0.5, false, true},
      {"stroke", p.stroke(), 0, 0.1, false, false},
  };
  for (const auto& r : ranges) {
    if (absl::Status s = CheckRange(r.field, r.value, r.lo, r.hi, r.lo_open, r.hi_open); !s.ok()) {
      return s;
    }
  }
  o.image = {p.height(), p.width(), p.em_size(), p.margin()};
  o.jitter = {p.rotation_degrees(), p.shear(), p.scale_jitter(), p.translation(), p.stroke()};
  o.max_fonts_per_class = p.max_fonts_per_class();
  o.min_fonts_per_class = p.min_fonts_per_class();
  o.augmentations_per_font = p.augmentations_per_font();
  o.examples_per_font = p.examples_per_font();
  o.characters_per_example = p.characters_per_example();
  o.test_fraction = p.test_fraction();
  std::u32string chars;
  if (!DecodeUtf8(p.font_characters(), &chars)) {
    return FieldError("font_characters", "is not valid UTF-8");
  }
  for (char32_t c : chars) {
    if (o.font_characters.find(c) == std::u32string::npos) o.font_characters.push_back(c);
  }
  if (o.font_characters.size() < 2) {
    return FieldError("font_characters", "needs at least 2 distinct characters");
  }

  auto train = Scripts(p.train_scripts(), "train_scripts", DefaultTrainScripts());
  if (!train.ok()) return train.status();
  auto test = Scripts(p.test_scripts(), "test_scripts", DefaultTestScripts());
  if (!test.ok()) return test.status();
  for (const std::string& name : *test) {
    if (std::find(train->begin(), train->end(), name) != train->end()) {
      return FieldError("test_scripts", absl::StrCat("script \"", name,
                                                     "\" is also in train_scripts; the splits "
                                                     "must have disjoint classes"));
    }
  }
  o.train_scripts = std::move(*train);
  o.test_scripts = std::move(*test);

  for (absl::string_view entry : absl::StrSplit(p.font_paths(), ':', absl::SkipEmpty())) {
    absl::StatusOr<std::string> path = ResolveUserPath(std::string(entry));
    if (!path.ok()) return FieldError("font_paths", std::string(path.status().message()));
    o.font_paths.push_back(*path);
  }
  if (o.font_paths.empty()) return FieldError("font_paths", "names no file or directory");
  return o;
}

absl::StatusOr<std::unique_ptr<Dataset>> Create(const GlyphsParams& p,
                                                const PluginContext& context) {
  absl::StatusOr<GlyphsOptions> options = Options(p, context);
  if (!options.ok()) return options.status();
  absl::StatusOr<std::unique_ptr<FontCollection>> fonts = FontCollection::Open(options->font_paths);
  if (!fonts.ok()) return FieldError("font_paths", std::string(fonts.status().message()));
  absl::StatusOr<std::unique_ptr<GlyphsDataset>> d = GlyphsDataset::Build(*options, **fonts);
  if (!d.ok()) return d.status();
  return std::unique_ptr<Dataset>(std::move(*d));
}

SIAMESE_REGISTER_PLUGIN(Dataset, "glyphs", siamese::glyphs, GlyphsParams,
                        "letters of many scripts (one class per letter) or Latin text (one class "
                        "per font face) rendered with FreeType from installed fonts, for "
                        "open-set experiments with hundreds of classes; images [1, H, W]",
                        &Create);

}  // namespace
}  // namespace siamese
