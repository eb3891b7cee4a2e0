#include "framework/eval/few_shot.h"

#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "framework/tensor/rng.h"

namespace siamese {
namespace {

// Partial Fisher-Yates: the first k of `items` become a uniform sample.
void SampleFront(std::vector<int64_t>* items, int64_t k, Rng* rng) {
  const int64_t n = static_cast<int64_t>(items->size());
  for (int64_t i = 0; i < k; ++i) std::swap((*items)[i], (*items)[i + rng->UniformInt(n - i)]);
}

}  // namespace

absl::StatusOr<FewShotResult> EvaluateFewShot(const Tensor& embeddings,
                                              const std::vector<int64_t>& labels,
                                              const Distance& distance,
                                              const FewShotConfig& config) {
  if (embeddings.rank() != 2 || embeddings.dim(0) != static_cast<int64_t>(labels.size())) {
    return absl::InvalidArgumentError(absl::StrCat("few-shot: embeddings ",
                                                   embeddings.ShapeString(), " do not match ",
                                                   labels.size(), " labels"));
  }
  if (config.ways < 1 || config.shots < 1 || config.queries_per_class < 1 || config.episodes < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "few-shot: ways, shots, queries_per_class and episodes must be >= 1, got ", config.ways,
        ", ", config.shots, ", ", config.queries_per_class, ", ", config.episodes));
  }
  const int64_t dim = embeddings.dim(1);
  const Tensor plain = embeddings.ToPlain();
  std::vector<double> x(plain.data(), plain.data() + plain.numel());
  for (double v : x) {
    if (!std::isfinite(v)) return absl::InvalidArgumentError("few-shot: non-finite embedding");
  }
  const int64_t needed = config.shots + config.queries_per_class;
  std::map<int64_t, std::vector<int64_t>> by_class;
  for (int64_t i = 0; i < static_cast<int64_t>(labels.size()); ++i)
    by_class[labels[i]].push_back(i);
  std::vector<std::vector<int64_t>> eligible;
  for (auto& [label, members] : by_class) {
    if (static_cast<int64_t>(members.size()) >= needed) eligible.push_back(members);
  }
  if (static_cast<int>(eligible.size()) < config.ways) {
    return absl::InvalidArgumentError(absl::StrCat(
        "few-shot: ", config.ways, "-way ", config.shots, "-shot episodes need ", config.ways,
        " classes with at least ", needed, " items; the split has ", eligible.size()));
  }

  // d(query, support item or prototype): the query is the anchor.
  const DistanceFunction& f = distance.function();
  Rng rng = Rng(config.seed).Fork(0x66657773686f74ULL);
  std::vector<int64_t> class_order(eligible.size());
  std::vector<double> accuracies;
  std::vector<double> prototype(static_cast<size_t>(config.ways) * dim);
  for (int e = 0; e < config.episodes; ++e) {
    for (size_t c = 0; c < class_order.size(); ++c) class_order[c] = static_cast<int64_t>(c);
    SampleFront(&class_order, config.ways, &rng);
    std::vector<std::vector<int64_t>> support(config.ways), queries(config.ways);
    for (int w = 0; w < config.ways; ++w) {
      std::vector<int64_t> members = eligible[class_order[w]];
      SampleFront(&members, needed, &rng);
      support[w].assign(members.begin(), members.begin() + config.shots);
      queries[w].assign(members.begin() + config.shots, members.begin() + needed);
      // K > 1: the class mean of the support embeddings.
      for (int64_t k = 0; k < dim; ++k) {
        double sum = 0;
        for (int64_t s : support[w]) sum += x[s * dim + k];
        prototype[w * dim + k] = sum / config.shots;
      }
    }
    int64_t correct = 0, total = 0;
    for (int w = 0; w < config.ways; ++w) {
      for (int64_t q : queries[w]) {
        int best = 0;
        double best_d = 0;
        for (int c = 0; c < config.ways; ++c) {
          double d;
          if (config.shots == 1) {
            d = f.Pair(&x[q * dim], &x[support[c][0] * dim], dim);
          } else {
            d = f.Pair(&x[q * dim], &prototype[c * dim], dim);
          }
          if (c == 0 || d < best_d) {
            best = c;
            best_d = d;
          }
        }
        correct += best == w;
        ++total;
      }
    }
    accuracies.push_back(static_cast<double>(correct) / static_cast<double>(total));
  }
  double mean = 0;
  for (double a : accuracies) mean += a;
  mean /= static_cast<double>(accuracies.size());
  double var = 0;
  for (double a : accuracies) var += (a - mean) * (a - mean);
  const double n = static_cast<double>(accuracies.size());
  const double sd = n > 1 ? std::sqrt(var / (n - 1)) : 0.0;
  FewShotResult r;
  r.ways = config.ways;
  r.shots = config.shots;
  r.episodes = config.episodes;
  r.accuracy = mean;
  r.ci95_low = mean - 1.96 * sd / std::sqrt(n);
  r.ci95_high = mean + 1.96 * sd / std::sqrt(n);
  return r;
}

}  // namespace siamese
