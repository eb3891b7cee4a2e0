#include "framework/train/weights_export.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "framework/train/weights.h"

namespace siamese {

TensorArchive ExportableWeights(TrainedModel* model) {
  TensorArchive out = ModuleWeights(*model->encoder());
  const Experiment& cfg = model->experiment().config();
  out.metadata["format"] = "siamese";
  out.metadata["encoder"] = cfg.encoder().name();
  out.metadata["embedding_dim"] = absl::StrCat(model->embedding_dim());
  out.metadata["example_shape"] = absl::StrJoin(model->example_shape(), ",");
  out.metadata["input_mean"] = absl::StrCat(model->normalization().mean);
  out.metadata["input_std"] = absl::StrCat(model->normalization().std);
  out.metadata["checkpoint"] = model->path();
  out.metadata["experiment"] = model->experiment().ResolvedText();
  return out;
}

absl::StatusOr<std::string> ExportWeights(const std::string& checkpoint_path,
                                          const std::string& output_path) {
  auto model = TrainedModel::Load(checkpoint_path);
  if (!model.ok()) return model.status();
  const TensorArchive weights = ExportableWeights(model->get());
  if (absl::Status s = WriteWeights(output_path, weights); !s.ok()) return s;
  int64_t values = 0;
  for (const ArchiveTensor& t : weights.tensors) values += static_cast<int64_t>(t.data.size());
  return absl::StrCat("wrote ", weights.tensors.size(), " tensors (", values,
                      " values) of encoder \"", weights.metadata.at("encoder"), "\" to ",
                      output_path);
}

}  // namespace siamese
