#include "framework/report/report.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/io/atomic_file.h"
#include "framework/io/npy.h"
#include "framework/report/pca.h"
#include "framework/report/report_tables.h"
#include "framework/report/run_files.h"
#include "framework/report/svg.h"

namespace siamese {
namespace {

constexpr char kStyle[] = R"(<style>
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1100px; }
.note { background: #fff6d5; border-left: 4px solid #e0b000; padding: 8px 12px; }
table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; }
td.best { font-weight: bold; }
td.worse { color: #b00; }
svg.chart { display: block; margin: 12px 0; background: #fff; border: 1px solid #ddd; }
svg.chart text { font-size: 12px; fill: #222; }
svg.chart text.title { font-size: 14px; font-weight: bold; }
svg.chart .grid { stroke: #eee; }
svg.chart .frame { fill: none; stroke: #888; }
svg.chart .errorbar { stroke: #000; stroke-width: 1.5; }
svg.chart .bar.best { stroke: #000; stroke-width: 2; }
svg.chart .chance { fill: none; stroke: #aaa; stroke-dasharray: 4 4; }
ul.missing { color: #a00; }
</style>
)";

constexpr char kScript[] = R"(<script>
window.addEventListener('load', function () {
  var charts = document.querySelectorAll('svg.chart');
  var ok = 0;
  charts.forEach(function (svg) {
    var box = svg.getBBox();
    var rendered = box.width > 0 && box.height > 0 && svg.childElementCount > 0;
    svg.setAttribute('data-rendered', rendered ? 'yes' : 'no');
    if (rendered) ok++;
  });
  document.body.dataset.chartsOk = String(ok);
  document.body.dataset.chartsTotal = String(charts.length);
});
</script>
)";

class ReportBuilder {
 public:
  explicit ReportBuilder(const std::vector<Cell>& cells) : cells_(cells) {}

  std::string Curves() {
    std::vector<Series> loss;
    std::map<std::string, std::vector<Series>> validation;
    for (const Cell& c : cells_) {
      if (c.runs.empty()) continue;
      const std::string path = c.runs[0].run_dir + "/metrics.jsonl";
      absl::StatusOr<TrainingCurves> curves = ReadTrainingCurves(path);
      if (!curves.ok()) {
        Missing(curves.status().ToString());
        continue;
      }
      loss.push_back({c.label, curves->loss.x, curves->loss.y});
      for (const auto& [metric, curve] : curves->validation) {
        validation[metric].push_back({c.label, curve.x, curve.y});
      }
    }
    std::string h;
    if (!loss.empty()) {
      h += LineChartSvg({"loss", "Training loss (first seed of each cell)", "step", "loss", false,
                         false, "data-split=\"train\""},
                        loss);
    }
    for (const auto& [metric, series] : validation) {
      h += LineChartSvg({"loss", "Validation " + metric + " (first seed of each cell)", "step",
                         metric, false, false, "data-split=\"validation\""},
                        series);
    }
    return h;
  }

  std::string Roc() {
    std::vector<Series> series;
    for (const Cell& c : cells_) {
      if (c.runs.empty()) continue;
      absl::StatusOr<Curve> roc = ReadRoc(c.runs[0].run_dir + "/roc.tsv");
      if (!roc.ok()) {
        Missing(roc.status().ToString());
        continue;
      }
      series.push_back({c.label, roc->x, roc->y});
    }
    if (series.empty()) return "";
    return LineChartSvg({"roc", "Test ROC (first seed of each cell)",
                         "false accept rate (log scale)", "true accept rate", true, true, ""},
                        series);
  }

  std::string Pca() {
    std::vector<const Cell*> order;
    for (const Cell& c : cells_) {
      if (c.is_base)
        order.insert(order.begin(), &c);
      else
        order.push_back(&c);
    }
    std::string h;
    int drawn = 0;
    for (const Cell* c : order) {
      if (c->runs.empty()) continue;
      if (drawn == kMaxPcaCells) {
        h += absl::StrCat("<p>PCA drawn for the first ", kMaxPcaCells, " cells only.</p>\n");
        break;
      }
      const std::string dir = c->runs[0].run_dir;
      absl::StatusOr<NpyArray<float>> emb = ReadNpy(dir + "/test_embeddings.npy");
      absl::StatusOr<NpyArray<int64_t>> labels = ReadNpyInt64(dir + "/test_labels.npy");
      if (!emb.ok() || !labels.ok()) {
        Missing((emb.ok() ? labels.status() : emb.status()).ToString());
        continue;
      }
      if (emb->shape.size() != 2 || emb->shape[0] < 1 || emb->shape[1] < 1 ||
          labels->data.size() != static_cast<size_t>(emb->shape[0])) {
        Missing(absl::StrCat(dir, ": test_embeddings.npy is not [N, D] with N = test_labels size"));
        continue;
      }
      const int64_t n = emb->shape[0], d = emb->shape[1];
      const std::vector<int64_t> rows = StridedSubsample(n, kMaxPcaPoints);
      std::vector<float> sub;
      sub.reserve(rows.size() * d);
      for (int64_t r : rows)
        sub.insert(sub.end(), emb->data.begin() + r * d, emb->data.begin() + (r + 1) * d);
      const Projection2D p = Pca2D(sub, static_cast<int64_t>(rows.size()), d);
      Scatter sc;
      std::set<int64_t> classes;
      for (int64_t r : rows) classes.insert(labels->data[r]);
      std::map<int64_t, int> index;
      for (int64_t k : classes) {
        index[k] = static_cast<int>(sc.legend.size());
        sc.legend.push_back(absl::StrCat("class ", k));
      }
      for (size_t i = 0; i < rows.size(); ++i)
        sc.color_index.push_back(index[labels->data[rows[i]]]);
      sc.x = p.pc1;
      sc.y = p.pc2;
      const double total = std::max(p.total_variance, 1e-300);
      sc.title = absl::StrCat("Test embeddings, PCA: ", c->label, c->is_base ? " (base)" : "", ", ",
                              rows.size(), " of ", n, " points");
      sc.x_label = absl::StrFormat("PC1 (%.1f%% of variance)", 100 * p.variance[0] / total);
      sc.y_label = absl::StrFormat("PC2 (%.1f%% of variance)", 100 * p.variance[1] / total);
      h += ScatterSvg(sc);
      ++drawn;
    }
    return h;
  }

  std::string MissingList() const {
    if (missing_.empty()) return "";
    std::string h = "<h2>Files not drawn</h2>\n<ul class=\"missing\">\n";
    for (const std::string& m : missing_) absl::StrAppend(&h, "<li>", HtmlEscape(m), "</li>\n");
    return h + "</ul>\n";
  }

 private:
  void Missing(const std::string& what) { missing_.push_back(what); }

  const std::vector<Cell>& cells_;
  std::vector<std::string> missing_;
};

}  // namespace

std::string RenderReport(const std::string& title, const std::vector<Cell>& cells,
                         const std::vector<std::string>& metrics) {
  ReportBuilder builder(cells);
  std::string h = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
      HtmlEscape(title), "</title>\n", kStyle, "</head>\n<body>\n<h1>", HtmlEscape(title),
      "</h1>\n<p class=\"note\">", HtmlEscape(kProvenanceNote), "</p>\n<h2>Summary</h2>\n");
  h += SummaryTables(cells, metrics);
  absl::StrAppend(&h, "<h2>Metrics per cell</h2>\n", BarCharts(cells, metrics));
  absl::StrAppend(&h, "<h2>Training curves</h2>\n", builder.Curves());
  absl::StrAppend(&h, "<h2>ROC curves</h2>\n", builder.Roc());
  absl::StrAppend(&h, "<h2>Test embeddings</h2>\n", builder.Pca());
  absl::StrAppend(&h, builder.MissingList(), kScript, "</body>\n</html>\n");
  return h;
}

absl::Status WriteReport(const std::string& dir, const std::string& title,
                         const std::vector<Cell>& cells, const std::vector<std::string>& metrics) {
  return WriteFileAtomically(dir + "/report.html", RenderReport(title, cells, metrics));
}

}  // namespace siamese
