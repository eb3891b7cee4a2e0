#include "framework/report/svg.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace siamese {
namespace {

constexpr double kWidth = 780, kHeight = 380;
constexpr double kLeft = 70, kRight = 200, kTop = 40, kBottom = 50;

std::string F(double v) { return absl::StrFormat("%.2f", v); }

// Maps data values to pixels on one axis; log axes work in log10.
struct Scale {
  double lo = 0, hi = 1, px0 = 0, px1 = 1;
  bool log = false;
  double operator()(double v) const {
    if (log) v = std::log10(std::max(v, std::pow(10.0, lo)));
    return px0 + (v - lo) / (hi - lo) * (px1 - px0);
  }
};

// Widens [lo, hi] when it is empty or degenerate.
void FixRange(double* lo, double* hi) {
  if (!(*lo <= *hi)) *lo = 0, *hi = 1;
  if (*hi - *lo < 1e-12) {
    const double pad = std::max(std::fabs(*lo) * 0.1, 0.5);
    *lo -= pad;
    *hi += pad;
  }
}

// About `target` round tick values covering [lo, hi]; widens the range to them.
std::vector<double> NiceTicks(double* lo, double* hi, int target = 5) {
  FixRange(lo, hi);
  const double raw = (*hi - *lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  *lo = std::floor(*lo / step + 1e-9) * step;
  *hi = std::ceil(*hi / step - 1e-9) * step;
  std::vector<double> ticks;
  for (double t = *lo; t <= *hi + step * 1e-6; t += step)
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

std::string Open(const std::string& kind, const std::string& title, double height,
                 const std::string& extra = "") {
  return absl::StrCat("<svg class=\"chart\" data-chart=\"", kind,
                      "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"", F(kWidth), "\" height=\"",
                      F(height), "\" viewBox=\"0 0 ", F(kWidth), " ", F(height), "\"",
                      extra.empty() ? "" : " " + extra, ">\n<text class=\"title\" x=\"",
                      F(kWidth / 2), "\" y=\"22\" text-anchor=\"middle\">", HtmlEscape(title),
                      "</text>\n");
}

std::string Text(double x, double y, const std::string& s, const char* anchor = "middle",
                 const std::string& extra = "") {
  return absl::StrCat("<text x=\"", F(x), "\" y=\"", F(y), "\" text-anchor=\"", anchor, "\"", extra,
                      ">", HtmlEscape(s), "</text>\n");
}

std::string Line(double x1, double y1, double x2, double y2, const std::string& style) {
  return absl::StrCat("<line x1=\"", F(x1), "\" y1=\"", F(y1), "\" x2=\"", F(x2), "\" y2=\"", F(y2),
                      "\" ", style, "/>\n");
}

// Grid, tick labels and axis titles of a plot area.
std::string Axes(const Scale& sx, const Scale& sy, const std::vector<double>& xticks,
                 const std::vector<double>& yticks, const std::string& x_label,
                 const std::string& y_label) {
  std::string s;
  for (double t : yticks) {
    const double y = sy(t);
    s += Line(sx.px0, y, sx.px1, y, "class=\"grid\"");
    s += Text(sx.px0 - 6, y + 4, absl::StrFormat("%g", t), "end");
  }
  for (double t : xticks) {
    const double x = sx.log ? sx(std::pow(10.0, t)) : sx(t);
    s += Line(x, sy.px0, x, sy.px1, "class=\"grid\"");
    s += Text(x, sy.px0 + 16, sx.log ? absl::StrFormat("1e%g", t) : absl::StrFormat("%g", t));
  }
  s += absl::StrCat("<rect class=\"frame\" x=\"", F(sx.px0), "\" y=\"", F(sy.px1), "\" width=\"",
                    F(sx.px1 - sx.px0), "\" height=\"", F(sy.px0 - sy.px1), "\"/>\n");
  s += Text((sx.px0 + sx.px1) / 2, sy.px0 + 38, x_label);
  const double cy = (sy.px0 + sy.px1) / 2;
  s += Text(18, cy, y_label, "middle", absl::StrCat(" transform=\"rotate(-90 18 ", F(cy), ")\""));
  return s;
}

std::string Legend(const std::vector<std::string>& names, double x, double y, bool dots) {
  std::string s;
  const size_t shown = std::min<size_t>(names.size(), 24);
  for (size_t i = 0; i < shown; ++i) {
    const double yy = y + 16 * static_cast<double>(i);
    if (dots) {
      s += absl::StrCat("<circle cx=\"", F(x + 6), "\" cy=\"", F(yy - 4), "\" r=\"4\" fill=\"",
                        SeriesColor(i), "\"/>\n");
    } else {
      s += Line(x, yy - 4, x + 14, yy - 4,
                absl::StrCat("stroke=\"", SeriesColor(i), "\" stroke-width=\"3\""));
    }
    std::string name = names[i];
    if (name.size() > 26) name = name.substr(0, 25) + "…";
    s += Text(x + 20, yy, name, "start", " class=\"legend\"");
  }
  if (shown < names.size()) {
    s += Text(x, y + 16 * static_cast<double>(shown),
              absl::StrCat("… ", names.size() - shown, " more"), "start", " class=\"legend\"");
  }
  return s;
}

}  // namespace

std::string HtmlEscape(absl::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string SeriesColor(size_t i) {
  static const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  if (i < 10) return kColors[i];
  const double hue = std::fmod(static_cast<double>(i) * 137.508, 360.0);
  return absl::StrFormat("hsl(%.0f,65%%,45%%)", hue);
}

std::string LineChartSvg(const LineChart& chart, const std::vector<Series>& series) {
  double xlo = HUGE_VAL, xhi = -HUGE_VAL, ylo = HUGE_VAL, yhi = -HUGE_VAL;
  for (const Series& s : series) {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      if (!chart.log_x || s.x[i] > 0) xlo = std::min(xlo, s.x[i]), xhi = std::max(xhi, s.x[i]);
      ylo = std::min(ylo, s.y[i]);
      yhi = std::max(yhi, s.y[i]);
    }
  }
  Scale sx{0, 1, kLeft, kWidth - kRight, chart.log_x};
  Scale sy{0, 1, kHeight - kBottom, kTop, false};
  std::vector<double> xticks;
  if (chart.log_x) {
    if (!(xlo <= xhi)) xlo = 1e-4, xhi = 1;
    sx.lo = std::floor(std::log10(xlo));
    sx.hi = std::max(std::ceil(std::log10(xhi)), sx.lo + 1);
    for (double t = sx.lo; t <= sx.hi; t += 1) xticks.push_back(t);
  } else {
    xticks = NiceTicks(&xlo, &xhi);
    sx.lo = xlo, sx.hi = xhi;
  }
  std::vector<double> yticks = NiceTicks(&ylo, &yhi);
  sy.lo = ylo, sy.hi = yhi;
  std::string svg = Open(chart.kind, chart.title, kHeight, chart.extra_attributes);
  svg += Axes(sx, sy, xticks, yticks, chart.x_label, chart.y_label);
  if (chart.chance_diagonal) {
    std::string d;
    for (int i = 0; i <= 40; ++i) {
      const double x = chart.log_x ? std::pow(10.0, sx.lo + (sx.hi - sx.lo) * i / 40)
                                   : sx.lo + (sx.hi - sx.lo) * i / 40;
      absl::StrAppend(&d, i == 0 ? "M" : "L", F(sx(x)), ",", F(sy(std::min(x, sy.hi))));
    }
    svg += absl::StrCat("<path class=\"chance\" d=\"", d, "\"/>\n");
  }
  std::vector<std::string> names;
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    names.push_back(s.name);
    std::string d;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      absl::StrAppend(&d, d.empty() ? "M" : "L", F(sx(s.x[i])), ",", F(sy(s.y[i])));
    }
    if (d.empty()) continue;
    if (d.find('L') == std::string::npos) absl::StrAppend(&d, "h1");  // A single point.
    svg += absl::StrCat("<path class=\"series\" fill=\"none\" stroke=\"", SeriesColor(k),
                        "\" stroke-width=\"2\" d=\"", d, "\"><title>", HtmlEscape(s.name),
                        "</title></path>\n");
  }
  svg += Legend(names, kWidth - kRight + 14, kTop + 12, false);
  return svg + "</svg>\n";
}

