#include "framework/core/distance.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include "framework/core/registry.h"

namespace siamese {
namespace {

// One instance per registered name (distances are stateless and take no
// parameters), created on first use.
absl::StatusOr<std::shared_ptr<const DistanceFunction>> Lookup(const std::string& name) {
  static std::mutex* mu = new std::mutex;
  static auto* cache = new std::map<std::string, std::shared_ptr<const DistanceFunction>>;
  std::lock_guard<std::mutex> lock(*mu);
  auto it = cache->find(name);
  if (it != cache->end()) return it->second;
  DistanceConfig config;
  config.set_name(name);
  auto created = Registry<DistanceFunction>::Create(config, PluginContext());
  if (!created.ok()) return created.status();
  std::shared_ptr<const DistanceFunction> f = std::move(*created);
  cache->emplace(name, f);
  return f;
}

}  // namespace

Distance::Distance(std::string name) : name_(std::move(name)) {
  // During static initialization the plugin may not be registered yet;
  // function() then looks again.
  auto f = Lookup(name_);
  if (f.ok()) function_ = *f;
}

absl::StatusOr<Distance> Distance::FromName(const std::string& name) {
  auto f = Lookup(name);
  if (!f.ok()) return f.status();
  return Distance(name, *f);
}

const DistanceFunction& Distance::function() const {
  if (function_ != nullptr) return *function_;
  auto f = Lookup(name_);
  if (!f.ok()) {
    std::fprintf(stderr,
                 "siamese: distance \"%s\" is not registered (%s); link //plugins/distances/%s "
                 "or //plugins:all_plugins\n",
                 name_.c_str(), std::string(f.status().message()).c_str(), name_.c_str());
    std::abort();
  }
  return **f;  // The cache keeps it alive.
}

}  // namespace siamese
