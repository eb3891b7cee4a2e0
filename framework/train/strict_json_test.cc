// Every JSON file a run writes parses with Python's strict json.loads (with
// parse_constant refusing the NaN/Infinity tokens that are not JSON),
// including a run whose verification and validation metrics are undefined,
// and records holding non-finite numbers (written as JSON strings).
#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "framework/core/experiment_file.h"
#include "framework/io/run_dir.h"
#include "framework/records/records.h"
#include "framework/train/tiny_run_testutil.h"
#include "framework/train/trainer.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

// Python's verdict on `path`: "" when strict JSON (every line for .jsonl),
// else its error. Debian's python3 (tools/setup.sh).
std::string PythonStrictJson(const std::string& path) {
  const std::string script =
      "import json, sys\n"
      "def refuse(token): raise ValueError('non-JSON constant ' + token)\n"
      "path = sys.argv[1]\n"
      "text = open(path, encoding='utf-8').read()\n"
      "docs = [l for l in text.splitlines() if l.strip()] if path.endswith('.jsonl') else [text]\n"
      "assert docs, 'empty file'\n"
      "for d in docs: json.loads(d, parse_constant=refuse)\n";
  const std::string script_path = TmpDir() + "/strict_json.py";
  FILE* f = std::fopen(script_path.c_str(), "w");
  if (f == nullptr) return "cannot write the script";
  std::fputs(script.c_str(), f);
  std::fclose(f);
  const std::string command =
      absl::StrCat("/usr/bin/python3 '", script_path, "' '", path, "' 2>&1");
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return "cannot run python3";
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  const int rc = pclose(p);
  return rc == 0 ? "" : absl::StrCat("python3 exit ", rc, ": ", out);
}

std::vector<std::string> JsonFiles(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (absl::EndsWith(name, ".json") || absl::EndsWith(name, ".jsonl")) {
      out.push_back(dir + "/" + name);
    }
  }
  closedir(d);
  return out;
}

std::string TrainTiny(const std::string& name, const std::vector<std::string>& overrides) {
  EXPECT_TRUE(testing_train::WriteSyntheticIdx(TmpDir() + "/train", 40, 1).ok());
  EXPECT_TRUE(testing_train::WriteSyntheticIdx(TmpDir() + "/test", 20, 2).ok());
  auto file =
      ExperimentFile::Parse("tiny.pbtxt", testing_train::TinyExperiment(TmpDir(), name), overrides);
  EXPECT_TRUE(file.ok()) << file.status();
  if (!file.ok()) return "";
  TrainOptions options;
  options.verbose = false;
  auto run = Train(**file, options);
  EXPECT_TRUE(run.ok()) << run.status();
  if (!run.ok()) return "";
  EXPECT_TRUE(run->finished);
  return run->run_dir;
}

TEST(StrictJsonTest, EveryFileOfARunIsStrictJson) {
  const std::string dir = TrainTiny("strict", {"training { eval_every: 5 }"});
  const std::vector<std::string> files = JsonFiles(dir);
  // results.json, manifest.json, timing.json, metrics.jsonl
  EXPECT_EQ(files.size(), 4u);
  for (const std::string& f : files) EXPECT_EQ(PythonStrictJson(f), "") << f;
}

TEST(StrictJsonTest, ARunWithUndefinedMetricsIsStrictJsonToo) {
  // No validation split: no validation lines, no calibrated threshold, no
  // verification metrics.
  const std::string dir =
      TrainTiny("undefined", {"data { validation_fraction: 0 }", "training { eval_every: 5 }"});
  RunResults results;
  ASSERT_TRUE(ReadJsonFile(dir + "/results.json", &results).ok());
  EXPECT_FALSE(results.has_verification());
  for (const std::string& f : JsonFiles(dir)) EXPECT_EQ(PythonStrictJson(f), "") << f;
}

TEST(StrictJsonTest, NonFiniteNumbersAreWrittenAsJsonStrings) {
  const std::string path = TmpDir() + "/nonfinite.jsonl";
  MetricsLine line;
  line.set_step(1);
  line.set_split("train");
  line.set_loss(std::numeric_limits<float>::quiet_NaN());
  line.set_learning_rate(std::numeric_limits<float>::infinity());
  line.mutable_retrieval()->set_map_at_r(-std::numeric_limits<double>::infinity());
  ASSERT_TRUE(AppendJsonLine(path, line).ok());
  EXPECT_EQ(PythonStrictJson(path), "");
  // The check itself is strict: a bare NaN token fails it.
  const std::string bad = TmpDir() + "/bad.jsonl";
  FILE* f = std::fopen(bad.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("{\"step\": 1, \"loss\": NaN}\n", f);
  std::fclose(f);
  EXPECT_NE(PythonStrictJson(bad), "");
}

}  // namespace
}  // namespace siamese
