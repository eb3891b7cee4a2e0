// Conformance of every registered plugin's parameters, of every kind: the
// registration names a params extension of the kind's config, the config
// round-trips through protobuf text format, DescribePlugin lists every
// parameter, and datasets report a missing file by its path.
#include <algorithm>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "framework/core/dataset.h"
#include "framework/core/distance_function.h"
#include "framework/core/encoder.h"
#include "framework/core/loss.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "framework/io/atomic_file.h"
#include "framework/optim/optimizer.h"
#include "framework/optim/schedule.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/conformance.h"

namespace siamese {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;
using google::protobuf::util::MessageDifferencer;

// A registered plugin of any kind, with the prototype of its kind's config.
struct Plugin {
  PluginInfo info;
  const Message* config_prototype;
};

void PrintTo(const Plugin& p, std::ostream* os) { *os << p.info.kind << " " << p.info.name; }

template <typename T>
void AddPlugins(std::vector<Plugin>* out) {
  for (const PluginInfo& info : Registry<T>::List()) {
    out->push_back({info, &T::Config::default_instance()});
  }
}

std::vector<Plugin> AllPlugins() {
  std::vector<Plugin> out;
  AddPlugins<Encoder>(&out);
  AddPlugins<DistanceFunction>(&out);
  AddPlugins<Loss>(&out);
  AddPlugins<Miner>(&out);
  AddPlugins<Sampler>(&out);
  AddPlugins<Dataset>(&out);
  AddPlugins<Optimizer>(&out);
  AddPlugins<LrSchedule>(&out);
  return out;
}

std::vector<Plugin> Datasets() {
  std::vector<Plugin> out;
  AddPlugins<Dataset>(&out);
  return out;
}

// `name: "<name>"` and an empty params extension (present, all defaults).
std::unique_ptr<Message> ConfigWithExtension(const Plugin& p) {
  std::unique_ptr<Message> config(p.config_prototype->New());
  const Reflection* r = config->GetReflection();
  r->SetString(config.get(), config->GetDescriptor()->FindFieldByName("name"), p.info.name);
  r->MutableMessage(config.get(), p.info.extension);
  return config;
}

// Sets every field of `m` explicitly to its default value; repeated fields
// get one element (a default scalar, or a message filled the same way).
void FillWithDefaults(Message* m, int depth = 0) {
  const Descriptor* d = m->GetDescriptor();
  const Reflection* r = m->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->containing_oneof() && r->HasOneof(*m, f->containing_oneof())) continue;
    const bool rep = f->is_repeated();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        rep ? r->AddInt32(m, f, f->default_value_int32())
            : r->SetInt32(m, f, f->default_value_int32());
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        rep ? r->AddInt64(m, f, f->default_value_int64())
            : r->SetInt64(m, f, f->default_value_int64());
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        rep ? r->AddUInt32(m, f, f->default_value_uint32())
            : r->SetUInt32(m, f, f->default_value_uint32());
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        rep ? r->AddUInt64(m, f, f->default_value_uint64())
            : r->SetUInt64(m, f, f->default_value_uint64());
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        rep ? r->AddFloat(m, f, f->default_value_float())
            : r->SetFloat(m, f, f->default_value_float());
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        rep ? r->AddDouble(m, f, f->default_value_double())
            : r->SetDouble(m, f, f->default_value_double());
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        rep ? r->AddBool(m, f, f->default_value_bool()) : r->SetBool(m, f, f->default_value_bool());
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        rep ? r->AddEnum(m, f, f->default_value_enum()) : r->SetEnum(m, f, f->default_value_enum());
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        rep ? r->AddString(m, f, f->default_value_string())
            : r->SetString(m, f, f->default_value_string());
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 3)
          FillWithDefaults(rep ? r->AddMessage(m, f) : r->MutableMessage(m, f), depth + 1);
        break;
    }
  }
}

// parse(print(config)) == config.
::testing::AssertionResult RoundTrips(const Message& config) {
  std::string text;
  if (!TextFormat::PrintToString(config, &text)) {
    return ::testing::AssertionFailure() << "TextFormat cannot print " << config.ShortDebugString();
  }
  std::unique_ptr<Message> parsed(config.New());
  if (!TextFormat::ParseFromString(text, parsed.get())) {
    return ::testing::AssertionFailure() << "the printed config does not parse:\n" << text;
  }
  std::string diff;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  if (!differencer.Compare(config, *parsed)) {
    return ::testing::AssertionFailure() << "parse(print(config)) differs:\n" << text << diff;
  }
  return ::testing::AssertionSuccess() << text;
}

class PluginParamsTest : public ::testing::TestWithParam<Plugin> {};

