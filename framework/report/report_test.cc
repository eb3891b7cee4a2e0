#include "framework/report/report.h"

#include <cmath>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "framework/io/atomic_file.h"
#include "framework/report/pca.h"
#include "framework/report/report_testutil.h"
#include "framework/report/run_files.h"
#include "framework/report/svg.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ablation_testing::NewTestDir;
using ablation_testing::SyntheticCells;

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1))
    ++n;
  return n;
}

TEST(PcaTest, StridedSubsample) {
  EXPECT_EQ(StridedSubsample(10, 4), (std::vector<int64_t>{0, 2, 5, 7}));
  EXPECT_EQ(StridedSubsample(3, 4), (std::vector<int64_t>{0, 1, 2}));
}

TEST(PcaTest, HandComputedComponents) {
  // Points c +/- 2u and c +/- w with u = (1,1,0)/sqrt2, w = (1,-1,2)/sqrt6,
  // c = (5,5,5): covariance 2 u u' + 0.5 w w', so PC1 = u (variance 2),
  // PC2 = w (variance 0.5); the coordinates are (+/-2, 0) and (0, +/-1).
  const double r2 = std::sqrt(2.0), r6 = std::sqrt(6.0);
  const double u[3] = {1 / r2, 1 / r2, 0}, w[3] = {1 / r6, -1 / r6, 2 / r6};
  std::vector<float> data;
  for (auto [a, b] : std::vector<std::pair<double, double>>{{2, 0}, {-2, 0}, {0, 1}, {0, -1}}) {
    for (int k = 0; k < 3; ++k) data.push_back(static_cast<float>(5 + a * u[k] + b * w[k]));
  }
  const Projection2D p = Pca2D(data, 4, 3);
  EXPECT_NEAR(p.variance[0], 2.0, 1e-5);
  EXPECT_NEAR(p.variance[1], 0.5, 1e-5);
  EXPECT_NEAR(p.total_variance, 2.5, 1e-5);
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(p.axis[0][k], u[k], 1e-5) << k;
    EXPECT_NEAR(p.axis[1][k], w[k], 1e-5) << k;
  }
  const double pc1[4] = {2, -2, 0, 0}, pc2[4] = {0, 0, 1, -1};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(p.pc1[i], pc1[i], 1e-5) << i;
    EXPECT_NEAR(p.pc2[i], pc2[i], 1e-5) << i;
  }
}

TEST(PcaTest, ConstantDataProjectsToZero) {
  const Projection2D p = Pca2D(std::vector<float>(12, 3.0f), 4, 3);
  EXPECT_EQ(p.variance[0], 0);
  for (double v : p.pc1) EXPECT_EQ(v, 0);
  for (double v : p.pc2) EXPECT_EQ(v, 0);
}

TEST(RunFilesTest, ReadsCurvesAndRoc) {
  const std::string dir = NewTestDir("runfiles");
  ASSERT_TRUE(WriteFileAtomically(
                  dir + "/metrics.jsonl",
                  "{\"step\": 1, \"split\": \"train\", \"loss\": 0.9}\n"
                  "{\"step\": 2, \"split\": \"validation\", \"retrieval\": {\"map_at_r\": 0.4}}\n\n"
                  "{\"step\": 2, \"split\": \"train\", \"loss\": 0.7}\n"
                  "{\"step\": 2, \"split\": \"test\", \"retrieval\": {\"map_at_r\": 0.5}}\n")
                  .ok());
  auto curves = ReadTrainingCurves(dir + "/metrics.jsonl");
  ASSERT_TRUE(curves.ok()) << curves.status();
  EXPECT_EQ(curves->loss.x, (std::vector<double>{1, 2}));
  EXPECT_EQ(curves->loss.y, (std::vector<double>{0.9f, 0.7f}));  // stored as float
  ASSERT_EQ(curves->validation.size(), 1u);
  EXPECT_EQ(curves->validation.at("map_at_r").y, std::vector<double>{0.4});

  ASSERT_TRUE(WriteFileAtomically(dir + "/bad.jsonl", "{\"step\": 1}\n{\"step\" 2}\n").ok());
  auto bad = ReadTrainingCurves(dir + "/bad.jsonl");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "bad.jsonl:2: not a valid MetricsLine"))
      << bad.status();

  ASSERT_TRUE(
      WriteFileAtomically(dir + "/roc.tsv", "threshold\tfar\ttar\n1\t0\t0\n0.5\t0.1\t0.8\n").ok());
  auto roc = ReadRoc(dir + "/roc.tsv");
  ASSERT_TRUE(roc.ok()) << roc.status();
  EXPECT_EQ(roc->x, (std::vector<double>{0, 0.1}));
  EXPECT_EQ(roc->y, (std::vector<double>{0, 0.8}));
  ASSERT_TRUE(WriteFileAtomically(dir + "/roc2.tsv", "a\tb\tc\n").ok());
  EXPECT_FALSE(ReadRoc(dir + "/roc2.tsv").ok());
}

