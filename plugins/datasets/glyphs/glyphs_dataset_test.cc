#include "plugins/datasets/glyphs/glyphs_dataset.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "plugins/datasets/glyphs/glyphs.pb.h"
#include "plugins/datasets/glyphs/scripts.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

constexpr char kDejaVuSans[] = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

absl::StatusOr<std::unique_ptr<Dataset>> Make(const std::string& params, const std::string& split,
                                              uint64_t seed = 1) {
  DatasetConfig c;
  const std::string text = "name: \"glyphs\" [siamese.glyphs] { " + params + " }";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  PluginContext context;
  context.split = split;
  context.seed = seed;
  return Registry<Dataset>::Create(c, context);
}

const GlyphsDataset& AsGlyphs(const std::unique_ptr<Dataset>& d) {
  return dynamic_cast<const GlyphsDataset&>(*d);
}

std::vector<float> AllValues(const Dataset& d) {
  const int64_t n = NumElements(d.example_shape());
  std::vector<float> x(d.size() * n);
  for (int64_t i = 0; i < d.size(); ++i) d.CopyExample(i, x.data() + i * n);
  return x;
}

// Both splits: the same class list, each labeling its own side only.
void ExpectDisjointSplits(const Dataset& train, const Dataset& test) {
  ASSERT_EQ(train.class_names(), test.class_names());
  const std::vector<std::string> names = train.class_names();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  const int64_t boundary = dynamic_cast<const GlyphsDataset&>(train).num_train_classes();
  EXPECT_EQ(boundary, dynamic_cast<const GlyphsDataset&>(test).num_train_classes());
  std::set<int64_t> train_labels(train.labels().begin(), train.labels().end());
  std::set<int64_t> test_labels(test.labels().begin(), test.labels().end());
  EXPECT_EQ(static_cast<int64_t>(train_labels.size()), boundary);  // every class has examples
  EXPECT_EQ(*train_labels.rbegin(), boundary - 1);
  EXPECT_EQ(static_cast<int64_t>(test_labels.size()),
            static_cast<int64_t>(names.size()) - boundary);
  EXPECT_EQ(*test_labels.begin(), boundary);
  // Ordered by class.
  EXPECT_TRUE(std::is_sorted(train.labels().begin(), train.labels().end()));
  EXPECT_TRUE(std::is_sorted(test.labels().begin(), test.labels().end()));
}

TEST(GlyphsDatasetTest, DefaultCharacterSplitsAreLargeDisjointAndFast) {
  const auto start = std::chrono::steady_clock::now();
  auto train = Make("", "train");
  ASSERT_TRUE(train.ok()) << train.status() << " (run tools/setup.sh)";
  auto test = Make("", "test");
  ASSERT_TRUE(test.ok()) << test.status();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("default character splits: %lld + %lld examples, %zu classes, %.2f s\n",
              static_cast<long long>((*train)->size()), static_cast<long long>((*test)->size()),
              (*train)->class_names().size(), seconds);
  EXPECT_LT(seconds, 30.0);  // about 0.5 s on 2 cores
  ExpectDisjointSplits(**train, **test);
  const int64_t train_classes = AsGlyphs(*train).num_train_classes();
  EXPECT_GE(train_classes, 900);
  EXPECT_GE(static_cast<int64_t>((*test)->class_names().size()) - train_classes, 300);
  EXPECT_EQ((*train)->example_shape(), (Shape{1, 32, 32}));
  EXPECT_EQ((*train)->class_names()[0], "latin U+0061");
  EXPECT_EQ((*test)->class_names()[train_classes], "armenian U+0531");
  // Up to 6 faces x 3 renders per letter, at least 2 faces.
  std::map<int64_t, int> counts;
  for (int64_t label : (*test)->labels()) ++counts[label];
  for (const auto& [label, n] : counts) {
    EXPECT_TRUE(n % 3 == 0 && n >= 6 && n <= 18) << label << ": " << n;
  }
  // Every file with a face kept, for the manifest.
  EXPECT_GT((*train)->source_files().size(), 100u);
  EXPECT_EQ((*train)->source_files(), (*test)->source_files());
}

