// Evaluation of a trained encoder, the way the peers report it:
//   retrieval on the test split (every test example queries all the others:
//   Precision@1, R-Precision, MAP@R, Recall@K, kNN accuracy; or, for a
//   dataset whose test split is queries and a gallery (Dataset::gallery(),
//   In-Shop), each query retrieves from the gallery), and
//   verification on balanced test pairs (ROC AUC, EER, TAR@FAR) with the
//   accuracy at a distance threshold calibrated on VALIDATION pairs, never on
//   the test split; and, as pytorch-metric-learning reports them, NMI and
//   AMI of a k-means clustering of the test embeddings (k = the number of
//   test classes).
#ifndef SIAMESE_FRAMEWORK_TRAIN_EVALUATE_H_
#define SIAMESE_FRAMEWORK_TRAIN_EVALUATE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "framework/core/distance.h"
#include "framework/core/encoder.h"
#include "framework/distributed/communicator.h"
#include "framework/eval/clustering.h"
#include "framework/eval/few_shot.h"
#include "framework/eval/retrieval.h"
#include "framework/eval/verification.h"
#include "framework/proto/experiment.pb.h"
#include "framework/proto/records.pb.h"
#include "framework/train/data.h"

namespace siamese {

struct EvaluationReport {
  RetrievalMetrics test_retrieval;
  VerificationMetrics test_verification;
  double validation_accuracy = 0;  // at the calibrated threshold
  double threshold = 0;            // calibrated on validation pairs
  bool has_verification = false;   // false when validation has < 2 classes
  // For reports: test-pair ROC (at most ~200 points, evenly spaced in rank)
  // and the test embeddings [N, D] (row i is test example i).
  std::vector<RocPoint> test_roc;
  Tensor test_embeddings;
  // N-way K-shot episodes on the test split (evaluation.few_shot).
  std::optional<FewShotResult> test_few_shot;
  // k-means of the test embeddings, NMI and AMI (evaluation.clustering).
  std::optional<ClusteringMetrics> test_clustering;
};

// Embeddings [split.size(), D] of every example, the activations of
// `layer` ("": the encoder's output), in eval mode without a tape, in blocks
// of `block` examples. Restores the encoder's mode.
// With `comm` of more than one rank, each rank embeds a contiguous run of
// whole blocks (the same blocks one process would embed, so the same
// batches go through the encoder) and every rank receives all rows, in
// order, by an all-gather. REQUIRES: every rank calls it with the same
// split, block and layer, and the same weights.
Tensor EmbedSplit(Encoder* encoder, const Split& split, const Normalization& normalization,
                  int64_t block, const std::string& layer = "", Communicator* comm = nullptr);

// Retrieval metrics of `split` against itself (leave-one-out), embedded
// with config.embedding_layer(). With `comm`, the embedding is shared out
// over the ranks (EmbedSplit), and so are the queries (EvaluateRetrieval):
// every rank returns the same numbers, those of one process given the same
// embeddings.
absl::StatusOr<RetrievalMetrics> EvaluateSplitRetrieval(Encoder* encoder, const Split& split,
                                                        const Normalization& normalization,
                                                        const Distance& distance,
                                                        const EvaluationConfig& config,
                                                        Communicator* comm = nullptr);

// Everything above on the test split, embedded with config.embedding_layer(),
// the threshold calibrated on validation pairs, N-way K-shot episodes when
// config.has_few_shot(), and the clustering metrics when config.clustering()
// (k-means seeded with `seed`; with a distance that normalizes(), cosine,
// the embeddings are clustered on the unit sphere). With `comm`, both splits
// are embedded over the ranks as EmbedSplit says and the test queries are
// ranked over them (EvaluateRetrieval); verification pairs, few-shot
// episodes and k-means (small next to retrieval) run on every rank. Every
// rank returns the same report.
absl::StatusOr<EvaluationReport> EvaluateModel(Encoder* encoder, const ExperimentData& data,
                                               const Distance& distance,
                                               const EvaluationConfig& config, uint64_t seed,
                                               Communicator* comm = nullptr);

// The report as the records of results.json and metrics.jsonl
// (framework/proto/records.proto); Recall@K in increasing K.
RetrievalRecord ToRecord(const RetrievalMetrics& metrics);
TestMetrics ToTestMetrics(const EvaluationReport& report);
RunResults ToRunResults(const EvaluationReport& report);
// trained - untrained for the metrics both have.
GainRecord Gain(const TestMetrics& trained, const TestMetrics& untrained);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_EVALUATE_H_
