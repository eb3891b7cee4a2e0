// Dataset "wordnet_glosses": WordNet glosses labeled by lexicographer file
// (see wordnet_glosses.proto). The parsing is exposed for tests.
#ifndef SIAMESE_PLUGINS_DATASETS_WORDNET_GLOSSES_WORDNET_GLOSSES_DATASET_H_
#define SIAMESE_PLUGINS_DATASETS_WORDNET_GLOSSES_WORDNET_GLOSSES_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace siamese {

// The 45 lexicographer file names of WordNet 3.0, index = lex_filenum
// (lexnames(5WN); Debian's wordnet-base ships no lexnames file).
const std::vector<std::string>& WordnetLexnames();

struct WordnetSynset {
  std::string offset;  // 8 digits, unique within its data file
  char ss_type = 0;    // n, v, a, s (adjective satellite) or r
  int lex_filenum = 0;
  std::string gloss;
};

// The synsets of one data file (data.noun, ...): every line except the
// license header (lines starting with two spaces). `types` lists the
// ss_type letters the file may hold. Errors: "<path>:<line>: <what>" for a
// line that is not "<8-digit offset> <2-digit lex_filenum 0..44> <ss_type>
// ... | <gloss>" or has an empty gloss; the system's reason naming the path
// when it cannot be read; "<path>: no synsets".
absl::StatusOr<std::vector<WordnetSynset>> ReadWordnetDataFile(const std::string& path,
                                                               const std::string& types);

// True when the synset belongs to the "test" split: FNV-1a 64 of offset +
// ss_type, as a fraction of 2^64, is below test_fraction.
bool WordnetInTestSplit(const WordnetSynset& synset, double test_fraction);

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_WORDNET_GLOSSES_WORDNET_GLOSSES_DATASET_H_
