#include "framework/core/registry.h"

#include "absl/strings/cord.h"

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

std::string DescribePlugin(const PluginInfo& info) {
  std::string out = absl::StrCat(info.kind, " \"", info.name, "\": ", info.summary, "\n");
  if (info.extension == nullptr) return out;
  const google::protobuf::Descriptor* params = info.extension->message_type();
  absl::StrAppend(&out, "    parameters: [", info.extension->full_name(), "] { ... }\n");
  for (int i = 0; i < params->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = params->field(i);
    std::string def;
    if (f->has_default_value() || f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      switch (f->cpp_type()) {
        case google::protobuf::FieldDescriptor::CPPTYPE_FLOAT:
          def = absl::StrCat(f->default_value_float());
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_DOUBLE:
          def = absl::StrCat(f->default_value_double());
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_INT32:
          def = absl::StrCat(f->default_value_int32());
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_INT64:
          def = absl::StrCat(f->default_value_int64());
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_UINT32:
          def = absl::StrCat(f->default_value_uint32());
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_UINT64:
          def = absl::StrCat(f->default_value_uint64());
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_BOOL:
          def = f->default_value_bool() ? "true" : "false";
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
          def = absl::StrCat("\"", f->default_value_string(), "\"");
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_ENUM:
          def = f->default_value_enum()->name();
          break;
        default:
          break;
      }
    }
    std::string type = f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE
                           ? f->message_type()->name()
                           : f->type_name();
    if (f->is_repeated()) type = "repeated " + type;
    absl::StrAppend(&out, "      ", f->name(), " (", type, ")", def.empty() ? "" : " = ", def,
                    "\n");
  }
  return out;
}

}  // namespace siamese