std::string BarChartSvg(const std::string& title, const std::string& metric,
                        const std::vector<Bar>& bars) {
  constexpr double kLabelWidth = 260, kRowHeight = 28;
  const double height = kTop + kBottom + kRowHeight * std::max<size_t>(bars.size(), 1);
  double lo = 0, hi = 0;
  for (const Bar& b : bars) {
    for (double v : {b.value, b.has_ci ? b.low : b.value, b.has_ci ? b.high : b.value}) {
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  }
  std::vector<double> ticks = NiceTicks(&lo, &hi);
  Scale sx{lo, hi, kLabelWidth, kWidth - 40, false};
  Scale sy{0, 1, height - kBottom, kTop, false};
  std::string svg =
      Open("bars", title, height, absl::StrCat("data-metric=\"", HtmlEscape(metric), "\""));
  svg += Axes(sx, sy, ticks, {}, metric + " (mean, 95% CI)", "");
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = kTop + kRowHeight * static_cast<double>(i);
    std::string label = b.label;
    if (label.size() > 38) label = label.substr(0, 37) + "…";
    svg += Text(kLabelWidth - 8, y + kRowHeight / 2 + 4, (b.best ? "★ " : "") + label, "end");
    if (!std::isfinite(b.value)) continue;
    const double x0 = sx(0), x1 = sx(b.value);
    svg += absl::StrCat("<rect class=\"bar", b.best ? " best" : "", "\" x=\"", F(std::min(x0, x1)),
                        "\" y=\"", F(y + 5), "\" width=\"", F(std::max(std::fabs(x1 - x0), 1.0)),
                        "\" height=\"", F(kRowHeight - 10), "\" fill=\"", SeriesColor(i),
                        "\"><title>", HtmlEscape(b.label), ": ", absl::StrFormat("%.4f", b.value),
                        "</title></rect>\n");
    if (b.has_ci && std::isfinite(b.low) && std::isfinite(b.high)) {
      const double yc = y + kRowHeight / 2;
      const std::string style = "class=\"errorbar\"";
      svg += Line(sx(b.low), yc, sx(b.high), yc, style);
      svg += Line(sx(b.low), yc - 6, sx(b.low), yc + 6, style);
      svg += Line(sx(b.high), yc - 6, sx(b.high), yc + 6, style);
    }
  }
  return svg + "</svg>\n";
}

