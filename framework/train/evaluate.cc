#include "framework/train/evaluate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/ops/frozen_weights.h"

namespace siamese {
namespace {

std::vector<int> RecallKs(const EvaluationConfig& config) {
  std::vector<int> ks(config.recall_at().begin(), config.recall_at().end());
  if (ks.empty()) ks = {1, 2, 4, 8};
  return ks;
}

// The rows of `e` whose flag in `pick` (one per row) equals `value`, with
// their labels.
Tensor Rows(const Tensor& e, const std::vector<bool>& pick, bool value,
            const std::vector<int64_t>& labels, std::vector<int64_t>* picked_labels) {
  const int64_t d = e.dim(1);
  std::vector<float> v;
  for (size_t i = 0; i < pick.size(); ++i) {
    if (pick[i] != value) continue;
    v.insert(v.end(), e.data() + i * d, e.data() + (i + 1) * d);
    picked_labels->push_back(labels[i]);
  }
  return Tensor::FromVector({static_cast<int64_t>(picked_labels->size()), d}, v);
}

// The test split's retrieval: every example against all the others, or,
// when the dataset has a gallery (Dataset::gallery()), its queries against
// its gallery.
absl::StatusOr<RetrievalMetrics> TestRetrieval(const Tensor& embeddings, const Split& split,
                                               const Distance& kind,
                                               const EvaluationConfig& config,
                                               Communicator* comm) {
  const std::vector<bool> flags =
      split.dataset == nullptr ? std::vector<bool>() : split.dataset->gallery();
  if (flags.empty()) {
    return EvaluateRetrieval(embeddings, split.labels, embeddings, split.labels, true, kind,
                             RecallKs(config), config.knn_k(), config.block_rows(), comm);
  }
  if (static_cast<int64_t>(flags.size()) != split.dataset->size()) {
    return absl::InternalError(absl::StrCat("the test dataset has ", flags.size(),
                                            " gallery flags for ", split.dataset->size(),
                                            " examples"));
  }
  std::vector<bool> gallery(split.indices.size());
  for (size_t i = 0; i < gallery.size(); ++i) gallery[i] = flags[split.indices[i]];
  const Tensor e = embeddings.ToPlain();
  std::vector<int64_t> query_labels, gallery_labels;
  const Tensor queries = Rows(e, gallery, false, split.labels, &query_labels);
  const Tensor references = Rows(e, gallery, true, split.labels, &gallery_labels);
  if (query_labels.empty() || gallery_labels.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the test split has ", query_labels.size(), " queries and ", gallery_labels.size(),
        " gallery examples; its query/gallery protocol needs both"));
  }
  return EvaluateRetrieval(queries, query_labels, references, gallery_labels, false, kind,
                           RecallKs(config), config.knn_k(), config.block_rows(), comm);
}

}  // namespace

Tensor EmbedSplit(Encoder* encoder, const Split& split, const Normalization& normalization,
                  int64_t block, const std::string& layer, Communicator* comm) {
  const int ranks = comm == nullptr ? 1 : comm->size();
  const int rank = comm == nullptr ? 0 : comm->rank();
  // This rank's blocks: [blocks * rank / ranks, blocks * (rank + 1) / ranks).
  const int64_t n = split.size();
  const int64_t blocks = (n + block - 1) / block;
  auto first_row = [&](int r) { return std::min(n, blocks * r / ranks * block); };
  const int64_t begin = first_row(rank), end = first_row(rank + 1);
  const bool was_training = encoder->is_training();
  encoder->Eval();
  Tensor mine;
  {
    NoGradScope no_grad;
    // The weights stay fixed over all blocks: reorder each into its
    // primitive's layout once.
    FrozenWeightsScope frozen;
    for (int64_t start = begin; start < end; start += block) {
      std::vector<int64_t> positions;
      for (int64_t i = start; i < std::min(end, start + block); ++i) positions.push_back(i);
      Tensor e = encoder->ForwardTo(Variable(MakeBatch(split, positions, normalization)), layer)
                     .value()
                     .ToPlain();
      if (!mine.defined()) mine = Tensor::Empty({end - begin, e.dim(1)});
      std::memcpy(mine.data() + (start - begin) * e.dim(1), e.data(),
                  e.numel() * sizeof(float));
    }
  }
  encoder->Train(was_training);
  if (ranks == 1) return mine;
  // The last rank always has a block (when there is one): its width is
  // everyone's.
  float width = mine.defined() ? static_cast<float>(mine.dim(1)) : 0.0f;
  comm->Broadcast(&width, 1, ranks - 1);
  const int64_t d = static_cast<int64_t>(width);
  if (n == 0 || d == 0) return mine;
  std::vector<int64_t> counts(ranks);
  for (int r = 0; r < ranks; ++r) counts[r] = (first_row(r + 1) - first_row(r)) * d;
  Tensor out = Tensor::Empty({n, d});
  float nothing = 0;  // a rank without rows sends 0 floats, never from `out`
  comm->AllGather(mine.defined() ? mine.data() : &nothing, counts, out.data());
  return out;
}

