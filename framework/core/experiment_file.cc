#include "framework/core/experiment_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "framework/core/registry.h"
#include "google/protobuf/io/tokenizer.h"

namespace siamese {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

// The field name written at the start of a line ("  threads: x" -> "threads").
std::string FieldOnLine(const std::string& text, int line) {
  std::istringstream in(text);
  std::string s;
  for (int i = 0; i <= line && std::getline(in, s); ++i) {
  }
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_first_of(" \t:{", b);
  return s.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

// Keeps the first error as "file:line:col: message (field "f")".
class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  CollectErrors(std::string prefix, const std::string& text)
      : prefix_(std::move(prefix)), text_(text) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!first_.empty()) return;
    first_ = absl::StrCat(prefix_, ":", line + 1, ":", column + 1, ": ", message);
    const std::string field = FieldOnLine(text_, line);
    if (!field.empty() && message.find("\"" + field + "\"") == std::string::npos) {
      absl::StrAppend(&first_, " (field \"", field, "\")");
    }
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string prefix_;
  const std::string& text_;
  std::string first_;
};

const FieldDescriptor* FindField(const Message& m, const std::string& name) {
  const Descriptor* d = m.GetDescriptor();
  if (!name.empty() && name.front() == '[') {
    std::string full = name.substr(1, name.size() - 2);
    const FieldDescriptor* f = d->file()->pool()->FindExtensionByName(full);
    if (f == nullptr)
      f = google::protobuf::DescriptorPool::generated_pool()->FindExtensionByName(full);
    return f;
  }
  return d->FindFieldByName(name);
}

// Location of field_path in `tree` over message `root`, or {-1, -1}.
std::pair<int, int> Find(const TextFormat::ParseInfoTree* tree, const Message& root,
                         const std::vector<std::string>& field_path) {
  const Message* m = &root;
  for (size_t i = 0; i < field_path.size() && tree != nullptr; ++i) {
    const FieldDescriptor* f = FindField(*m, field_path[i]);
    if (f == nullptr) return {-1, -1};
    if (i + 1 == field_path.size()) {
      auto loc = tree->GetLocation(f, f->is_repeated() ? 0 : -1);
      return {loc.line, loc.column};
    }
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) return {-1, -1};
    tree = tree->GetTreeForNested(f, -1);
    m = &m->GetReflection()->GetMessage(*m, f);
  }
  return {-1, -1};
}

}  // namespace

void MergeOverride(const Message& from, Message* to) {
  const Reflection* rf = from.GetReflection();
  const Reflection* rt = to->GetReflection();
  const Descriptor* d = from.GetDescriptor();
  // A different plugin name drops the previous plugin's parameters.
  const FieldDescriptor* name = d->FindFieldByName("name");
  if (name != nullptr && d->extension_range_count() > 0 && rf->HasField(from, name) &&
      rf->GetString(from, name) != rt->GetString(*to, name)) {
    std::vector<const FieldDescriptor*> fields;
    rt->ListFields(*to, &fields);
    for (const FieldDescriptor* f : fields) {
      if (f->is_extension()) rt->ClearField(to, f);
    }
  }
  std::vector<const FieldDescriptor*> fields;
  rf->ListFields(from, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->is_repeated()) {
      rt->ClearField(to, f);
      for (int i = 0; i < rf->FieldSize(from, f); ++i) {
        switch (f->cpp_type()) {
#define SIAMESE_COPY_REPEATED(CPPTYPE, Type)                 \
  case FieldDescriptor::CPPTYPE:                             \
    rt->Add##Type(to, f, rf->GetRepeated##Type(from, f, i)); \
    break;
          SIAMESE_COPY_REPEATED(CPPTYPE_INT32, Int32)
          SIAMESE_COPY_REPEATED(CPPTYPE_INT64, Int64)
          SIAMESE_COPY_REPEATED(CPPTYPE_UINT32, UInt32)
          SIAMESE_COPY_REPEATED(CPPTYPE_UINT64, UInt64)
          SIAMESE_COPY_REPEATED(CPPTYPE_FLOAT, Float)
          SIAMESE_COPY_REPEATED(CPPTYPE_DOUBLE, Double)
          SIAMESE_COPY_REPEATED(CPPTYPE_BOOL, Bool)
          SIAMESE_COPY_REPEATED(CPPTYPE_STRING, String)
          SIAMESE_COPY_REPEATED(CPPTYPE_ENUM, Enum)
#undef SIAMESE_COPY_REPEATED
          case FieldDescriptor::CPPTYPE_MESSAGE:
            rt->AddMessage(to, f)->CopyFrom(rf->GetRepeatedMessage(from, f, i));
            break;
        }
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      MergeOverride(rf->GetMessage(from, f), rt->MutableMessage(to, f));
    } else {
      switch (f->cpp_type()) {
#define SIAMESE_COPY_SINGLE(CPPTYPE, Type)        \
  case FieldDescriptor::CPPTYPE:                  \
    rt->Set##Type(to, f, rf->Get##Type(from, f)); \
    break;
        SIAMESE_COPY_SINGLE(CPPTYPE_INT32, Int32)
        SIAMESE_COPY_SINGLE(CPPTYPE_INT64, Int64)
        SIAMESE_COPY_SINGLE(CPPTYPE_UINT32, UInt32)
        SIAMESE_COPY_SINGLE(CPPTYPE_UINT64, UInt64)
        SIAMESE_COPY_SINGLE(CPPTYPE_FLOAT, Float)
        SIAMESE_COPY_SINGLE(CPPTYPE_DOUBLE, Double)
        SIAMESE_COPY_SINGLE(CPPTYPE_BOOL, Bool)
        SIAMESE_COPY_SINGLE(CPPTYPE_STRING, String)
        SIAMESE_COPY_SINGLE(CPPTYPE_ENUM, Enum)
#undef SIAMESE_COPY_SINGLE
        default:
          break;
      }
    }
  }
}