TEST_P(PluginParamsTest, RegistrationNamesAParamsExtensionOfTheKindsConfig) {
  const PluginInfo& info = GetParam().info;
  ASSERT_NE(info.extension, nullptr)
      << info.kind << " \"" << info.name << "\": its params extension is not in the "
      << "generated descriptor pool";
  EXPECT_TRUE(info.extension->is_extension());
  EXPECT_EQ(info.extension->containing_type(), GetParam().config_prototype->GetDescriptor());
  EXPECT_EQ(info.extension->cpp_type(), FieldDescriptor::CPPTYPE_MESSAGE);
  EXPECT_FALSE(info.extension->is_repeated());
  EXPECT_FALSE(info.summary.empty()) << info.kind << " \"" << info.name << "\" has no summary";
}

TEST_P(PluginParamsTest, ConfigRoundTripsThroughTextFormat) {
  const Plugin& p = GetParam();
  ASSERT_NE(p.info.extension, nullptr);
  std::unique_ptr<Message> config = ConfigWithExtension(p);
  EXPECT_TRUE(RoundTrips(*config)) << "with an empty params message";
  FillWithDefaults(config->GetReflection()->MutableMessage(config.get(), p.info.extension));
  std::string text;
  TextFormat::PrintToString(*config, &text);
  EXPECT_THAT(text, ::testing::HasSubstr(absl::StrCat("[", p.info.extension->full_name(), "]")));
  EXPECT_TRUE(RoundTrips(*config)) << "with every parameter set to its default";
}

TEST_P(PluginParamsTest, DescribePluginListsEveryParameter) {
  const PluginInfo& info = GetParam().info;
  ASSERT_NE(info.extension, nullptr);
  const std::string text = DescribePlugin(info);
  EXPECT_THAT(text, ::testing::HasSubstr(absl::StrCat("\"", info.name, "\"")));
  EXPECT_THAT(text, ::testing::HasSubstr(info.summary));
  EXPECT_THAT(text, ::testing::HasSubstr(info.extension->full_name()));
  const Descriptor* params = info.extension->message_type();
  for (int i = 0; i < params->field_count(); ++i) {
    EXPECT_THAT(text, ::testing::HasSubstr(absl::StrCat(" ", params->field(i)->name(), " (")))
        << "parameter " << params->field(i)->name() << " is not described";
  }
}

INSTANTIATE_TEST_SUITE_P(AllPlugins, PluginParamsTest, ::testing::ValuesIn(AllPlugins()),
                         [](const auto& info) {
                           return conformance::TestName(info.param.info.kind + "_" +
                                                        info.param.info.name);
                         });

// True for the string fields the suite points at a missing file.
bool IsPathField(const FieldDescriptor* f) {
  if (f->is_repeated() || f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) return false;
  for (const char* word : {"images", "labels", "path", "file", "dir", "root"}) {
    if (absl::StrContains(f->name(), word)) return true;
  }
  return false;
}

class DatasetFilesTest : public ::testing::TestWithParam<Plugin> {};

// A dataset with no path parameter must read no file (e.g. a synthetic
// one): created with its defaults, both splits list no source file.
TEST_P(DatasetFilesTest, MissingFileIsAnErrorNamingThePath) {
  const PluginInfo& info = GetParam().info;
  ASSERT_NE(info.extension, nullptr);
  DatasetConfig config;
  config.set_name(info.name);
  Message* params = config.GetReflection()->MutableMessage(&config, info.extension);
  std::vector<std::string> paths;
  for (int i = 0; i < params->GetDescriptor()->field_count(); ++i) {
    const FieldDescriptor* f = params->GetDescriptor()->field(i);
    if (!IsPathField(f)) continue;
    paths.push_back(absl::StrCat("/nonexistent/siamese-conformance/", info.name, "/", f->name()));
    params->GetReflection()->SetString(params, f, paths.back());
  }
  if (paths.empty()) {
    for (const char* split : {"train", "test"}) {
      PluginContext context;
      context.split = split;
      auto dataset = Registry<Dataset>::Create(config, context);
      ASSERT_TRUE(dataset.ok() && (*dataset)->source_files().empty())
          << "dataset \"" << info.name << "\" has no string parameter whose name contains "
          << "\"images\", \"labels\", \"path\", \"file\", \"dir\" or \"root\", but "
          << (dataset.ok()
                  ? std::string("it reads files")
                  : absl::StrCat("its defaults do not create it: ", dataset.status().message()))
          << " (" << split << "); name its file parameters so, or make it read no file";
    }
    return;
  }
  for (const char* split : {"train", "test"}) {
    PluginContext context;
    context.split = split;
    auto dataset = Registry<Dataset>::Create(config, context);
    ASSERT_FALSE(dataset.ok()) << split << ": created from missing files "
                               << config.ShortDebugString();
    const bool named = std::any_of(paths.begin(), paths.end(), [&](const std::string& p) {
      return absl::StrContains(dataset.status().message(), p);
    });
    EXPECT_TRUE(named) << split
                       << ": the error does not name the missing file: " << dataset.status();
  }
}

