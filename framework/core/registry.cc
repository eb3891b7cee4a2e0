#include "framework/core/registry.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_split.h"

namespace siamese {
namespace {
constexpr char kFieldPayload[] = "siamese/field";
}  // namespace

absl::Status FieldError(const std::string& field, const std::string& message) {
  absl::Status s = absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
  s.SetPayload(kFieldPayload, absl::Cord(field));
  return s;
}

std::string ErrorField(const absl::Status& status) {
  auto payload = status.GetPayload(kFieldPayload);
  return payload.has_value() ? std::string(*payload) : std::string();
}

namespace {

using google::protobuf::FieldDescriptor;

std::string DefaultOf(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(f->default_value_float());
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(f->default_value_double());
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(f->default_value_int32());
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(f->default_value_int64());
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(f->default_value_uint32());
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(f->default_value_uint64());
    case FieldDescriptor::CPPTYPE_BOOL:
      return f->default_value_bool() ? "true" : "false";
    case FieldDescriptor::CPPTYPE_STRING:
      return absl::StrCat("\"", f->default_value_string(), "\"");
    case FieldDescriptor::CPPTYPE_ENUM:
      return f->default_value_enum()->name();
    default:
      return "";
  }
}

// `text` wrapped at 80 columns, each line indented by `indent`.
void AppendWrapped(const std::string& text, int indent, std::string* out) {
  std::string line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > 80) {
      absl::StrAppend(out, std::string(indent, ' '), line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  if (!line.empty()) absl::StrAppend(out, std::string(indent, ' '), line, "\n");
}

// One line per field: name (type) = default; nested messages indented.
// Repeated fields have no proto default: when empty, the plugin's own
// documented default applies.
void DescribeFields(const google::protobuf::Descriptor* d, int indent,
                    const std::map<std::string, std::string>* docs, std::string* out) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const bool message = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    std::string type = message ? f->message_type()->name() : f->type_name();
    if (f->is_repeated()) type = "repeated " + type;
    std::string def;
    if (f->is_repeated()) {
      def = " (empty: plugin default)";
    } else if (!message) {
      def = " = " + DefaultOf(f);
    }
    absl::StrAppend(out, std::string(indent, ' '), f->name(), " (", type, ")", def, "\n");
    if (docs != nullptr) {
      auto it = docs->find(f->full_name());
      if (it != docs->end()) AppendWrapped(it->second, indent + 4, out);
    }
    if (message) DescribeFields(f->message_type(), indent + 2, docs, out);
  }
}

}  // namespace

static std::map<std::string, std::string>* MutableFieldDocs() {
  static auto* docs = new std::map<std::string, std::string>();
  return docs;
}

void RegisterFieldDocs(const std::map<std::string, std::string>& docs) {
  for (const auto& [field, text] : docs) (*MutableFieldDocs())[field] = text;
}

const std::map<std::string, std::string>& FieldDocs() { return *MutableFieldDocs(); }

std::string DescribePlugin(const PluginInfo& info) {
  std::string out = absl::StrCat(info.kind, " \"", info.name, "\": ", info.summary, "\n");
  if (info.extension == nullptr) return out;
  if (info.extension->message_type()->field_count() == 0) {
    absl::StrAppend(&out, "    parameters: none ([", info.extension->full_name(), "] is empty)\n");
    return out;
  }
  absl::StrAppend(&out, "    parameters: [", info.extension->full_name(), "] { ... }\n");
  DescribeFields(info.extension->message_type(), 6, &FieldDocs(), &out);
  return out;
}

}  // namespace siamese
