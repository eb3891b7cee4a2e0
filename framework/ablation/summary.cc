#include "framework/ablation/summary.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "framework/io/atomic_file.h"

namespace siamese {

const char kProvenanceNote[] =
    "All metrics are on the TEST split; the verification threshold is calibrated on the "
    "VALIDATION split (held out from the training classes); hyper-parameters must be chosen "
    "on validation, never test.";

bool LowerIsBetter(const std::string& metric) {
  return metric == "eer" || absl::EndsWith(metric, "loss") || absl::EndsWith(metric, "seconds");
}

std::map<uint64_t, double> MetricBySeed(const Cell& cell, const std::string& metric) {
  std::map<uint64_t, double> out;
  for (const CellRun& run : cell.runs) {
    if (metric == "train_seconds") {
      out[run.seed] = run.train_seconds;
    } else if (auto it = run.metrics.find(metric); it != run.metrics.end()) {
      out[run.seed] = it->second;
    }
  }
  return out;
}

Estimate CellEstimate(const Cell& cell, const std::string& metric) {
  std::vector<double> values;
  for (const auto& [seed, v] : MetricBySeed(cell, metric)) values.push_back(v);
  return Summarize(values);
}

const Cell* FindBaseCell(const std::vector<Cell>& cells) {
  for (const Cell& c : cells) {
    if (c.is_base) return &c;
  }
  return nullptr;
}

std::vector<size_t> BestCells(const std::vector<Cell>& cells, const std::string& metric) {
  const bool lower = LowerIsBetter(metric);
  std::vector<size_t> best;
  double best_mean = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    const Estimate e = CellEstimate(cells[i], metric);
    if (!e.has_mean() || std::isnan(e.mean)) continue;
    if (best.empty() || (lower ? e.mean < best_mean : e.mean > best_mean)) {
      best = {i};
      best_mean = e.mean;
    } else if (e.mean == best_mean) {
      best.push_back(i);
    }
  }
  return best;
}

std::vector<std::string> MetricsWithBaseline(const std::vector<Cell>& cells,
                                             const std::vector<std::string>& metrics) {
  std::vector<std::string> out;
  for (const std::string& m : metrics) {
    bool found = false;
    for (const Cell& c : cells) {
      for (const CellRun& r : c.runs) found |= r.metrics.count("untrained_" + m) > 0;
    }
    if (found) out.push_back(m);
  }
  return out;
}

Estimate GainOverUntrained(const Cell& cell, const std::string& metric) {
  return PairedDifference(MetricBySeed(cell, "untrained_" + metric), MetricBySeed(cell, metric));
}

std::string FormatMeanSdCi(const Estimate& e) {
  return absl::StrCat(FormatNumber(e.mean), " ± ", FormatNumber(e.sd), " [", FormatNumber(e.ci_low),
                      ", ", FormatNumber(e.ci_high), "]");
}

std::string FormatDifference(const Estimate& d) {
  const std::string mean = std::isnan(d.mean) ? "n/a" : absl::StrFormat("%+.4f", d.mean);
  return absl::StrCat(mean, " [", FormatNumber(d.ci_low), ", ", FormatNumber(d.ci_high),
                      "] (n=", d.n, ")");
}

namespace {

// Axis names in order of first appearance over the cells.
std::vector<std::string> AxisNames(const std::vector<Cell>& cells) {
  std::vector<std::string> names;
  for (const Cell& c : cells) {
    for (const auto& [axis, value] : c.axis_values) {
      if (std::find(names.begin(), names.end(), axis) == names.end()) names.push_back(axis);
    }
  }
  return names;
}

std::string AxisValue(const Cell& c, const std::string& axis) {
  for (const auto& [a, v] : c.axis_values) {
    if (a == axis) return v;
  }
  return "";
}

// RFC 4180: quote fields holding a comma, quote or line break.
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\"", "\"\""}}), "\"");
}