INSTANTIATE_TEST_SUITE_P(AllDatasets, DatasetFilesTest, ::testing::ValuesIn(Datasets()),
                         [](const auto& info) {
                           return conformance::TestName(info.param.info.name);
                         });

// Every parameter (nested ones included) has a comment in its .proto, which
// `train --list_plugins` prints under it.
void ExpectDocumented(const google::protobuf::Descriptor* d, const PluginInfo& info) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    EXPECT_TRUE(FieldDocs().count(f->full_name()))
        << info.kind << " \"" << info.name << "\": parameter " << f->full_name()
        << " has no comment in its .proto (write one directly above the field)";
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)
      ExpectDocumented(f->message_type(), info);
  }
}

TEST(ParamsConformanceSuiteTest, EveryParameterHasItsMeaningInTheListing) {
  for (const Plugin& p : AllPlugins()) {
    if (p.info.extension == nullptr) continue;
    ExpectDocumented(p.info.extension->message_type(), p.info);
  }
  // And the listing prints it.
  const PluginInfo* triplet = nullptr;
  const std::vector<Plugin> all = AllPlugins();
  for (const Plugin& p : all) {
    if (p.info.kind == "loss" && p.info.name == "triplet") triplet = &p.info;
  }
  ASSERT_NE(triplet, nullptr);
  EXPECT_THAT(DescribePlugin(*triplet),
              ::testing::HasSubstr("margin (float) = 0.2\n          The margin of the hinge"));
}

// README.md's "Plugins" section has a table row for every registered
// plugin ("| `name` | ..."), so the table cannot fall behind the code.
TEST(ParamsConformanceSuiteTest, EveryPluginHasARowInTheReadmeTable) {
  auto readme = ReadFile("README.md");
  ASSERT_TRUE(readme.ok()) << readme.status();
  const size_t start = readme->find("\n## Plugins\n");
  ASSERT_NE(start, std::string::npos) << "README.md has no \"## Plugins\" section";
  const size_t end = readme->find("\n## ", start + 1);
  const std::string section = readme->substr(start, end - start);
  for (const Plugin& p : AllPlugins()) {
    EXPECT_TRUE(absl::StrContains(section, absl::StrCat("| `", p.info.name, "` |")))
        << p.info.kind << " \"" << p.info.name
        << "\" has no row in README.md's Plugins tables; add one (paper, parameters, defaults)";
  }
}

// The README's cross-batch memory paragraph names exactly the losses and
// miners whose accepts_references() is true.
TEST(ParamsConformanceSuiteTest, ReadmeNamesThePluginsThatAcceptAMemory) {
  auto readme = ReadFile("README.md");
  ASSERT_TRUE(readme.ok()) << readme.status();
  const size_t start = readme->find("**Cross-batch memory**");
  ASSERT_NE(start, std::string::npos) << "README.md has no \"**Cross-batch memory**\" paragraph";
  const std::string paragraph = readme->substr(start, readme->find("\n\n", start) - start);
  const std::string losses = paragraph.substr(paragraph.find("It works with the losses"));
  const std::string miners = losses.substr(losses.find("the miners"));
  const std::string loss_list = losses.substr(0, losses.find("the miners"));
  PluginContext context;
  context.num_classes = 3;
  context.embedding_dim = 3;
  for (const std::string& name : Registry<Loss>::Names()) {
    LossConfig config;
    config.set_name(name);
    auto loss = Registry<Loss>::Create(config, context);
    ASSERT_TRUE(loss.ok()) << name << ": " << loss.status();
    EXPECT_EQ(absl::StrContains(loss_list, absl::StrCat("`", name, "`")),
              (*loss)->accepts_references())
        << "loss \"" << name << "\": README.md's cross-batch memory paragraph and "
        << "accepts_references() disagree";
  }
  for (const std::string& name : Registry<Miner>::Names()) {
    MinerConfig config;
    config.set_name(name);
    auto miner = Registry<Miner>::Create(config, context);
    ASSERT_TRUE(miner.ok()) << name << ": " << miner.status();
    EXPECT_EQ(absl::StrContains(miners, absl::StrCat("`", name, "`")),
              (*miner)->accepts_references())
        << "miner \"" << name << "\": README.md's cross-batch memory paragraph and "
        << "accepts_references() disagree";
  }
}

TEST(ParamsConformanceSuiteTest, EveryKindHasPlugins) {
  for (const char* kind : {"encoder", "distance", "loss", "miner", "sampler", "dataset"}) {
    const std::vector<Plugin> all = AllPlugins();
    EXPECT_TRUE(std::any_of(all.begin(), all.end(),
                            [kind](const Plugin& p) { return p.info.kind == kind; }))
        << "no " << kind << " linked";
  }
}

}  // namespace
}  // namespace siamese
