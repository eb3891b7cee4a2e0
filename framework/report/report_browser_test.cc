// Opens report.html in headless Chromium: every chart must render (the
// report's inline script marks it) and a screenshot must show content.
// Chromium is required (tools/setup.sh installs it); without it this test
// FAILS rather than skips.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "framework/io/atomic_file.h"
#include "framework/report/report.h"
#include "framework/report/report_testutil.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

constexpr char kChromium[] = "/usr/bin/chromium";

std::string ChromiumCommand(const std::string& tmp, const std::string& extra) {
  return absl::StrCat("timeout 120 ", kChromium,
                      " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage"
                      " --no-first-run --disable-background-networking --disable-component-update"
                      " --disable-sync --user-data-dir=",
                      tmp, "/profile --virtual-time-budget=5000 ", extra);
}

// The opening tags "<svg ...>" of the document.
std::vector<std::string> SvgTags(const std::string& dom) {
  std::vector<std::string> tags;
  for (size_t p = dom.find("<svg"); p != std::string::npos; p = dom.find("<svg", p + 1)) {
    tags.push_back(dom.substr(p, dom.find('>', p) - p));
  }
  return tags;
}

std::string Attribute(const std::string& tag, const std::string& name) {
  const std::string key = name + "=\"";
  const size_t p = tag.find(key);
  if (p == std::string::npos) return "";
  const size_t b = p + key.size();
  return tag.substr(b, tag.find('"', b) - b);
}

class ReportBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kChromium, X_OK), 0)
        << kChromium << " is missing: install it with tools/setup.sh (apt-get install chromium); "
        << "the report's browser test needs a real browser and does not skip.";
    tmp_ = ablation_testing::NewTestDir("browser");
    cells_ = ablation_testing::SyntheticCells(tmp_ + "/runs", 2, 2);
    ASSERT_TRUE(WriteReport(tmp_, "Browser test ablation", cells_, {"precision_at_1", "eer"}).ok());
  }

  std::string tmp_;
  std::vector<Cell> cells_;
};

TEST_F(ReportBrowserTest, EveryChartRenders) {
  const std::string dom_path = tmp_ + "/dom.html";
  const std::string cmd =
      ChromiumCommand(tmp_, absl::StrCat("--dump-dom file://", tmp_, "/report.html > ", dom_path,
                                         " 2> ", tmp_, "/chromium_dom.log"));
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n"
                                         << ReadFile(tmp_ + "/chromium_dom.log").value_or("");
  auto dom = ReadFile(dom_path);
  ASSERT_TRUE(dom.ok()) << dom.status();
  std::map<std::string, int> rendered, total;
  int charts = 0;
  for (const std::string& tag : SvgTags(*dom)) {
    if (Attribute(tag, "class") != "chart") continue;
    ++charts;
    const std::string kind = Attribute(tag, "data-chart");
    ++total[kind];
    EXPECT_EQ(Attribute(tag, "data-rendered"), "yes") << tag;
    if (Attribute(tag, "data-rendered") == "yes") ++rendered[kind];
  }
  for (const char* kind : {"bars", "loss", "roc", "pca"}) {
    EXPECT_GE(rendered[kind], 1) << "no rendered chart of kind " << kind;
    EXPECT_EQ(rendered[kind], total[kind]) << kind;
  }
  // 2 metrics, train loss + 3 validation metrics, 1 ROC, 2 PCA.
  EXPECT_EQ(charts, 2 + 4 + 1 + 2);
  const size_t body = dom->find("<body");
  ASSERT_NE(body, std::string::npos);
  const std::string body_tag = dom->substr(body, dom->find('>', body) - body);
  EXPECT_EQ(Attribute(body_tag, "data-charts-ok"), absl::StrCat(charts)) << body_tag;
}

TEST_F(ReportBrowserTest, ScreenshotHasContent) {
  const std::string png = tmp_ + "/report.png";
  const std::string cmd =
      ChromiumCommand(tmp_, absl::StrCat("--screenshot=", png, " --window-size=1200,2400 file://",
                                         tmp_, "/report.html > ", tmp_, "/chromium_shot.log 2>&1"));
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n"
                                         << ReadFile(tmp_ + "/chromium_shot.log").value_or("");
  struct stat st;
  ASSERT_EQ(::stat(png.c_str(), &st), 0) << png << " not written";
  EXPECT_GT(st.st_size, 10 * 1024) << "screenshot suspiciously small";
  auto bytes = ReadFile(png);
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(absl::StartsWith(*bytes, "\x89PNG\r\n\x1a\n"));
  // Keep the artifacts for a human look when the test runs under Bazel.
  if (const char* out = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR")) {
    (void)WriteFileAtomically(absl::StrCat(out, "/report.png"), *bytes);
    (void)WriteFileAtomically(absl::StrCat(out, "/report.html"),
                              ReadFile(tmp_ + "/report.html").value_or(""));
  }
}

}  // namespace
}  // namespace siamese