TEST(GlyphsDatasetTest, DefaultFontSplitsAreLargeAndSplitByFamily) {
  auto train = Make("labeling: \"font\"", "train");
  ASSERT_TRUE(train.ok()) << train.status() << " (run tools/setup.sh)";
  auto test = Make("labeling: \"font\"", "test");
  ASSERT_TRUE(test.ok()) << test.status();
  ExpectDisjointSplits(**train, **test);
  const int64_t train_classes = AsGlyphs(*train).num_train_classes();
  const std::vector<std::string> names = (*train)->class_names();
  EXPECT_GE(train_classes, 200);
  EXPECT_GE(static_cast<int64_t>(names.size()) - train_classes, 100);
  // No family group (first word) on both sides.
  std::map<std::string, std::set<bool>> sides;
  for (size_t c = 0; c < names.size(); ++c) {
    sides[names[c].substr(0, names[c].find(' '))].insert(static_cast<int64_t>(c) >= train_classes);
  }
  for (const auto& [group, in] : sides) EXPECT_EQ(in.size(), 1u) << group;
  EXPECT_GT(sides.size(), 30u);
  EXPECT_EQ((*train)->size(), train_classes * 12);
  for (const std::u32string& text : AsGlyphs(*train).example_texts()) EXPECT_EQ(text.size(), 2u);
}

TEST(GlyphsDatasetTest, CharacterSuperClassesAreTheScripts) {
  const std::string p =
      "train_scripts: \"greek\" train_scripts: \"hebrew\" test_scripts: \"armenian\" ";
  auto train = Make(p, "train");
  ASSERT_TRUE(train.ok()) << train.status();
  auto test = Make(p, "test");
  ASSERT_TRUE(test.ok()) << test.status();
  const std::vector<std::string> scripts = {"greek", "hebrew", "armenian"};
  for (const auto* d : {&*train, &*test}) {
    EXPECT_EQ((*d)->super_class_names(), scripts);
    const std::vector<int64_t> super = (*d)->super_classes();
    const std::vector<std::string> names = (*d)->class_names();
    ASSERT_EQ(super.size(), names.size());
    for (size_t c = 0; c < names.size(); ++c) {
      // "<script> U+XXXX": the class's script is its super-class.
      EXPECT_EQ(scripts[super[c]], names[c].substr(0, names[c].find(' '))) << names[c];
    }
    EXPECT_TRUE(std::is_sorted(super.begin(), super.end()));
    EXPECT_EQ(std::set<int64_t>(super.begin(), super.end()), (std::set<int64_t>{0, 1, 2}));
  }
  // The font labeling has none.
  auto fonts = Make("labeling: \"font\" examples_per_font: 1", "train");
  ASSERT_TRUE(fonts.ok()) << fonts.status();
  EXPECT_TRUE((*fonts)->super_classes().empty());
  EXPECT_TRUE((*fonts)->super_class_names().empty());
}

TEST(GlyphsDatasetTest, DeterministicPerSeedAndOffset) {
  const std::string p = "train_scripts: \"greek\" test_scripts: \"armenian\" ";
  const auto a = AllValues(**Make(p, "test", 3));
  EXPECT_EQ(a, AllValues(**Make(p, "test", 3)));
  EXPECT_NE(a, AllValues(**Make(p, "test", 4)));
  EXPECT_NE(a, AllValues(**Make(p + "seed_offset: 1", "test", 3)));
  // A letter's renders depend on the letter, not on the other scripts.
  const auto alone =
      AllValues(**Make("train_scripts: \"latin\" test_scripts: \"armenian\"", "test", 3));
  EXPECT_EQ(a, alone);
  const std::string f = "labeling: \"font\" examples_per_font: 2 ";
  EXPECT_EQ(AllValues(**Make(f, "train", 3)), AllValues(**Make(f, "train", 3)));
}

