// The tables and bar charts of report.html (summary statistics only; no
// run files are read).
#ifndef SIAMESE_FRAMEWORK_REPORT_REPORT_TABLES_H_
#define SIAMESE_FRAMEWORK_REPORT_REPORT_TABLES_H_

#include <string>
#include <vector>

#include "framework/ablation/summary.h"

namespace siamese {

// HTML tables: mean ± sd [95% CI] per cell and metric (best in bold), and
// the paired differences vs the base cell.
std::string SummaryTables(const std::vector<Cell>& cells, const std::vector<std::string>& metrics);

// One bar chart (data-chart="bars") per metric: means with 95% CI error bars.
std::string BarCharts(const std::vector<Cell>& cells, const std::vector<std::string>& metrics);

}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_REPORT_REPORT_TABLES_H_
