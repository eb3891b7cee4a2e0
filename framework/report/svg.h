// Inline SVG charts for report.html, drawn entirely here (no script, no
// external resources). Every chart is an <svg class="chart"
// data-chart="<kind>"> with a title, axes with ticks, and its marks.
#ifndef SIAMESE_FRAMEWORK_REPORT_SVG_H_
#define SIAMESE_FRAMEWORK_REPORT_SVG_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace siamese {

// &, <, >, " and ' as entities.
std::string HtmlEscape(absl::string_view s);

// A distinct color for series/class i: 10 fixed colors, then hues spaced
// by the golden angle.
std::string SeriesColor(size_t i);

struct Series {
  std::string name;
  std::vector<double> x, y;  // Non-finite points are skipped.
};

struct LineChart {
  std::string kind;  // data-chart value, e.g. "loss" or "roc".
  std::string title, x_label, y_label;
  bool log_x = false;            // Points with x <= 0 are drawn at the axis minimum.
  bool chance_diagonal = false;  // The line y = x (ROC of a random score).
  std::string extra_attributes;  // Appended to the <svg> tag, e.g. data-split="train".
};

// Lines, one per series, colored SeriesColor(i), with a legend.
std::string LineChartSvg(const LineChart& chart, const std::vector<Series>& series);

struct Bar {
  std::string label;
  double value = 0;
  bool has_ci = false;
  double low = 0, high = 0;
  bool best = false;  // Drawn with a thicker outline and a star.
};

// Horizontal bars (labels on the left) with error bars from low to high.
std::string BarChartSvg(const std::string& title, const std::string& metric,
                        const std::vector<Bar>& bars);

struct Scatter {
  std::string title, x_label, y_label;
  std::vector<double> x, y;
  std::vector<int> color_index;     // Per point, into legend.
  std::vector<std::string> legend;  // Name per color index.
};

// Points colored by class, with a legend (at most 24 entries shown).
std::string ScatterSvg(const Scatter& scatter);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_REPORT_SVG_H_