TEST(GlyphsDatasetTest, ExampleIsTheDocumentedStream) {
  auto d = Make("train_scripts: \"greek\" test_scripts: \"georgian\" seed_offset: 5", "test", 7);
  ASSERT_TRUE(d.ok()) << d.status();
  const GlyphsDataset& g = AsGlyphs(*d);
  std::vector<std::string> paths = absl::StrSplit(GlyphsParams().font_paths(), ':');
  auto fonts = FontCollection::Open(paths);
  ASSERT_TRUE(fonts.ok()) << fonts.status();
  const GlyphsParams p;  // the defaults, as the plugin reads them (floats)
  const GlyphJitterRanges ranges{p.rotation_degrees(), p.shear(), p.scale_jitter(), p.translation(),
                                 p.stroke()};
  const GlyphImageSpec spec{p.height(), p.width(), p.em_size(), p.margin()};
  // Examples 0..: the first letter (Ⴀ, U+10A0), j = 0, 1, ...
  for (int64_t j : {0, 1, 4}) {
    Rng rng = GlyphsDataset::Stream(7, 5).Fork(2).Fork(0x10A0).Fork(j);
    const GlyphJitter jitter = DrawGlyphJitter(ranges, &rng);
    auto want = RenderGlyphs((*fonts)->faces()[g.example_faces()[j]].face, U"\u10A0", spec, jitter);
    ASSERT_TRUE(want.ok()) << want.status();
    EXPECT_TRUE(std::equal(want->begin(), want->end(), g.pixels(j))) << j;
    // 3 renders per face.
    EXPECT_EQ(g.example_faces()[j], g.example_faces()[j / 3 * 3]);
  }
  EXPECT_EQ((*d)->class_names()[g.num_train_classes()], "georgian U+10A0");
}

TEST(GlyphsDatasetTest, FacesPerLetter) {
  auto d = Make(
      "train_scripts: \"latin\" test_scripts: \"greek\" max_fonts_per_class: 4 "
      "augmentations_per_font: 2",
      "train");
  ASSERT_TRUE(d.ok()) << d.status();
  const GlyphsDataset& g = AsGlyphs(*d);
  std::map<int64_t, std::set<int32_t>> faces;
  for (int64_t i = 0; i < g.size(); ++i) faces[g.labels()[i]].insert(g.example_faces()[i]);
  EXPECT_EQ(g.size(), g.num_train_classes() * 4 * 2);
  for (const auto& [label, f] : faces) EXPECT_EQ(f.size(), 4u);
  EXPECT_NE(faces[0], faces[1]);  // each letter its own draw of faces
}

TEST(GlyphsDatasetTest, ImageSizeAndValues) {
  auto d =
      Make("train_scripts: \"greek\" test_scripts: \"armenian\" height: 24 width: 40", "train");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)->example_shape(), (Shape{1, 24, 40}));
  const auto x = AllValues(**d);
  EXPECT_EQ(*std::min_element(x.begin(), x.end()), 0.0f);
  EXPECT_EQ(*std::max_element(x.begin(), x.end()), 1.0f);
}

TEST(GlyphsDatasetTest, ScriptTable) {
  std::set<char32_t> seen;
  for (const GlyphScript& s : GlyphScripts()) {
    for (char32_t c : s.letters) EXPECT_TRUE(seen.insert(c).second) << s.name << " " << int(c);
  }
  std::set<std::string> train(DefaultTrainScripts().begin(), DefaultTrainScripts().end());
  for (const std::string& name : DefaultTestScripts()) EXPECT_EQ(train.count(name), 0u) << name;
  for (const auto* list : {&DefaultTrainScripts(), &DefaultTestScripts()}) {
    for (const std::string& name : *list) EXPECT_NE(FindGlyphScript(name), nullptr) << name;
  }
  // Every script of the table has letters in the default fonts.
  std::vector<std::string> all;
  for (const GlyphScript& s : GlyphScripts()) {
    if (s.name != "latin") all.push_back("\"" + s.name + "\"");
  }
  auto d = Make("train_scripts: \"latin\" test_scripts: [" + absl::StrJoin(all, ", ") +
                    "] augmentations_per_font: 1 max_fonts_per_class: 2",
                "train");
  ASSERT_TRUE(d.ok()) << d.status();
  std::map<std::string, int> per_script;
  for (const std::string& name : (*d)->class_names()) ++per_script[name.substr(0, name.find(' '))];
  for (const GlyphScript& s : GlyphScripts()) EXPECT_GE(per_script[s.name], 20) << s.name;
}

