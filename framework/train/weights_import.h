// Importing weights into an encoder (init.from_weights and
// init.from_checkpoint, framework/proto/experiment.proto InitConfig):
// renames the file's tensors (name_map), selects the encoder's tensors to
// load (include_prefixes), checks that both sides match and copies the
// values in.
//
//   InitConfig init;  // name_map { from_prefix: "features.0." to_prefix: "conv0." } ...
//   auto weights = ReadWeights("resnet.safetensors");
//   auto report = ImportWeights(*weights, "resnet.safetensors", init, encoder);
//   std::fprintf(stderr, "%s\n", report->Summary().c_str());
#ifndef SIAMESE_FRAMEWORK_TRAIN_WEIGHTS_IMPORT_H_
#define SIAMESE_FRAMEWORK_TRAIN_WEIGHTS_IMPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "framework/io/tensor_archive.h"
#include "framework/nn/module.h"
#include "framework/proto/experiment.pb.h"

namespace siamese {

// What an import did.
struct ImportReport {
  std::string path;
  int64_t loaded = 0;  // encoder tensors (parameters and buffers) loaded
  int64_t values = 0;  // their elements
  // Encoder tensors left at their initialization: outside include_prefixes
  // (`skipped`) or absent from the file under allow_missing (`missing`).
  std::vector<std::string> skipped;
  std::vector<std::string> missing;
  // File tensors not loaded (their file names): outside include_prefixes,
  // batch-norm counters, or matching nothing under allow_unused (`unused`).
  std::vector<std::string> ignored;
  std::vector<std::string> unused;

  // One line: "init: loaded 10 tensors (1234 values) from <path>; ...".
  std::string Summary() const;
};

// `name` with its longest matching name_map from_prefix replaced by its
// to_prefix (unchanged when none matches).
std::string MapWeightName(const std::string& name, const InitConfig& init);

// Loads `weights` (read from `path`, which errors name) into `encoder`'s
// parameters and buffers, as the file comment and InitConfig describe.
// Errors (nothing is loaded when one occurs), each naming `path` and the
// tensor (as in the file and as mapped): two file tensors mapped to one name
// (InvalidArgument); an encoder tensor the file lacks, unless allow_missing
// (NotFound, listing a few of the file's mapped names); a file tensor that
// matches no encoder tensor, unless allow_unused (InvalidArgument, listing
// the encoder's names); a shape mismatch (InvalidArgument, both shapes); an
// integer or boolean dtype, or a non-finite value (InvalidArgument /
// DataLoss); include_prefixes of which one matches no encoder tensor.
absl::StatusOr<ImportReport> ImportWeights(const TensorArchive& weights, const std::string& path,
                                           const InitConfig& init, Module* encoder);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_WEIGHTS_IMPORT_H_