absl::StatusOr<std::unique_ptr<ExperimentFile>> ExperimentFile::Load(
    const std::string& path, const std::vector<std::string>& overrides) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory; give the experiment file (a .pbtxt) itself"));
  }
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open experiment file: ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  return Parse(path, text.str(), overrides);
}

absl::StatusOr<std::unique_ptr<ExperimentFile>> ExperimentFile::Parse(
    const std::string& path, const std::string& text, const std::vector<std::string>& overrides) {
  // A binary file (a checkpoint given by mistake) would otherwise make the
  // parser echo its bytes.
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t')) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: not a text file (byte 0x%02x at offset %d); an experiment file is protobuf text "
          "format (framework/proto/experiment.proto)",
          path, c, i));
    }
  }
  auto file = std::unique_ptr<ExperimentFile>(new ExperimentFile);
  file->path_ = path;
  {
    CollectErrors errors(path, text);
    TextFormat::Parser parser;
    parser.RecordErrorsTo(&errors);
    parser.WriteLocationsTo(&file->tree_);
    if (!parser.ParseFromString(text, &file->config_)) {
      return absl::InvalidArgumentError(errors.first());
    }
  }
  for (size_t i = 0; i < overrides.size(); ++i) {
    CollectErrors errors(absl::StrCat("override ", i + 1, " (\"", overrides[i], "\")"),
                         overrides[i]);
    TextFormat::Parser parser;
    parser.RecordErrorsTo(&errors);
    auto tree = std::make_unique<TextFormat::ParseInfoTree>();
    parser.WriteLocationsTo(tree.get());
    Experiment fragment;
    if (!parser.ParseFromString(overrides[i], &fragment)) {
      return absl::InvalidArgumentError(errors.first());
    }
    MergeOverride(fragment, &file->config_);
    file->override_trees_.push_back(std::move(tree));
  }
  if (absl::Status s = file->Validate(); !s.ok()) return s;
  return file;
}

std::string ExperimentFile::Where(const std::vector<std::string>& field_path) const {
  // The last override that wrote the field wins; then the file.
  for (int i = static_cast<int>(override_trees_.size()) - 1; i >= 0; --i) {
    auto [line, col] = Find(override_trees_[i].get(), config_, field_path);
    if (line >= 0) return absl::StrCat("override ", i + 1, ": ");
  }
  auto [line, col] = Find(&tree_, config_, field_path);
  if (line >= 0) return absl::StrCat(path_, ":", line + 1, ":", col + 1, ": ");
  return absl::StrCat(path_, ": ");
}

absl::Status ExperimentFile::Error(const std::vector<std::string>& field_path,
                                   const std::string& message) const {
  return absl::InvalidArgumentError(
      absl::StrCat(Where(field_path), absl::StrJoin(field_path, "."), ": ", message));
}

