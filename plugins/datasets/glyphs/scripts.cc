#include "plugins/datasets/glyphs/scripts.h"

#include <initializer_list>
#include <utility>

#include "absl/strings/str_join.h"

namespace siamese {
namespace {

// The code points of the inclusive ranges, in order.
std::u32string Ranges(std::initializer_list<std::pair<char32_t, char32_t>> ranges) {
  std::u32string out;
  for (const auto& [first, last] : ranges) {
    for (char32_t c = first; c <= last; ++c) out.push_back(c);
  }
  return out;
}

// first, first + step, ... <= last.
std::u32string Every(char32_t first, char32_t last, char32_t step) {
  std::u32string out;
  for (char32_t c = first; c <= last; c += step) out.push_back(c);
  return out;
}

// `letters` without those of `drop`.
std::u32string Without(std::u32string letters, const std::u32string& drop) {
  for (char32_t c : drop) letters.erase(letters.find(c), 1);
  return letters;
}

std::u32string LatinLetters() {
  std::u32string out = Ranges({{U'a', U'z'}, {U'A', U'Z'}});
  out.erase(out.find(U'I'), 1);  // a bare stroke like l in sans-serif faces
  return out;
}

const char kNotoCore[] = "fonts-noto-core";
const char kNotoDejaVu[] = "fonts-noto-core, fonts-dejavu-core, fonts-dejavu-extra";

std::vector<GlyphScript>* MakeScripts() {
  return new std::vector<GlyphScript>{
      {"latin", LatinLetters(), "every default font package"},
      // Capitals unlike Latin ones, and lower case.
      {"greek", U"ΓΔΘΛΞΠΣΦΨΩαβγδεζηθλμξπσςτφψω", "fonts-noto-core and most Latin fonts"},
      // Capitals unlike Latin and Greek ones (А В Е К М Н О Р С Т Х; Г Л П Ф;
      // У is Latin Y), б (the rest of the lower case are small capitals),
      // and the Serbian, Macedonian and Ukrainian letters Ђ Є Љ Њ Ћ Џ Ґ.
      {"cyrillic", U"БДЖЗИЙЦЧШЩЪЫЬЭЮЯбЂЄЉЊЋЏҐ", "fonts-noto-core and most Latin fonts"},
      // Not ս, which Thai น draws alike (and Latin u).
      {"armenian", Without(Ranges({{0x531, 0x556}, {0x561, 0x586}}), U"ս"), kNotoDejaVu},
      // Not final nun ן, Latin l again.
      {"hebrew", Without(Ranges({{0x5D0, 0x5EA}}), U"ן"), kNotoDejaVu},
      // Isolated forms of the 28 letters but alef (a bare vertical stroke).
      {"arabic", U"بتثجحخدذرزسشصضطظعغفقكلمنهوي", kNotoDejaVu},
      {"thaana", Ranges({{0x780, 0x7A5}}), kNotoCore},
      // Not a (U+07CA), Latin l again.
      {"nko", Ranges({{0x7CB, 0x7EA}}), kNotoCore},
      // Brahmic scripts: independent vowels and consonants (x05-x39 of each block).
      {"devanagari", Ranges({{0x905, 0x939}}), kNotoCore},
      {"bengali", Ranges({{0x985, 0x9B9}}), kNotoCore},
      {"gurmukhi", Ranges({{0xA05, 0xA39}}), kNotoCore},
      {"gujarati", Ranges({{0xA85, 0xAB9}}), kNotoCore},
      {"oriya", Ranges({{0xB05, 0xB39}}), kNotoCore},
      {"tamil", Ranges({{0xB85, 0xBB9}}), kNotoCore},
      {"telugu", Ranges({{0xC05, 0xC39}}), kNotoCore},
      {"kannada", Ranges({{0xC85, 0xCB9}}), kNotoCore},
      {"malayalam", Ranges({{0xD05, 0xD3A}}), kNotoCore},
      {"sinhala", Ranges({{0xD85, 0xD96}, {0xD9A, 0xDC6}}), kNotoCore},
      // Consonants.
      {"thai", Ranges({{0xE01, 0xE2E}}), kNotoCore},
      // Many Lao consonants are Thai ones (ຕ ต, ບ บ, ດ ด): use at most one of
      // the two scripts.
      {"lao", Ranges({{0xE81, 0xEAE}}), kNotoCore},
      {"tibetan", Ranges({{0xF40, 0xF6C}}), kNotoCore},
      {"myanmar", Ranges({{0x1000, 0x102A}}), kNotoCore},
      // Asomtavruli (not Ⴖ, Armenian Ո), Mkhedruli (not its archaic letters),
      // Nuskhuri; not Mtavruli, which are Mkhedruli drawn as capitals.
      {"georgian", Without(Ranges({{0x10A0, 0x10C5}, {0x10D0, 0x10F0}, {0x2D00, 0x2D25}}), U"Ⴖ"),
       kNotoDejaVu},
      // The first-order syllable of each consonant (the other six orders add
      // small marks to it); not ዐ, Armenian Օ.
      {"ethiopic", Without(Every(0x1200, 0x1350, 8), U"ዐ"), kNotoCore},
      // Capitals (the lower case, U+AB70.., are small capitals).
      {"cherokee", Ranges({{0x13A0, 0x13F4}}), kNotoCore},
      // Every syllable: many differ only by a dot or their orientation.
      {"canadian_syllabics", Ranges({{0x1401, 0x166C}}), kNotoDejaVu},
      {"ogham", Ranges({{0x1681, 0x169A}}), kNotoDejaVu},
      {"khmer", Ranges({{0x1780, 0x17A2}}), kNotoCore},
      {"balinese", Ranges({{0x1B05, 0x1B33}}), kNotoCore},
      {"sundanese", Ranges({{0x1B83, 0x1BA0}}), kNotoCore},
      {"ol_chiki", Ranges({{0x1C5A, 0x1C77}}), kNotoCore},
      {"tifinagh", Ranges({{0x2D30, 0x2D67}}), kNotoDejaVu},
      // Letters (U+A6E6.. are the digits) but ꛟ, Latin V.
      {"bamum", Without(Ranges({{0xA6A0, 0xA6E5}}), U"ꛟ"), kNotoCore},
      {"kayah_li", Ranges({{0xA90A, 0xA925}}), kNotoCore},
      {"javanese", Ranges({{0xA984, 0xA9B2}}), kNotoCore},
      {"cham", Ranges({{0xAA00, 0xAA28}}), kNotoCore},
      {"adlam", Ranges({{0x1E900, 0x1E943}}), kNotoCore},
  };
}

}  // namespace

const std::vector<GlyphScript>& GlyphScripts() {
  static const std::vector<GlyphScript>* scripts = MakeScripts();
  return *scripts;
}

const GlyphScript* FindGlyphScript(const std::string& name) {
  for (const GlyphScript& s : GlyphScripts()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string GlyphScriptNames() {
  std::vector<std::string> names;
  for (const GlyphScript& s : GlyphScripts()) names.push_back(s.name);
  return absl::StrJoin(names, ", ");
}

const std::vector<std::string>& DefaultTrainScripts() {
  static const auto* names = new std::vector<std::string>{
      "latin",      "greek",    "cyrillic", "hebrew",   "arabic",    "thaana",    "nko",
      "devanagari", "gurmukhi", "gujarati", "oriya",    "telugu",    "malayalam", "sinhala",
      "tibetan",    "myanmar",  "khmer",    "balinese", "sundanese", "ol_chiki",  "bamum",
      "kayah_li",   "javanese", "cham",     "adlam",    "ogham"};
  return *names;
}

const std::vector<std::string>& DefaultTestScripts() {
  static const auto* names = new std::vector<std::string>{
      "armenian", "georgian", "ethiopic", "cherokee", "tifinagh", "thai", "bengali", "tamil"};
  return *names;
}

}  // namespace siamese
