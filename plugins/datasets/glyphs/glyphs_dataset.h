// Dataset "glyphs": letters of many scripts (classes: letters) or Latin text
// (classes: font faces) rendered from installed fonts, for open-set
// experiments with many classes. glyphs.proto documents the classes, the
// splits and the random streams; glyph_render.h the images.
#ifndef SIAMESE_PLUGINS_DATASETS_GLYPHS_GLYPHS_DATASET_H_
#define SIAMESE_PLUGINS_DATASETS_GLYPHS_GLYPHS_DATASET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/core/dataset.h"
#include "framework/tensor/rng.h"
#include "plugins/datasets/glyphs/font_collection.h"
#include "plugins/datasets/glyphs/glyph_render.h"

namespace siamese {

struct GlyphsOptions {
  uint64_t seed = 0;  // the experiment's
  uint64_t seed_offset = 0;
  std::string split;                    // "train" or "test"
  bool by_font = false;                 // labeling "font" (else "character")
  std::vector<std::string> font_paths;  // as given, for error messages
  // character
  std::vector<std::string> train_scripts, test_scripts;
  int max_fonts_per_class = 6;
  int min_fonts_per_class = 2;
  int augmentations_per_font = 3;
  // font
  int examples_per_font = 12;
  int characters_per_example = 2;
  std::u32string font_characters;
  double test_fraction = 0.4;
  GlyphImageSpec image;
  GlyphJitterRanges jitter;
};

// FNV-1a 64 of the bytes of `s`.
uint64_t GlyphsFingerprint(const std::string& s);

// True when the face's family (by the first word of its name) is in the
// font labeling's "test" split.
bool GlyphsFamilyInTestSplit(const std::string& family, double test_fraction);

class GlyphsDataset : public Dataset {
 public:
  // S of glyphs.proto: Rng(seed).Fork(0x474C59).Fork(seed_offset).
  static Rng Stream(uint64_t seed, uint64_t seed_offset);

  // Chooses the classes of both sides and renders those of options.split.
  // Errors: InvalidArgument for another split; FieldError("train_scripts" or
  // "test_scripts") for a script that no face draws, FieldError("font_paths")
  // when the fonts give fewer than two font classes on a side. The messages
  // name the font paths searched. REQUIRES: the options are valid (Create
  // checks them).
  static absl::StatusOr<std::unique_ptr<GlyphsDataset>> Build(const GlyphsOptions& options,
                                                              const FontCollection& fonts);

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Shape example_shape() const override { return {1, height_, width_}; }
  const std::vector<int64_t>& labels() const override { return labels_; }
  std::vector<std::string> class_names() const override { return class_names_; }
  void CopyExample(int64_t i, float* dst) const override;
  std::vector<std::string> source_files() const override { return files_; }
  // Character labeling: a letter's super-class is its script, numbered as
  // the train scripts, then the test scripts, are listed; the font labeling
  // has none (empty).
  std::vector<int64_t> super_classes() const override { return super_classes_; }
  std::vector<std::string> super_class_names() const override { return super_class_names_; }

  // Classes [0, num_train_classes()) are the "train" split's.
  int64_t num_train_classes() const { return num_train_classes_; }
  // Per example, the face it was rendered in (an index into the
  // FontCollection's faces()) and the text rendered.
  const std::vector<int32_t>& example_faces() const { return example_faces_; }
  const std::vector<std::u32string>& example_texts() const { return example_texts_; }
  // Example i's bytes (0..255), height * width of them.
  const uint8_t* pixels(int64_t i) const { return pixels_.data() + i * height_ * width_; }

 private:
  absl::Status Render(const GlyphsOptions& options, const FontCollection& fonts, int64_t label,
                      int32_t face, const std::u32string& text, const GlyphJitter& jitter);

  int64_t height_ = 0, width_ = 0;
  int64_t num_train_classes_ = 0;
  std::vector<uint8_t> pixels_;  // [size(), height_, width_]
  std::vector<int64_t> labels_;
  std::vector<std::string> class_names_;
  std::vector<int64_t> super_classes_;
  std::vector<std::string> super_class_names_;
  std::vector<std::string> files_;
  std::vector<int32_t> example_faces_;
  std::vector<std::u32string> example_texts_;
};

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_GLYPHS_GLYPHS_DATASET_H_