std::string CsvNumber(double v) { return std::isnan(v) ? "n/a" : absl::StrFormat("%.6g", v); }

std::string MdCell(const std::string& s) {
  return absl::StrReplaceAll(s, {{"|", "\\|"}, {"\n", " "}});
}

std::string Csv(const std::vector<Cell>& cells, const std::vector<std::string>& metrics) {
  const Cell* base = FindBaseCell(cells);
  const std::vector<std::string> axes = AxisNames(cells);
  std::vector<std::string> header = {"label"};
  for (const std::string& a : axes) header.push_back(CsvField(a));
  header.push_back("n_seeds");
  for (const std::string& m : metrics) {
    for (const char* s : {"_mean", "_sd", "_ci95_low", "_ci95_high"})
      header.push_back(CsvField(m + s));
  }
  header.push_back("train_seconds_mean");
  for (const std::string& m : metrics) {
    for (const char* s : {"_diff_mean", "_diff_ci_low", "_diff_ci_high"}) {
      header.push_back(CsvField(m + s));
    }
  }
  const std::vector<std::string> baselined = MetricsWithBaseline(cells, metrics);
  for (const std::string& m : baselined) {
    for (const char* s : {"_untrained_mean", "_gain_mean", "_gain_ci_low", "_gain_ci_high"}) {
      header.push_back(CsvField(m + s));
    }
  }
  std::string out = absl::StrJoin(header, ",") + "\n";
  for (const Cell& c : cells) {
    std::vector<std::string> row = {CsvField(c.label)};
    for (const std::string& a : axes) row.push_back(CsvField(AxisValue(c, a)));
    row.push_back(absl::StrCat(c.runs.size()));
    for (const std::string& m : metrics) {
      const Estimate e = CellEstimate(c, m);
      for (double v : {e.mean, e.sd, e.ci_low, e.ci_high}) row.push_back(CsvNumber(v));
    }
    row.push_back(CsvNumber(CellEstimate(c, "train_seconds").mean));
    for (const std::string& m : metrics) {
      Estimate d;
      d.mean = d.ci_low = d.ci_high = std::nan("");
      if (base != nullptr) d = PairedDifference(MetricBySeed(*base, m), MetricBySeed(c, m));
      for (double v : {d.mean, d.ci_low, d.ci_high}) row.push_back(CsvNumber(v));
    }
    for (const std::string& m : baselined) {
      const Estimate g = GainOverUntrained(c, m);
      for (double v : {CellEstimate(c, "untrained_" + m).mean, g.mean, g.ci_low, g.ci_high}) {
        row.push_back(CsvNumber(v));
      }
    }
    out += absl::StrJoin(row, ",") + "\n";
  }
  return out;
}