std::string ScatterSvg(const Scatter& sc) {
  double xlo = HUGE_VAL, xhi = -HUGE_VAL, ylo = HUGE_VAL, yhi = -HUGE_VAL;
  for (size_t i = 0; i < sc.x.size(); ++i) {
    xlo = std::min(xlo, sc.x[i]), xhi = std::max(xhi, sc.x[i]);
    ylo = std::min(ylo, sc.y[i]), yhi = std::max(yhi, sc.y[i]);
  }
  std::vector<double> xticks = NiceTicks(&xlo, &xhi), yticks = NiceTicks(&ylo, &yhi);
  Scale sx{xlo, xhi, kLeft, kWidth - kRight, false};
  Scale sy{ylo, yhi, kHeight - kBottom, kTop, false};
  std::string svg = Open("pca", sc.title, kHeight);
  svg += Axes(sx, sy, xticks, yticks, sc.x_label, sc.y_label);
  for (size_t i = 0; i < sc.x.size(); ++i) {
    svg += absl::StrCat("<circle cx=\"", F(sx(sc.x[i])), "\" cy=\"", F(sy(sc.y[i])),
                        "\" r=\"2.5\" fill=\"", SeriesColor(sc.color_index[i]), "\"/>\n");
  }
  svg += Legend(sc.legend, kWidth - kRight + 14, kTop + 12, true);
  return svg + "</svg>\n";
}

}  // namespace siamese
