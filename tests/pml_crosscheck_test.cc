// Cross-checks against pytorch-metric-learning (PML): every case of
// tests/pml/references.json (made by tools/pml_reference/make_references.py
// with PML's own code) is recomputed with our plugin and compared: losses
// by value and by gradient, within 1e-5 relative; miners by the exact set of
// tuples they mine; distances by matrix, paired values and gradient.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "framework/core/distance.h"
#include "framework/core/distance_function.h"
#include "framework/core/loss.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/io/atomic_file.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/records/records.h"
#include "framework/train/cross_batch_memory.h"
#include "framework/train/regularizer.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "plugins/miners/distance_weighted/distance_weighted.pb.h"
#include "plugins/miners/distance_weighted/distance_weights.h"
#include "tests/pml/pml_reference.pb.h"

namespace siamese {
namespace {

using testing::PmlCase;

std::vector<PmlCase> Cases(const std::string& kind) {
  testing::PmlReferences refs;
  auto text = ReadFile("tests/pml/references.json");
  EXPECT_TRUE(text.ok()) << text.status();
  if (!text.ok()) return {};
  EXPECT_TRUE(ParseJson(*text, "tests/pml/references.json", &refs).ok());
  std::vector<PmlCase> out;
  for (const PmlCase& c : refs.cases()) {
    if (c.kind() == kind) out.push_back(c);
  }
  return out;
}

Tensor Embeddings(const PmlCase& c) {
  std::vector<float> v(c.embeddings().begin(), c.embeddings().end());
  const int64_t n = static_cast<int64_t>(v.size()) / c.dim();
  return Tensor::FromVector({n, c.dim()}, v);
}

template <typename T>
std::unique_ptr<T> Make(const std::string& text, const PluginContext& context = PluginContext()) {
  typename T::Config config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  auto p = Registry<T>::Create(config, context);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? std::move(*p) : nullptr;
}

// The distances README.md's distance table marks as checked against PML
// (its last column, PML, says yes). A distance with no PML counterpart (as
// the scaffold writes one: tools/new_plugin) leaves the column empty.
std::vector<std::string> DistancesMarkedPml() {
  auto text = ReadFile("README.md");
  EXPECT_TRUE(text.ok()) << text.status();
  if (!text.ok()) return {};
  size_t line = text->find("\n| distance | d(a, b) |");
  EXPECT_NE(line, std::string::npos) << "README.md has no distance table";
  if (line == std::string::npos) return {};
  std::vector<std::string> out;
  for (++line; line < text->size() && (*text)[line] == '|';) {
    const size_t end = std::min(text->find('\n', line), text->size());
    const std::string row = text->substr(line, end - line);
    if (absl::StartsWith(row, "| `") && absl::EndsWith(row, "| yes |")) {
      out.push_back(row.substr(3, row.find('`', 3) - 3));
    }
    line = end + 1;
  }
  return out;
}

bool Near(double got, double want) {
  return std::fabs(got - want) <= 1e-5 * std::max(1.0, std::fabs(want));
}

// Every valid tuple of the batch, as PML uses without a miner (pairs in
// both orders under an asymmetric distance).
Tuples AllTuples(TupleKind kind, const Tensor& e, const Tensor& d,
                 const std::vector<int64_t>& labels, const Distance& distance) {
  auto all =
      Make<Miner>(kind == TupleKind::kPairs ? R"(name: "all" [siamese.all] { output: "pairs" })"
                                            : R"(name: "all")");
  MinerInput in;
  in.embeddings = &e;
  in.distances = &d;
  in.labels = &labels;
  in.distance = distance;
  return all->Mine(in);
}

// Our distance against PML's: the matrix of a batch against itself, the
// paired distances of row i with row N - 1 - i, and the gradient of
// sum(W * matrix); PML's similarities (is_inverted) against our
// Similarity(d).
TEST(PmlCrossCheckTest, DistancesMatchMatricesPairedAndGradients) {
  const std::vector<PmlCase> cases = Cases("distance");
  ASSERT_FALSE(cases.empty());
  std::vector<std::string> covered;
  for (const PmlCase& c : cases) {
    SCOPED_TRACE(c.label());
    auto distance = Distance::FromName(c.config());
    ASSERT_TRUE(distance.ok()) << distance.status();
    covered.push_back(c.config());
    const Tensor e = Embeddings(c);
    const int64_t n = e.dim(0);
    auto as_pml = [&](const Variable& d) { return c.inverted() ? distance->Similarity(d) : d; };
    Variable x(e, /*requires_grad=*/true);
    const Variable m = as_pml(distance->Matrix(x, x));
    const std::vector<float> got = m.value().ToVector();
    ASSERT_EQ(got.size(), static_cast<size_t>(c.matrix_size()));
    for (int i = 0; i < c.matrix_size(); ++i) {
      EXPECT_TRUE(Near(got[i], c.matrix(i)))
          << "(" << i / n << ", " << i % n << "): ours " << got[i] << ", PML " << c.matrix(i);
    }
    const Tensor w = Tensor::FromVector(
        {n, n}, std::vector<float>(c.weights().begin(), c.weights().end()));
    SumAll(Mul(m, Variable(w))).Backward();
    const std::vector<float> grad = x.grad().ToVector();
    ASSERT_EQ(grad.size(), static_cast<size_t>(c.gradient_size()));
    for (int i = 0; i < c.gradient_size(); ++i) {
      EXPECT_TRUE(Near(grad[i], c.gradient(i)))
          << "d/de[" << i << "]: ours " << grad[i] << ", PML " << c.gradient(i);
    }
    std::vector<float> reversed(e.numel());
    for (int64_t i = 0; i < n; ++i) {
      std::copy(e.data() + (n - 1 - i) * c.dim(), e.data() + (n - i) * c.dim(),
                reversed.begin() + i * c.dim());
    }
    const std::vector<float> paired =
        as_pml(distance->Paired(Variable(e), Variable(Tensor::FromVector(e.shape(), reversed))))
            .value()
            .ToVector();
    ASSERT_EQ(paired.size(), static_cast<size_t>(c.paired_size()));
    for (int i = 0; i < c.paired_size(); ++i) {
      EXPECT_TRUE(Near(paired[i], c.paired(i)))
          << "paired " << i << ": ours " << paired[i] << ", PML " << c.paired(i);
    }
  }
  // The distances with a case are those README.md marks PML (all the
  // built-in ones).
  const std::vector<std::string> marked = DistancesMarkedPml();
  EXPECT_FALSE(marked.empty());
  const std::vector<std::string> registered = Registry<DistanceFunction>::Names();
  for (const std::string& name : marked) {
    EXPECT_NE(std::find(registered.begin(), registered.end(), name), registered.end())
        << "README.md marks PML an unregistered distance \"" << name << "\"";
  }
  for (const std::string& name : registered) {
    const bool has_case = std::find(covered.begin(), covered.end(), name) != covered.end();
    const bool is_marked = std::find(marked.begin(), marked.end(), name) != marked.end();
    EXPECT_FALSE(is_marked && !has_case)
        << "README.md marks distance \"" << name << "\" PML, but it has no PML case "
        << "(tools/pml_reference/make_references.py)";
    EXPECT_FALSE(has_case && !is_marked)
        << "distance \"" << name << "\" has a PML case: write yes in the PML column of its "
        << "row in README.md's distance table";
  }
}

TEST(PmlCrossCheckTest, LossesMatchValuesAndGradients) {
  const std::vector<PmlCase> cases = Cases("loss");
  ASSERT_FALSE(cases.empty());
  for (const PmlCase& c : cases) {
    SCOPED_TRACE(c.label());
    PluginContext context;
    context.num_classes = c.num_classes();
    context.embedding_dim = c.dim();
    auto loss = Make<Loss>(c.config(), context);
    ASSERT_NE(loss, nullptr);
    // Class weights start where PML's did.
    std::vector<std::pair<Variable, const testing::PmlParameter*>> weights;
    for (const testing::PmlParameter& w : c.parameters()) {
      Variable found;
      for (const auto& [name, v] : loss->NamedParameters()) {
        if (name == w.name()) found = v;
      }
      ASSERT_TRUE(found.defined()) << "our loss has no parameter " << w.name();
      const Shape shape(w.shape().begin(), w.shape().end());
      ASSERT_EQ(found.shape(), shape) << w.name();
      found.mutable_value() =
          Tensor::FromVector(shape, std::vector<float>(w.values().begin(), w.values().end()));
      weights.emplace_back(found, &w);
    }
    auto distance = Distance::FromName(c.distance());
    ASSERT_TRUE(distance.ok());
    const std::vector<int64_t> labels(c.labels().begin(), c.labels().end());
    Variable e(Embeddings(c), /*requires_grad=*/true);
    Variable d = distance->Matrix(e, e);
    const Tuples tuples =
        AllTuples(loss->input(), e.value(), d.value().ToPlain(), labels, *distance);
    Variable value = loss->Compute({e, d, &labels, &tuples, *distance});
    // loss.embedding_regularizer, added as the trainer adds it (step.cc).
    LossConfig config;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(c.config(), &config));
    if (config.embedding_regularizer().weight() > 0) {
      value = Add(value, EmbeddingPenalty(e, config.embedding_regularizer()));
    }
    EXPECT_TRUE(Near(value.value().item(), c.loss()))
        << "ours " << value.value().item() << ", PML " << c.loss();
    value.Backward();
    const std::vector<float> grad = e.grad().ToVector();
    ASSERT_EQ(grad.size(), static_cast<size_t>(c.gradient_size()));
    for (int i = 0; i < c.gradient_size(); ++i) {
      EXPECT_TRUE(Near(grad[i], c.gradient(i)))
          << "d/de[" << i << "]: ours " << grad[i] << ", PML " << c.gradient(i);
    }
    for (const auto& [v, w] : weights) {
      const std::vector<float> g = v.grad().ToVector();
      ASSERT_EQ(g.size(), static_cast<size_t>(w->gradient_size())) << w->name();
      for (int i = 0; i < w->gradient_size(); ++i) {
        EXPECT_TRUE(Near(g[i], w->gradient(i)))
            << "d/d" << w->name() << "[" << i << "]: ours " << g[i] << ", PML " << w->gradient(i);
      }
    }
  }
}

TEST(PmlCrossCheckTest, MinersMineTheSameTuples) {
  const std::vector<PmlCase> cases = Cases("miner");
  ASSERT_FALSE(cases.empty());
  for (const PmlCase& c : cases) {
    SCOPED_TRACE(c.label());
    auto miner = Make<Miner>(c.config());
    ASSERT_NE(miner, nullptr);
    auto distance = Distance::FromName(c.distance());
    ASSERT_TRUE(distance.ok());
    const std::vector<int64_t> labels(c.labels().begin(), c.labels().end());
    const Tensor e = Embeddings(c);
    const Tensor d = distance->Matrix(Variable(e), Variable(e)).value().ToPlain();
    MinerInput in;
    in.embeddings = &e;
    in.distances = &d;
    in.labels = &labels;
    in.distance = *distance;
    const Tuples t = miner->Mine(in);
    if (t.kind() == TupleKind::kTriplets) {
      std::vector<std::tuple<int64_t, int64_t, int64_t>> ours, pml;
      const Triplets& x = t.triplets();
      for (size_t i = 0; i < x.anchors.size(); ++i) {
        ours.emplace_back(x.anchors[i], x.positives[i], x.negatives[i]);
      }
      for (int i = 0; i + 2 < c.triplets_size(); i += 3) {
        pml.emplace_back(c.triplets(i), c.triplets(i + 1), c.triplets(i + 2));
      }
      std::sort(ours.begin(), ours.end());
      EXPECT_EQ(ours, pml);
    } else {
      // PML lists each pair in both orders; ours once (i < j, or as mined):
      // compare unordered pairs.
      auto normalize = [](std::vector<std::pair<int64_t, int64_t>> v) {
        for (auto& [i, j] : v) {
          if (i > j) std::swap(i, j);
        }
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        return v;
      };
      const Pairs& x = t.pairs();
      std::vector<std::pair<int64_t, int64_t>> op, on, pp, pn;
      for (size_t i = 0; i < x.pos_a.size(); ++i) op.emplace_back(x.pos_a[i], x.pos_b[i]);
      for (size_t i = 0; i < x.neg_a.size(); ++i) on.emplace_back(x.neg_a[i], x.neg_b[i]);
      for (int i = 0; i + 1 < c.positive_pairs_size(); i += 2) {
        pp.emplace_back(c.positive_pairs(i), c.positive_pairs(i + 1));
      }
      for (int i = 0; i + 1 < c.negative_pairs_size(); i += 2) {
        pn.emplace_back(c.negative_pairs(i), c.negative_pairs(i + 1));
      }
      EXPECT_EQ(normalize(op), normalize(pp));
      EXPECT_EQ(normalize(on), normalize(pn));
    }
  }
}

// A cross-batch memory around a loss (and a miner) gives what PML's
// CrossBatchMemory gives after the same batches: keep_batch_loss false is
// PML's loss, the memory term alone.
TEST(PmlCrossCheckTest, CrossBatchMemoryMatchesValuesAndGradients) {
  const std::vector<PmlCase> cases = Cases("memory_loss");
  ASSERT_FALSE(cases.empty());
  for (const PmlCase& c : cases) {
    SCOPED_TRACE(c.label());
    PluginContext context;
    context.embedding_dim = c.dim();
    auto loss = Make<Loss>(c.config(), context);
    ASSERT_NE(loss, nullptr);
    std::unique_ptr<Miner> miner;
    if (c.has_miner_config()) {
      miner = Make<Miner>(c.miner_config(), context);
      ASSERT_NE(miner, nullptr);
    }
    auto distance = Distance::FromName(c.distance());
    ASSERT_TRUE(distance.ok());
    CrossBatchMemory memory(c.memory_size(), c.dim());
    int64_t tuples = 0;
    for (const testing::PmlBatch& b : c.history()) {
      const std::vector<float> v(b.embeddings().begin(), b.embeddings().end());
      const std::vector<int64_t> labels(b.labels().begin(), b.labels().end());
      const int64_t n = static_cast<int64_t>(labels.size());
      MemoryLoss(&memory, loss.get(), miner.get(), *distance,
                 Variable(Tensor::FromVector({n, c.dim()}, v)), labels, 0, &tuples);
    }
    const std::vector<int64_t> labels(c.labels().begin(), c.labels().end());
    Variable e(Embeddings(c), /*requires_grad=*/true);
    Variable value = MemoryLoss(&memory, loss.get(), miner.get(), *distance, e, labels, 1, &tuples);
    EXPECT_GT(tuples, 0);
    EXPECT_TRUE(Near(value.value().item(), c.loss()))
        << "ours " << value.value().item() << ", PML " << c.loss();
    value.Backward();
    const std::vector<float> grad = e.grad().ToVector();
    ASSERT_EQ(grad.size(), static_cast<size_t>(c.gradient_size()));
    for (int i = 0; i < c.gradient_size(); ++i) {
      EXPECT_TRUE(Near(grad[i], c.gradient(i)))
          << "d/de[" << i << "]: ours " << grad[i] << ", PML " << c.gradient(i);
    }
  }
}

// Random miners cannot draw as PML's generator does; their sampling
// probabilities must match.
TEST(PmlCrossCheckTest, DistanceWeightedSamplingHasPmlsProbabilities) {
  const std::vector<PmlCase> cases = Cases("miner_weights");
  ASSERT_FALSE(cases.empty());
  for (const PmlCase& c : cases) {
    SCOPED_TRACE(c.label());
    MinerConfig config;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(c.config(), &config));
    const DistanceWeightedMinerParams& p = config.GetExtension(siamese::distance_weighted);
    const std::vector<int64_t> labels(c.labels().begin(), c.labels().end());
    const Tensor e = Embeddings(c);
    const Tensor d = Distance::Euclidean().Matrix(Variable(e), Variable(e)).value().ToPlain();
    const std::vector<double> w =
        DistanceWeights(d.data(), labels, c.dim(), p.cutoff(), p.nonzero_loss_cutoff());
    ASSERT_EQ(w.size(), static_cast<size_t>(c.weights_size()));
    for (int i = 0; i < c.weights_size(); ++i) {
      EXPECT_TRUE(Near(w[i], c.weights(i)))
          << "w[" << i << "]: ours " << w[i] << ", PML " << c.weights(i);
    }
  }
}

}  // namespace
}  // namespace siamese