std::string Markdown(const std::string& title, const std::vector<Cell>& cells,
                     const std::vector<std::string>& metrics) {
  const Cell* base = FindBaseCell(cells);
  std::string md = absl::StrCat("# ", title, "\n\n", kProvenanceNote, "\n\n");
  absl::StrAppend(&md,
                  "Each entry: mean ± sample standard deviation over seeds [95% confidence "
                  "interval of the mean, Student's t with n-1 degrees of freedom; n/a for a "
                  "single seed]. **Bold**: the best mean per metric (lower is better for ",
                  "eer, higher for the other metrics). train s: mean training time from "
                  "timing.json (not a quality metric).\n\n");
  absl::StrAppend(&md, "| cell | n |");
  for (const std::string& m : metrics) absl::StrAppend(&md, " ", MdCell(m), " |");
  absl::StrAppend(&md, " train s |\n|---|---|");
  for (size_t i = 0; i < metrics.size(); ++i) absl::StrAppend(&md, "---|");
  absl::StrAppend(&md, "---|\n");
  std::vector<std::vector<size_t>> best;
  for (const std::string& m : metrics) best.push_back(BestCells(cells, m));
  for (size_t i = 0; i < cells.size(); ++i) {
    const Cell& c = cells[i];
    absl::StrAppend(&md, "| ", MdCell(c.label), c.is_base ? " (base)" : "", " | ", c.runs.size(),
                    " |");
    for (size_t j = 0; j < metrics.size(); ++j) {
      const std::string text = FormatMeanSdCi(CellEstimate(c, metrics[j]));
      const bool bold = std::find(best[j].begin(), best[j].end(), i) != best[j].end();
      absl::StrAppend(&md, " ", bold ? "**" + text + "**" : text, " |");
    }
    absl::StrAppend(&md, " ", absl::StrFormat("%.1f", CellEstimate(c, "train_seconds").mean),
                    " |\n");
  }
  const std::vector<std::string> baselined = MetricsWithBaseline(cells, metrics);
  if (!baselined.empty()) {
    absl::StrAppend(
        &md,
        "\n## Against the untrained encoder\n\n"
        "Every run also evaluates its encoder at initialization on the same test "
        "split. Each entry: the untrained encoder's mean [95% t interval]; then the gain of "
        "training, "
        "mean of (trained - untrained) over seeds [95% t confidence interval] (n). A "
        "gain whose interval lies below 0 is a recipe that makes the model worse "
        "than its starting point.\n\n| cell |");
    for (const std::string& m : baselined)
      absl::StrAppend(&md, " ", MdCell(m), " untrained → gain |");
    absl::StrAppend(&md, "\n|---|");
    for (size_t i = 0; i < baselined.size(); ++i) absl::StrAppend(&md, "---|");
    absl::StrAppend(&md, "\n");
    for (const Cell& c : cells) {
      absl::StrAppend(&md, "| ", MdCell(c.label), c.is_base ? " (base)" : "", " |");
      for (const std::string& m : baselined) {
        const Estimate u = CellEstimate(c, "untrained_" + m);
        absl::StrAppend(&md, " ", FormatNumber(u.mean), " [", FormatNumber(u.ci_low), ", ",
                        FormatNumber(u.ci_high), "] → ", FormatDifference(GainOverUntrained(c, m)),
                        " |");
      }
      absl::StrAppend(&md, "\n");
    }
  }
  absl::StrAppend(&md, "\n## Paired differences vs the base cell\n\n");
  if (base == nullptr) return md + "No base cell: no paired differences.\n";
  absl::StrAppend(&md, "Base cell: ", MdCell(base->label),
                  ". Each entry: mean of (cell - base) over the seeds both ran (seeds missing "
                  "in either are dropped) [95% t confidence interval of the mean difference] "
                  "(n pairs). An interval that excludes 0 is a difference the seeds resolve.\n\n");
  absl::StrAppend(&md, "| cell |");
  for (const std::string& m : metrics) absl::StrAppend(&md, " Δ ", MdCell(m), " |");
  absl::StrAppend(&md, "\n|---|");
  for (size_t i = 0; i < metrics.size(); ++i) absl::StrAppend(&md, "---|");
  absl::StrAppend(&md, "\n");
  for (const Cell& c : cells) {
    if (&c == base) continue;
    absl::StrAppend(&md, "| ", MdCell(c.label), " |");
    for (const std::string& m : metrics) {
      absl::StrAppend(
          &md, " ", FormatDifference(PairedDifference(MetricBySeed(*base, m), MetricBySeed(c, m))),
          " |");
    }
    absl::StrAppend(&md, "\n");
  }
  return md;
}

}  // namespace

absl::Status WriteSummary(const std::string& dir, const std::string& title,
                          const std::vector<Cell>& cells, const std::vector<std::string>& metrics) {
  if (absl::Status s = WriteFileAtomically(dir + "/summary.csv", Csv(cells, metrics)); !s.ok()) {
    return s;
  }
  return WriteFileAtomically(dir + "/summary.md", Markdown(title, cells, metrics));
}

}  // namespace siamese