TEST(SvgTest, EscapesText) {
  EXPECT_EQ(HtmlEscape("a<b & \"c\">'"), "a&lt;b &amp; &quot;c&quot;&gt;&#39;");
  const std::string svg = BarChartSvg("<t>", "m", {{"x<y", 0.5, true, 0.4, 0.6, true}});
  EXPECT_TRUE(absl::StrContains(svg, "&lt;t&gt;"));
  EXPECT_FALSE(absl::StrContains(svg, "<t>"));
  EXPECT_EQ(Count(svg, "class=\"errorbar\""), 3);
}

TEST(ReportTest, SelfContainedWithEveryKindOfChart) {
  const std::string root = NewTestDir("report");
  std::vector<Cell> cells = SyntheticCells(root, 3, 2);
  const std::vector<std::string> metrics = {"precision_at_1", "map_at_r", "eer"};
  ASSERT_TRUE(WriteReport(root, "Loss <ablation>", cells, metrics).ok());
  auto html = ReadFile(root + "/report.html");
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_TRUE(absl::StartsWith(*html, "<!DOCTYPE html>"));
  EXPECT_TRUE(absl::StrContains(*html, "<h1>Loss &lt;ablation&gt;</h1>"));
  EXPECT_TRUE(absl::StrContains(*html, kProvenanceNote));
  EXPECT_EQ(Count(*html, "data-chart=\"bars\""), 3);
  EXPECT_EQ(Count(*html,
                  "data-chart=\"loss\" xmlns=\"http://www.w3.org/2000/svg\" width=\"780.00\" "
                  "height=\"380.00\" viewBox=\"0 0 780.00 380.00\" data-split=\"train\""),
            1);
  // Validation curves: precision_at_1, r_precision, map_at_r.
  EXPECT_EQ(Count(*html, "data-split=\"validation\""), 3);
  EXPECT_EQ(Count(*html, "data-chart=\"roc\""), 1);
  EXPECT_EQ(Count(*html, "data-chart=\"pca\""), 3);
  EXPECT_EQ(Count(*html, "<circle"), 3 * (120 + 3));  // Points and legend dots.
  EXPECT_TRUE(absl::StrContains(*html, "class 7"));
  // Nothing fetched from elsewhere: the only URL is the SVG namespace.
  EXPECT_EQ(Count(*html, "http"), Count(*html, "xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_FALSE(absl::StrContains(*html, "<script src"));
  EXPECT_FALSE(absl::StrContains(*html, "<link"));
  EXPECT_FALSE(absl::StrContains(*html, "Files not drawn"));
  EXPECT_FALSE(absl::StrContains(*html, "nan"));
}

TEST(ReportTest, MissingRunFilesAreListedNotFatal) {
  const std::string root = NewTestDir("report_missing");
  std::vector<Cell> cells = SyntheticCells(root, 2, 1);
  cells[1].runs[0].run_dir = root + "/does_not_exist";
  ASSERT_TRUE(WriteReport(root, "t", cells, {"precision_at_1"}).ok());
  auto html = ReadFile(root + "/report.html");
  ASSERT_TRUE(html.ok());
  EXPECT_TRUE(absl::StrContains(*html, "Files not drawn"));
  EXPECT_TRUE(absl::StrContains(*html, "does_not_exist/roc.tsv"));
  EXPECT_EQ(Count(*html, "data-chart=\"pca\""), 1);
  // A single seed: no CI, printed as n/a.
  EXPECT_TRUE(absl::StrContains(*html, "± n/a [n/a, n/a]"));
}

}  // namespace
}  // namespace siamese