TEST(GlyphsDatasetTest, ParameterErrorsNameTheField) {
  auto field = [](const std::string& params) { return ErrorField(Make(params, "train").status()); };
  EXPECT_EQ(field("labeling: \"word\""), "labeling");
  EXPECT_EQ(field("height: 4"), "height");
  EXPECT_EQ(field("width: 1000"), "width");
  EXPECT_EQ(field("em_size: 0"), "em_size");
  EXPECT_EQ(field("margin: 16"), "margin");
  EXPECT_EQ(field("max_fonts_per_class: 0"), "max_fonts_per_class");
  EXPECT_EQ(field("max_fonts_per_class: 2 min_fonts_per_class: 3"), "min_fonts_per_class");
  EXPECT_EQ(field("augmentations_per_font: 0"), "augmentations_per_font");
  EXPECT_EQ(field("examples_per_font: 0"), "examples_per_font");
  EXPECT_EQ(field("characters_per_example: 17"), "characters_per_example");
  EXPECT_EQ(field("test_fraction: 1"), "test_fraction");
  EXPECT_EQ(field("rotation_degrees: -1"), "rotation_degrees");
  EXPECT_EQ(field("shear: 1"), "shear");
  EXPECT_EQ(field("scale_jitter: 0.5"), "scale_jitter");
  EXPECT_EQ(field("translation: 0.6"), "translation");
  EXPECT_EQ(field("stroke: 0.2"), "stroke");
  EXPECT_EQ(field("font_characters: \"aaa\""), "font_characters");
  EXPECT_EQ(field("font_characters: \"ab\\377\""), "font_characters");
  EXPECT_EQ(field("font_paths: \"::\""), "font_paths");

  const absl::Status unknown = Make("train_scripts: \"klingon\"", "train").status();
  EXPECT_EQ(ErrorField(unknown), "train_scripts");
  EXPECT_THAT(unknown.message(), HasSubstr("\"klingon\""));
  EXPECT_THAT(unknown.message(), HasSubstr("latin, greek"));
  EXPECT_EQ(field("train_scripts: [\"latin\", \"latin\"]"), "train_scripts");
  const absl::Status overlap =
      Make("train_scripts: [\"latin\", \"thai\"] test_scripts: \"thai\"", "test").status();
  EXPECT_EQ(ErrorField(overlap), "test_scripts");
  EXPECT_THAT(overlap.message(), HasSubstr("\"thai\""));
  EXPECT_FALSE(Make("", "validation").ok());
}

TEST(GlyphsDatasetTest, FontErrorsNameThePaths) {
  const absl::Status missing =
      Make("font_paths: \"/usr/share/fonts/truetype/dejavu:/nonexistent/fonts\"", "train").status();
  EXPECT_EQ(ErrorField(missing), "font_paths");
  EXPECT_THAT(missing.message(), HasSubstr("/nonexistent/fonts"));

  const std::string dir = ::testing::TempDir() + "/glyphs_fonts";
  std::filesystem::create_directories(dir + "/empty");
  const absl::Status empty = Make("font_paths: \"" + dir + "/empty\"", "train").status();
  EXPECT_EQ(ErrorField(empty), "font_paths");
  EXPECT_THAT(empty.message(), HasSubstr(dir + "/empty: no font files"));

  // A truncated font file: its name and FreeType's complaint.
  std::filesystem::create_directories(dir + "/broken");
  {
    std::ifstream in(kDejaVuSans, std::ios::binary);
    std::string head(1000, '\0');
    in.read(&head[0], head.size());
    std::ofstream(dir + "/broken/Truncated.ttf", std::ios::binary) << head;
  }
  const absl::Status broken = Make("font_paths: \"" + dir + "/broken\"", "train").status();
  EXPECT_EQ(ErrorField(broken), "font_paths");
  EXPECT_THAT(broken.message(), HasSubstr(dir + "/broken/Truncated.ttf"));

  // Too few fonts: the script without letters and the paths searched.
  const absl::Status few =
      Make(std::string("font_paths: \"") + kDejaVuSans +
               "\" train_scripts: \"latin\" test_scripts: \"ethiopic\" min_fonts_per_class: 1",
           "train")
          .status();
  EXPECT_EQ(ErrorField(few), "test_scripts");
  EXPECT_THAT(few.message(), HasSubstr("\"ethiopic\""));
  EXPECT_THAT(few.message(), HasSubstr(kDejaVuSans));
  const absl::Status one_face =
      Make(std::string("labeling: \"font\" font_paths: \"") + kDejaVuSans + "\"", "train").status();
  EXPECT_EQ(ErrorField(one_face), "font_paths");
  EXPECT_THAT(one_face.message(), HasSubstr(kDejaVuSans));
  // One font file is enough for min_fonts_per_class: 1.
  EXPECT_TRUE(Make(std::string("font_paths: \"") + kDejaVuSans +
                       "\" train_scripts: \"latin\" test_scripts: \"greek\" min_fonts_per_class: 1",
                   "test")
                  .ok());
}

}  // namespace
}  // namespace siamese
