// Registry<T>: plugins register themselves by name from their own .cc file;
// the framework creates them from the experiment file.
//
// A plugin kind T (Encoder, Loss, Miner, Sampler, Dataset, Optimizer,
// LrSchedule) declares
//   using Config = LossConfig;              // its selection message
//   static constexpr const char* kKind = "loss";
// A plugin registers with
//   SIAMESE_REGISTER_PLUGIN(Loss, "triplet", siamese::triplet, TripletParams,
//                           "summary line", &TripletLoss::Create);
// where siamese::triplet is the plugin's extension of LossConfig holding its
// typed parameters and Create has the signature
//   absl::StatusOr<std::unique_ptr<Loss>>(const TripletParams&, const PluginContext&).
//
// Create() returns NotFound listing the registered names for an unknown name,
// and InvalidArgument when the config carries another plugin's parameters.
// Registering a name twice aborts at start-up, naming it.
// A parameter error reported with FieldError() names the offending field, so
// the config loader can point at its file and line.
#ifndef SIAMESE_FRAMEWORK_CORE_REGISTRY_H_
#define SIAMESE_FRAMEWORK_CORE_REGISTRY_H_

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "framework/autograd/variable.h"
#include "framework/tensor/tensor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace siamese {

// What a plugin may need besides its parameters; fields a kind does not use
// stay at their defaults.
struct PluginContext {
  uint64_t seed = 0;  // weight initialization, sampling, dropout
  // Encoders: the shape of one example, e.g. {1, 28, 28}.
  Shape input_shape;
  // Encoders: the output width to produce. Losses and miners: the width of
  // the embeddings they receive (the encoder's).
  int64_t embedding_dim = 0;
  // Losses and miners: labels are class ids in [0, num_classes) (every class
  // of the dataset, test-only classes of an open-set split included), and
  // the training split holds the ids in `training_classes` (sorted). A loss
  // with one weight per class (proxies) sizes it by num_classes.
  int64_t num_classes = 0;
  std::vector<int64_t> training_classes;
  // Datasets: "train" or "test".
  std::string split;
  // Datasets: when non-empty, the training split's Dataset::State() (from
  // this run, or saved with the model); the plugin must reuse it instead of
  // deriving its state again.
  std::string dataset_state;
  // Optimizers: the parameters to train (name, Variable), encoder's first,
  // then the loss's ("loss.<name>"); frozen ones included (the optimizer
  // skips them).
  NamedVariables parameters;
  // Optimizers and schedules: the base learning rate (optimizer.learning_rate).
  float learning_rate = 0.0f;
  // Schedules: the number of training steps of the run.
  int64_t total_steps = 0;
};

// InvalidArgument whose payload names `field` of the plugin's parameters.
absl::Status FieldError(const std::string& field, const std::string& message);
// The field named by a FieldError status, or "" if none.
std::string ErrorField(const absl::Status& status);

struct PluginInfo {
  std::string kind;
  std::string name;
  std::string summary;
  const google::protobuf::FieldDescriptor* extension;  // the params extension
};

// Renders a plugin's parameters (nested messages included) with their types
// and defaults, each followed by its meaning when the plugin registered the
// comments of its .proto (siamese_plugin does it for every plugin).
std::string DescribePlugin(const PluginInfo& info);

// The comment above each parameter field, by full field name
// ("siamese.TripletLossParams.margin"). Compiled protos keep no comments, so
// siamese_plugin generates a source (tools/proto_docs/extract_comments.py)
// that registers its proto's comments at static initialization.
void RegisterFieldDocs(const std::map<std::string, std::string>& docs);
const std::map<std::string, std::string>& FieldDocs();

template <typename T>
class Registry {
 public:
  using Config = typename T::Config;
  using Factory =
      std::function<absl::StatusOr<std::unique_ptr<T>>(const Config&, const PluginContext&)>;

  static bool Register(PluginInfo info, Factory factory) {
    auto& map = Entries();
    if (map.count(info.name)) {
      std::fprintf(stderr, "siamese: %s plugin \"%s\" is registered twice\n", T::kKind,
                   info.name.c_str());
      std::abort();
    }
    std::string name = info.name;
    map.emplace(name, Entry{std::move(info), std::move(factory)});
    return true;
  }

  static absl::StatusOr<std::unique_ptr<T>> Create(const Config& config,
                                                   const PluginContext& context) {
    auto& map = Entries();
    auto it = map.find(config.name());
    if (it == map.end()) {
      return absl::NotFoundError(absl::StrCat("unknown ", T::kKind, " \"", config.name(),
                                              "\"; registered: ", absl::StrJoin(Names(), ", ")));
    }
    // Parameters of another plugin are a mistake (e.g. a leftover from an edit).
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    config.GetReflection()->ListFields(config, &fields);
    for (const auto* f : fields) {
      if (f->is_extension() && f != it->second.info.extension) {
        return absl::InvalidArgumentError(absl::StrCat(
            T::kKind, " \"", config.name(), "\" does not take [", f->full_name(), "] parameters"));
      }
    }
    return it->second.factory(config, context);
  }

  static std::vector<std::string> Names() {
    std::vector<std::string> names;
    for (const auto& [name, entry] : Entries()) names.push_back(name);
    return names;
  }

  static std::vector<PluginInfo> List() {
    std::vector<PluginInfo> out;
    for (const auto& [name, entry] : Entries()) out.push_back(entry.info);
    return out;
  }

 private:
  struct Entry {
    PluginInfo info;
    Factory factory;
  };
  static std::map<std::string, Entry>& Entries() {
    static auto* map = new std::map<std::string, Entry>;
    return *map;
  }
};

namespace internal {

template <typename T, typename Params, typename Ext, typename Create>
bool RegisterPlugin(const char* name, const Ext& extension, const char* summary, Create create) {
  using Config = typename T::Config;
  const google::protobuf::FieldDescriptor* field =
      google::protobuf::DescriptorPool::generated_pool()->FindExtensionByNumber(
          Config::descriptor(), extension.number());
  PluginInfo info{T::kKind, name, summary, field};
  return Registry<T>::Register(
      std::move(info), [&extension, create](const Config& config, const PluginContext& context) {
        const Params& params = config.GetExtension(extension);
        return create(params, context);
      });
}

}  // namespace internal
}  // namespace siamese

#define SIAMESE_REGISTER_PLUGIN_CONCAT_(a, b) a##b
#define SIAMESE_REGISTER_PLUGIN_CONCAT(a, b) SIAMESE_REGISTER_PLUGIN_CONCAT_(a, b)

// Registers a plugin at static-initialization time. The plugin's BUILD
// target needs alwayslink = 1 so the linker keeps it.
#define SIAMESE_REGISTER_PLUGIN(Kind, name, extension, Params, summary, create)               \
  static const bool SIAMESE_REGISTER_PLUGIN_CONCAT(siamese_plugin_registered_, __COUNTER__) = \
      ::siamese::internal::RegisterPlugin<Kind, Params>(name, extension, summary, create)

#endif  // SIAMESE_FRAMEWORK_CORE_REGISTRY_H_
