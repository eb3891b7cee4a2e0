// report.html of an ablation study: one self-contained file (inline CSS,
// inline SVG drawn here, a tiny inline script; no network access) with
//  - the provenance note and the summary tables of summary.h,
//  - per metric, bars of the mean per cell with 95% CI error bars
//    (data-chart="bars"),
//  - training-loss curves and validation-metric curves of each cell's first
//    seed from metrics.jsonl (data-chart="loss", data-split="train" or
//    "validation"),
//  - test ROC curves of each cell's first seed from roc.tsv, FAR on a log
//    scale (data-chart="roc"),
//  - 2-D PCA projections of the test embeddings of each cell's first seed
//    (base cell first, at most kMaxPcaCells cells, at most kMaxPcaPoints
//    points each, strided subsample) colored by class (data-chart="pca").
// A run file that is missing or unreadable does not fail the report: the
// chart omits that cell and the report lists the file and the reason.
// On load, the script marks each svg.chart whose bounding box is non-empty
// and that has children with data-rendered="yes", and sets
// document.body.dataset.chartsOk to the number of such charts.
#ifndef SIAMESE_FRAMEWORK_REPORT_REPORT_H_
#define SIAMESE_FRAMEWORK_REPORT_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "framework/ablation/summary.h"

namespace siamese {

constexpr int kMaxPcaCells = 8;
constexpr int kMaxPcaPoints = 2000;

// The complete report.html text (WriteReport writes it atomically).
std::string RenderReport(const std::string& title, const std::vector<Cell>& cells,
                         const std::vector<std::string>& metrics);

// Writes RenderReport(...) to `dir`/report.html.
// Errors: I/O, naming the file.
absl::Status WriteReport(const std::string& dir, const std::string& title,
                         const std::vector<Cell>& cells, const std::vector<std::string>& metrics);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_REPORT_REPORT_H_
