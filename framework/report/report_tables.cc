#include "framework/report/report_tables.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "framework/ablation/stats.h"
#include "framework/report/svg.h"

namespace siamese {

std::string SummaryTables(const std::vector<Cell>& cells, const std::vector<std::string>& metrics) {
  std::string h = "<table><tr><th>cell</th><th>n</th>";
  for (const std::string& m : metrics) absl::StrAppend(&h, "<th>", HtmlEscape(m), "</th>");
  absl::StrAppend(&h, "<th>train s</th></tr>\n");
  std::vector<std::vector<size_t>> best;
  for (const std::string& m : metrics) best.push_back(BestCells(cells, m));
  for (size_t i = 0; i < cells.size(); ++i) {
    absl::StrAppend(&h, "<tr><td>", HtmlEscape(cells[i].label), cells[i].is_base ? " (base)" : "",
                    "</td><td>", cells[i].runs.size(), "</td>");
    for (size_t j = 0; j < metrics.size(); ++j) {
      const bool b = std::count(best[j].begin(), best[j].end(), i) > 0;
      absl::StrAppend(&h, b ? "<td class=\"best\">" : "<td>",
                      HtmlEscape(FormatMeanSdCi(CellEstimate(cells[i], metrics[j]))), "</td>");
    }
    absl::StrAppend(&h, "<td>", FormatNumber(CellEstimate(cells[i], "train_seconds").mean, 1),
                    "</td></tr>\n");
  }
  h += "</table>\n<p>mean ± sample sd [95% CI of the mean, Student's t]; bold: best mean "
       "(lower is better for eer).</p>\n";
  const std::vector<std::string> baselined = MetricsWithBaseline(cells, metrics);
  if (!baselined.empty()) {
    h += "<h3>Against the untrained encoder</h3>\n<p>The untrained encoder's mean on the same "
         "test split, then the gain of training: trained − untrained, matched by seed; mean "
         "[95% CI] (n). A gain below 0 makes the model worse than its starting point.</p>\n"
         "<table><tr><th>cell</th>";
    for (const std::string& m : baselined) {
      absl::StrAppend(&h, "<th>", HtmlEscape(m), " untrained</th><th>gain</th>");
    }
    h += "</tr>\n";
    for (const Cell& c : cells) {
      absl::StrAppend(&h, "<tr><td>", HtmlEscape(c.label), "</td>");
      for (const std::string& m : baselined) {
        const Estimate g = GainOverUntrained(c, m);
        absl::StrAppend(&h, "<td>", FormatNumber(CellEstimate(c, "untrained_" + m).mean), "</td>",
                        g.has_ci() && g.ci_high < 0 ? "<td class=\"worse\">" : "<td>",
                        HtmlEscape(FormatDifference(g)), "</td>");
      }
      h += "</tr>\n";
    }
    h += "</table>\n";
  }
  const Cell* base = FindBaseCell(cells);
  if (base == nullptr) return h + "<p>No base cell: no paired differences.</p>\n";
  absl::StrAppend(&h, "<h3>Paired differences vs the base cell (", HtmlEscape(base->label),
                  ")</h3>\n<p>cell − base, matched by seed; mean [95% CI] (n pairs).</p>\n",
                  "<table><tr><th>cell</th>");
  for (const std::string& m : metrics) absl::StrAppend(&h, "<th>Δ ", HtmlEscape(m), "</th>");
  h += "</tr>\n";
  for (const Cell& c : cells) {
    if (&c == base) continue;
    absl::StrAppend(&h, "<tr><td>", HtmlEscape(c.label), "</td>");
    for (const std::string& m : metrics) {
      absl::StrAppend(&h, "<td>",
                      HtmlEscape(FormatDifference(
                          PairedDifference(MetricBySeed(*base, m), MetricBySeed(c, m)))),
                      "</td>");
    }
    h += "</tr>\n";
  }
  return h + "</table>\n";
}

std::string BarCharts(const std::vector<Cell>& cells, const std::vector<std::string>& metrics) {
  std::string h;
  for (const std::string& m : metrics) {
    const std::vector<size_t> best = BestCells(cells, m);
    std::vector<Bar> bars;
    for (size_t i = 0; i < cells.size(); ++i) {
      const Estimate e = CellEstimate(cells[i], m);
      bars.push_back({cells[i].label, e.mean, e.has_ci(), e.ci_low, e.ci_high,
                      std::count(best.begin(), best.end(), i) > 0});
    }
    h += BarChartSvg(
        absl::StrCat(m, (LowerIsBetter(m) ? " (lower is better)" : " (higher is better)")), m,
        bars);
  }
  return h;
}

}  // namespace siamese