absl::StatusOr<RetrievalMetrics> EvaluateSplitRetrieval(Encoder* encoder, const Split& split,
                                                        const Normalization& normalization,
                                                        const Distance& distance,
                                                        const EvaluationConfig& config,
                                                        Communicator* comm) {
  Tensor e = EmbedSplit(encoder, split, normalization, config.block_rows(),
                        config.embedding_layer(), comm);
  return EvaluateRetrieval(e, split.labels, e, split.labels, /*query_is_reference=*/true, distance,
                           RecallKs(config), config.knn_k(), config.block_rows(), comm);
}

absl::StatusOr<EvaluationReport> EvaluateModel(Encoder* encoder, const ExperimentData& data,
                                               const Distance& distance,
                                               const EvaluationConfig& config, uint64_t seed,
                                               Communicator* comm) {
  EvaluationReport report;
  const Distance& kind = distance;
  Tensor test = EmbedSplit(encoder, data.test, data.normalization, config.block_rows(),
                           config.embedding_layer(), comm);
  auto retrieval = TestRetrieval(test, data.test, kind, config, comm);
  if (!retrieval.ok()) return retrieval.status();
  report.test_retrieval = *retrieval;
  report.test_embeddings = test;
  if (config.has_few_shot()) {
    FewShotConfig f;
    f.ways = config.few_shot().ways();
    f.shots = config.few_shot().shots();
    f.queries_per_class = config.few_shot().queries_per_class();
    f.episodes = config.few_shot().episodes();
    f.seed = seed ^ 0x65706973ULL;
    auto few_shot = EvaluateFewShot(test, data.test.labels, distance, f);
    if (!few_shot.ok()) return few_shot.status();
    report.test_few_shot = *few_shot;
  }
  if (config.clustering()) {
    auto clustering = EvaluateClustering(test, data.test.labels, distance, seed);
    if (!clustering.ok()) return clustering.status();
    report.test_clustering = *clustering;
  }

  const std::set<int64_t> val_classes(data.validation.labels.begin(), data.validation.labels.end());
  if (val_classes.size() < 2) return report;
  // Threshold: calibrated on validation pairs only.
  Tensor val = EmbedSplit(encoder, data.validation, data.normalization, config.block_rows(),
                          config.embedding_layer(), comm);
  auto val_pairs = MakeVerificationPairs(data.validation.labels, config.verification_pairs(),
                                         seed ^ 0x76616cULL);
  if (!val_pairs.ok()) return val_pairs.status();
  auto val_d = PairDistances(val, *val_pairs, kind);
  if (!val_d.ok()) return val_d.status();
  auto threshold = CalibrateThreshold(*val_d, val_pairs->same);
  if (!threshold.ok()) return threshold.status();
  auto val_acc = AccuracyAtThreshold(*val_d, val_pairs->same, *threshold);
  if (!val_acc.ok()) return val_acc.status();
  auto test_pairs =
      MakeVerificationPairs(data.test.labels, config.verification_pairs(), seed ^ 0x74657374ULL);
  if (!test_pairs.ok()) return test_pairs.status();
  auto test_d = PairDistances(test, *test_pairs, kind);
  if (!test_d.ok()) return test_d.status();
  auto verification = EvaluateVerification(*test_d, test_pairs->same, *threshold);
  if (!verification.ok()) return verification.status();
  report.test_verification = *verification;
  auto roc = RocCurve(*test_d, test_pairs->same);
  if (roc.ok()) {
    const size_t step = std::max<size_t>(1, roc->size() / 200);
    for (size_t i = 0; i < roc->size(); i += step) report.test_roc.push_back((*roc)[i]);
    if (report.test_roc.back().threshold != roc->back().threshold)
      report.test_roc.push_back(roc->back());
  }
  report.threshold = *threshold;
  report.validation_accuracy = *val_acc;
  report.has_verification = true;
  return report;
}

