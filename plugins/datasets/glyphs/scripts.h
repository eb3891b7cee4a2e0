// The scripts of the "glyphs" dataset's character labeling: each is a named
// list of letters (Unicode code points), one class per letter.
//
// Letters that another script of the table draws alike are left out, or else
// two classes of a split would hold the same images: Greek and Cyrillic
// capitals that Latin (A, B, E, ...) or Greek (Cyrillic Г, П, Ф, Л) already
// has, Cyrillic lower case (mostly small capitals), Latin I, Hebrew final nun
// and N'Ko a (the same stroke as l), and the few others found by comparing
// unjittered renders of the default scripts (scripts.cc names each). Letters
// of one script that differ in a detail (Thai ข ช ซ) are kept, as are
// look-alikes on opposite sides of the default split (Latin o, Armenian օ).
// Combining marks, digits and punctuation are never listed. A code point
// that no font maps is skipped when the dataset is built, so ranges may
// include unassigned code points.
#ifndef SIAMESE_PLUGINS_DATASETS_GLYPHS_SCRIPTS_H_
#define SIAMESE_PLUGINS_DATASETS_GLYPHS_SCRIPTS_H_

#include <string>
#include <vector>

namespace siamese {

struct GlyphScript {
  std::string name;        // lower case, e.g. "latin", "canadian_syllabics"
  std::u32string letters;  // in class order; no code point twice in the table
  std::string fonts;       // the Debian packages that cover it (tools/setup.sh)
};

// Every script, in a fixed order. Each one has letters in at least two faces
// of the default fonts (checked by the tests).
const std::vector<GlyphScript>& GlyphScripts();

// The script named `name`, or nullptr.
const GlyphScript* FindGlyphScript(const std::string& name);

// "latin, greek, ..." (for error messages).
std::string GlyphScriptNames();

// The defaults of train_scripts and test_scripts: disjoint; Lao (many of
// Thai's letters) and Kannada (close to Telugu) are in neither.
const std::vector<std::string>& DefaultTrainScripts();
const std::vector<std::string>& DefaultTestScripts();

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_GLYPHS_SCRIPTS_H_
