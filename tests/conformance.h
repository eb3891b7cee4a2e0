// Helpers of the plugin conformance suites (tests/*_conformance_test.cc).
//
// Each suite iterates over every plugin registered for its kind, so a plugin
// added to //plugins:all_plugins is checked without touching the suite. A
// plugin is created from `name: "<name>"` alone (its default parameters)
// unless the suite's table of overrides lists it; a plugin that is neither
// creatable with its defaults nor listed makes the test fail with a message
// telling its author which table to add an entry to.
#ifndef SIAMESE_TESTS_CONFORMANCE_H_
#define SIAMESE_TESTS_CONFORMANCE_H_

#include <cctype>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "framework/core/registry.h"
#include "google/protobuf/text_format.h"

namespace siamese {
namespace conformance {

// Plugin name -> the full config text the suite uses instead of the defaults,
// e.g. {"pk", R"(name: "pk" [siamese.pk] { k: 2 })"}.
using Overrides = std::map<std::string, std::string>;

// The registration of plugin `name` of kind T, or nullptr.
template <typename T>
const PluginInfo* FindInfo(const std::string& name) {
  static const std::vector<PluginInfo>* infos = new std::vector<PluginInfo>(Registry<T>::List());
  for (const PluginInfo& info : *infos) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

// What an override entry for plugin `name` looks like, for error messages.
template <typename T>
std::string EntryTemplate(const std::string& name) {
  const PluginInfo* info = FindInfo<T>(name);
  const std::string ext = info && info->extension ? info->extension->full_name() : "<extension>";
  return absl::StrCat("{\"", name, "\", R\"(name: \"", name, "\" [", ext, "] { ... })\"}");
}

// Parses `text` as a T::Config. Errors name the text.
template <typename T>
absl::StatusOr<typename T::Config> ParseConfig(const std::string& text) {
  typename T::Config config;
  if (!google::protobuf::TextFormat::ParseFromString(text, &config)) {
    return absl::InvalidArgumentError(
        absl::StrCat(T::kKind, " config does not parse (see the log above): ", text));
  }
  return config;
}

// The config the suite uses for plugin `name`: its entry in `overrides` if
// there is one (whose `name` must be `name`), else `name: "<name>"`.
template <typename T>
absl::StatusOr<typename T::Config> SuiteConfig(const std::string& name,
                                               const Overrides& overrides) {
  auto it = overrides.find(name);
  if (it == overrides.end()) {
    typename T::Config config;
    config.set_name(name);
    return config;
  }
  absl::StatusOr<typename T::Config> config = ParseConfig<T>(it->second);
  if (config.ok() && config->name() != name) {
    return absl::InvalidArgumentError(absl::StrCat("the override entry of ", T::kKind, " \"", name,
                                                   "\" names \"", config->name(), "\""));
  }
  return config;
}

// Creates plugin `name` of kind T with SuiteConfig(name, overrides). When that
// fails, the status says what to do: add an entry to `table` (the name of the
// overrides table and its file), or fix the entry there.
template <typename T>
absl::StatusOr<std::unique_ptr<T>> CreateForSuite(const std::string& name,
                                                  const Overrides& overrides,
                                                  const std::string& table,
                                                  const PluginContext& context) {
  absl::StatusOr<typename T::Config> config = SuiteConfig<T>(name, overrides);
  if (!config.ok()) return config.status();
  absl::StatusOr<std::unique_ptr<T>> plugin = Registry<T>::Create(*config, context);
  if (plugin.ok()) return plugin;
  if (overrides.count(name)) {
    return absl::Status(plugin.status().code(),
                        absl::StrCat(T::kKind, " \"", name, "\": its entry in ", table,
                                     " does not create it: ", plugin.status().message()));
  }
  return absl::Status(
      plugin.status().code(),
      absl::StrCat(T::kKind, " \"", name, "\" cannot be created with its default parameters (",
                   plugin.status().message(), "); add an entry ", EntryTemplate<T>(name), " to ",
                   table, " with parameters that work on the suite's tiny inputs"));
}

// Entries of `overrides` that name no registered plugin of kind T.
template <typename T>
std::vector<std::string> StaleEntries(const Overrides& overrides) {
  std::vector<std::string> stale;
  for (const auto& [name, text] : overrides) {
    if (FindInfo<T>(name) == nullptr) stale.push_back(name);
  }
  return stale;
}

// A gtest parameter name made of [A-Za-z0-9_] only.
inline std::string TestName(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out.empty() ? "_" : out;
}

}  // namespace conformance
}  // namespace siamese

#endif  // SIAMESE_TESTS_CONFORMANCE_H_
