// The InputReader (framework/core/input_reader.h) of the text datasets: new
// sentences, from a text file (one per line; empty lines are skipped) or
// the command line, tokenized with the tokenizer saved in the model's
// dataset state, truncated and padded to max_length as training did.
#ifndef SIAMESE_PLUGINS_DATASETS_TEXT_COMMON_TEXT_INPUT_READER_H_
#define SIAMESE_PLUGINS_DATASETS_TEXT_COMMON_TEXT_INPUT_READER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "framework/core/input_reader.h"
#include "plugins/datasets/text_common/text_dataset.h"

namespace siamese {

// The reader of dataset `dataset` (its name, which tags its state) with
// the tokenizer of `state` (the "tokenizer" section PackState wrote).
// strip_whitespace: strip each sentence's surrounding ASCII whitespace
// first, for datasets that strip their own texts so (wordnet_glosses).
// Errors: InvalidArgument "<dataset>: dataset_state: ..." for an empty or
// damaged state, or one without a tokenizer of spec.kind.
absl::StatusOr<std::unique_ptr<InputReader>> MakeTextInputReader(const std::string& dataset,
                                                                 const TokenizerSpec& spec,
                                                                 const std::string& state,
                                                                 bool strip_whitespace = false);

}  // namespace siamese

#endif  // SIAMESE_PLUGINS_DATASETS_TEXT_COMMON_TEXT_INPUT_READER_H_
