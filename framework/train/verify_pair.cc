#include "framework/train/verify_pair.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/eval/verification.h"
#include "framework/io/run_dir.h"
#include "framework/train/embed_export.h"
#include "framework/train/evaluate.h"
#include "framework/train/new_inputs.h"

namespace siamese {
namespace {

// Loads the experiment's data on first use.
class InputResolver {
 public:
  explicit InputResolver(TrainedModel* model) : model_(model) {}

  absl::StatusOr<VerifyInput> Resolve(const std::string& input) {
    auto ref = ParseSplitRef(input);
    if (!ref.ok()) return ref.status();
    if (!ref->has_value()) return FromFile(input);
    return FromSplit(input, **ref);
  }

 private:
  // A file is read by the model's dataset's reader (new_inputs.h) and
  // must hold one input; anything else is text for the reader (a sentence,
  // a series of comma-separated values).
  absl::StatusOr<VerifyInput> FromFile(const std::string& input) {
    if (reader_ == nullptr) {
      auto reader = ModelInputReader(*model_);
      if (!reader.ok()) return reader.status();
      reader_ = std::move(*reader);
    }
    auto path = ResolveUserPath(input);
    if (!path.ok()) return path.status();
    std::error_code ec;
    NewInput in;
    if (std::filesystem::is_regular_file(*path, ec)) {
      auto inputs = reader_->ReadFile(*path, model_->example_shape());
      if (!inputs.ok()) return inputs.status();
      if (inputs->size() != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            *path, " holds ", inputs->size(), " inputs; verify compares one with one (write the "
            "one you mean on the command line, or embed them all with embed --inputs)"));
      }
      in = std::move((*inputs)[0]);
    } else {
      auto parsed = reader_->ParseText(input, model_->example_shape());
      if (!parsed.ok()) return parsed.status();
      in = std::move(*parsed);
    }
    if (static_cast<int64_t>(in.values.size()) != NumElements(model_->example_shape())) {
      return absl::InternalError(absl::StrCat(in.name, ": the reader made ", in.values.size(),
                                              " values for an example of ",
                                              ShapeToString(model_->example_shape())));
    }
    Tensor example = Tensor::FromVector(model_->example_shape(), in.values);
    return VerifyInput{in.name, example, std::nullopt};
  }

  absl::StatusOr<VerifyInput> FromSplit(const std::string& input, const SplitRef& ref) {
    if (!data_.has_value()) {
      auto data = LoadModelData(*model_);
      if (!data.ok()) return data.status();
      data_ = std::move(*data);
    }
    auto split = FindSplit(*data_, ref.split);
    if (!split.ok()) return split.status();
    const Split& s = **split;
    if (ref.index >= s.size()) {
      return absl::OutOfRangeError(absl::StrCat(input, ": the ", ref.split, " split has ", s.size(),
                                                " examples (indices 0..", s.size() - 1, ")"));
    }
    Tensor batch = MakeBatch(s, {ref.index}, Normalization{});
    VerifyInput out;
    out.example = batch.Reshape(model_->example_shape());
    out.label = s.labels[ref.index];
    const auto& names = model_->class_names();
    const bool named = *out.label >= 0 && *out.label < static_cast<int64_t>(names.size());
    out.description = absl::StrCat(input, " (label ", *out.label,
                                   named ? absl::StrCat(", ", names[*out.label]) : "", ")");
    return out;
  }

  TrainedModel* model_;
  std::optional<ExperimentData> data_;
  std::unique_ptr<InputReader> reader_;
};

}  // namespace

absl::StatusOr<std::optional<SplitRef>> ParseSplitRef(const std::string& input) {
  for (const char* split : {"train", "validation", "test"}) {
    const std::string prefix = absl::StrCat(split, ":");
    if (input.rfind(prefix, 0) != 0) continue;
    const std::string rest = input.substr(prefix.size());
    int64_t index = -1;
    if (rest.empty() || rest.find_first_not_of("0123456789") != std::string::npos ||
        !absl::SimpleAtoi(rest, &index)) {
      return absl::InvalidArgumentError(
          absl::StrCat(input, ": expected ", split, ":<index> with a non-negative example index"));
    }
    return std::optional<SplitRef>(SplitRef{split, index});
  }
  return std::optional<SplitRef>();
}

absl::StatusOr<std::vector<VerifyInput>> ResolveInputs(TrainedModel* model,
                                                       const std::vector<std::string>& inputs) {
  InputResolver resolver(model);
  std::vector<VerifyInput> out;
  out.reserve(inputs.size());
  for (const std::string& input : inputs) {
    auto resolved = resolver.Resolve(input);
    if (!resolved.ok()) return resolved.status();
    out.push_back(std::move(*resolved));
  }
  return out;
}

Tensor EmbedInputs(TrainedModel* model, const std::vector<VerifyInput>& inputs,
                   int64_t block_rows) {
  Shape shape = model->example_shape();
  const int64_t per = NumElements(shape);
  shape.insert(shape.begin(), static_cast<int64_t>(inputs.size()));
  Tensor examples = Tensor::Empty(shape);
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::memcpy(examples.data() + i * per, inputs[i].example.ToPlain().data(),
                per * sizeof(float));
  }
  return EmbedExamples(model, examples, block_rows);
}

absl::StatusOr<VerifyResult> VerifyPair(TrainedModel* model, const std::string& a,
                                        const std::string& b) {
  InputResolver resolver(model);
  VerifyResult result;
  auto in_a = resolver.Resolve(a);
  if (!in_a.ok()) return in_a.status();
  auto in_b = resolver.Resolve(b);
  if (!in_b.ok()) return in_b.status();
  result.a = std::move(*in_a);
  result.b = std::move(*in_b);

  Shape shape = model->example_shape();
  shape.insert(shape.begin(), 2);
  Tensor batch = Tensor::Empty(shape);
  const int64_t n = result.a.example.numel();
  std::memcpy(batch.data(), result.a.example.ToPlain().data(), n * sizeof(float));
  std::memcpy(batch.data() + n, result.b.example.ToPlain().data(), n * sizeof(float));
  Tensor embeddings = model->Embed(batch);
  // Computed as the threshold's calibration computed it.
  PairSet pair{{0}, {1}, {false}};
  auto d = PairDistances(embeddings, pair, model->distance());
  if (!d.ok()) return d.status();
  result.distance = (*d)[0];
  result.threshold = model->threshold();
  result.same = result.threshold.has_value() && result.distance <= *result.threshold;
  return result;
}

std::string FormatVerifyResult(const TrainedModel& model, const VerifyResult& r) {
  std::string out = absl::StrCat("a: ", r.a.description, "\nb: ", r.b.description, "\n");
  absl::StrAppendFormat(&out, "distance (%s): %.6g\n", model.distance().name(), r.distance);
  if (!r.threshold.has_value()) {
    absl::StrAppend(&out,
                    "threshold: none in the checkpoint (training did not finish, or the "
                    "validation split has fewer than 2 classes); no same/different decision\n");
    return out;
  }
  absl::StrAppendFormat(&out,
                        "threshold: %.6g (calibrated on the validation split; same iff distance "
                        "<= threshold)\n%s\n",
                        *r.threshold, r.same ? "same" : "different");
  return out;
}

}  // namespace siamese