RetrievalRecord ToRecord(const RetrievalMetrics& m) {
  RetrievalRecord r;
  r.set_precision_at_1(m.precision_at_1);
  r.set_r_precision(m.r_precision);
  r.set_map_at_r(m.map_at_r);
  for (const auto& [k, v] : m.recall_at_k) {
    RecallAtK* entry = r.add_recall_at_k();
    entry->set_k(k);
    entry->set_recall(v);
  }
  r.set_knn_accuracy(m.knn_accuracy);
  r.set_num_queries(static_cast<int32_t>(m.num_queries));
  return r;
}

TestMetrics ToTestMetrics(const EvaluationReport& report) {
  TestMetrics out;
  *out.mutable_retrieval() = ToRecord(report.test_retrieval);
  if (report.has_verification) {
    const VerificationMetrics& v = report.test_verification;
    VerificationRecord* r = out.mutable_verification();
    r->set_roc_auc(v.roc_auc);
    r->set_eer(v.eer);
    // Left out when too few different pairs define them.
    if (!std::isnan(v.tar_at_far_1e_3)) r->set_tar_at_far_1e_3(v.tar_at_far_1e_3);
    if (!std::isnan(v.tar_at_far_1e_2)) r->set_tar_at_far_1e_2(v.tar_at_far_1e_2);
    r->set_accuracy(v.accuracy);
    r->set_threshold(report.threshold);
    r->set_threshold_source("validation");
    r->set_validation_accuracy(report.validation_accuracy);
  }
  if (report.test_few_shot.has_value()) {
    const FewShotResult& f = *report.test_few_shot;
    FewShotRecord* r = out.mutable_few_shot();
    r->set_ways(f.ways);
    r->set_shots(f.shots);
    r->set_episodes(f.episodes);
    r->set_accuracy(f.accuracy);
    r->set_ci95_low(f.ci95_low);
    r->set_ci95_high(f.ci95_high);
  }
  if (report.test_clustering.has_value()) {
    const ClusteringMetrics& c = *report.test_clustering;
    ClusteringRecord* r = out.mutable_clustering();
    r->set_clusters(c.clusters);
    r->set_nmi(c.nmi);
    r->set_ami(c.ami);
  }
  return out;
}

RunResults ToRunResults(const EvaluationReport& report) {
  TestMetrics m = ToTestMetrics(report);
  RunResults out;
  out.set_split("test");
  *out.mutable_retrieval() = m.retrieval();
  if (m.has_verification()) *out.mutable_verification() = m.verification();
  if (m.has_few_shot()) *out.mutable_few_shot() = m.few_shot();
  if (m.has_clustering()) *out.mutable_clustering() = m.clustering();
  return out;
}

GainRecord Gain(const TestMetrics& trained, const TestMetrics& untrained) {
  GainRecord g;
  const RetrievalRecord &a = trained.retrieval(), &b = untrained.retrieval();
  g.set_precision_at_1(a.precision_at_1() - b.precision_at_1());
  g.set_r_precision(a.r_precision() - b.r_precision());
  g.set_map_at_r(a.map_at_r() - b.map_at_r());
  if (trained.has_verification() && untrained.has_verification()) {
    g.set_roc_auc(trained.verification().roc_auc() - untrained.verification().roc_auc());
  }
  if (trained.has_few_shot() && untrained.has_few_shot()) {
    g.set_few_shot_accuracy(trained.few_shot().accuracy() - untrained.few_shot().accuracy());
  }
  return g;
}

}  // namespace siamese