absl::Status ExperimentFile::Locate(const std::string& section, const absl::Status& status) const {
  if (status.ok()) return status;
  const std::string field = ErrorField(status);
  if (field.empty()) {
    return absl::Status(status.code(),
                        absl::StrCat(Where({section}), section, ": ", status.message()));
  }
  // The plugin's parameters are the one extension set in the section.
  const Message& root = config_;
  const FieldDescriptor* sf = root.GetDescriptor()->FindFieldByName(section);
  std::vector<std::string> path = {section};
  if (sf != nullptr) {
    const Message& sec = root.GetReflection()->GetMessage(root, sf);
    std::vector<const FieldDescriptor*> fields;
    sec.GetReflection()->ListFields(sec, &fields);
    for (const FieldDescriptor* f : fields) {
      if (f->is_extension()) path.push_back("[" + f->full_name() + "]");
    }
  }
  path.push_back(field);
  return absl::Status(status.code(), absl::StrCat(Where(path), section, ".", status.message()));
}

std::string ExperimentFile::ResolvedText() const {
  std::string out;
  TextFormat::Printer printer;
  printer.PrintToString(config_, &out);
  return out;
}

absl::Status ExperimentFile::Validate() const {
  const Experiment& c = config_;
  if (c.threads() < 1) return Error({"threads"}, absl::StrCat("must be >= 1, got ", c.threads()));
  if (c.embedding_dim() < 1) {
    return Error({"embedding_dim"}, absl::StrCat("must be >= 1, got ", c.embedding_dim()));
  }
  const float vf = c.data().validation_fraction();
  if (!(vf >= 0.0f && vf < 1.0f)) {
    return Error({"data", "validation_fraction"}, absl::StrCat("must be in [0, 1), got ", vf));
  }
  const TrainingConfig& t = c.training();
  if (t.batch_size() < 2) {
    return Error({"training", "batch_size"}, absl::StrCat("must be >= 2, got ", t.batch_size()));
  }
  if (t.epochs() < 0)
    return Error({"training", "epochs"}, absl::StrCat("must be >= 0, got ", t.epochs()));
  if (t.steps() < 0)
    return Error({"training", "steps"}, absl::StrCat("must be >= 0, got ", t.steps()));
  if (t.steps() == 0 && t.epochs() == 0) {
    return Error({"training", "epochs"}, "one of epochs or steps must be > 0");
  }
  if (t.log_every() < 1) {
    return Error({"training", "log_every"}, absl::StrCat("must be >= 1, got ", t.log_every()));
  }
  if (t.eval_every() < 0) {
    return Error({"training", "eval_every"}, absl::StrCat("must be >= 0, got ", t.eval_every()));
  }
  if (t.checkpoint_every() < 0) {
    return Error({"training", "checkpoint_every"},
                 absl::StrCat("must be >= 0, got ", t.checkpoint_every()));
  }
  const float lr = c.optimizer().learning_rate();
  if (!(lr > 0.0f && std::isfinite(lr))) {
    return Error({"optimizer", "learning_rate"}, absl::StrCat("must be finite and > 0, got ", lr));
  }
  const float multiplier = c.loss().learning_rate_multiplier();
  if (!(multiplier >= 0.0f && std::isfinite(multiplier))) {
    return Error({"loss", "learning_rate_multiplier"},
                 absl::StrCat("must be finite and >= 0, got ", multiplier));
  }
  const EmbeddingRegularizer& reg = c.loss().embedding_regularizer();
  if (!(reg.weight() >= 0.0f && std::isfinite(reg.weight()))) {
    return Error({"loss", "embedding_regularizer", "weight"},
                 absl::StrCat("must be finite and >= 0, got ", reg.weight()));
  }
  if (reg.p() != 1 && reg.p() != 2) {
    return Error({"loss", "embedding_regularizer", "p"},
                 absl::StrCat("must be 1 or 2, got ", reg.p()));
  }
  if (reg.power() != 1 && reg.power() != 2) {
    return Error({"loss", "embedding_regularizer", "power"},
                 absl::StrCat("must be 1 or 2, got ", reg.power()));
  }
  const EvaluationConfig& e = c.evaluation();
  if (e.knn_k() < 1)
    return Error({"evaluation", "knn_k"}, absl::StrCat("must be >= 1, got ", e.knn_k()));
  if (e.verification_pairs() < 1) {
    return Error({"evaluation", "verification_pairs"},
                 absl::StrCat("must be >= 1, got ", e.verification_pairs()));
  }
  if (e.block_rows() < 1) {
    return Error({"evaluation", "block_rows"}, absl::StrCat("must be >= 1, got ", e.block_rows()));
  }
  for (int k : c.evaluation().recall_at()) {
    if (k < 1) return Error({"evaluation", "recall_at"}, absl::StrCat("must be >= 1, got ", k));
  }
  return absl::OkStatus();
}

}  // namespace siamese
