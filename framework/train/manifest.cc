#include "framework/train/manifest.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/io/checksum.h"
#include "framework/tensor/dnnl_context.h"
#include "framework/tensor/precision.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace siamese {
namespace {

// First line printed by `command`, or "" when it fails.
std::string Run(const std::string& command) {
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return "";
  char buf[256];
  std::string out;
  if (fgets(buf, sizeof(buf), p) != nullptr) out = buf;
  const int rc = pclose(p);
  if (rc != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

const char* IsaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
    case dnnl::cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core:
      return "avx512_core";
    case dnnl::cpu_isa::avx2_vnni:
      return "avx2_vnni";
    case dnnl::cpu_isa::avx2:
      return "avx2";
    case dnnl::cpu_isa::avx:
      return "avx";
    case dnnl::cpu_isa::sse41:
      return "sse41";
    default:
      return "other";
  }
}

// `s` with every byte sequence that is not valid UTF-8 replaced by U+FFFD
// (JSON strings must be UTF-8); sets *changed when anything was replaced.
std::string ValidUtf8(const std::string& s, bool* changed) {
  std::string out;
  *changed = false;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (int k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
    if (ok) {
      out.append(s, i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      *changed = true;
      ++i;
    }
  }
  return out;
}

// The source tree: where `bazel run` was called ($BUILD_WORKSPACE_DIRECTORY),
// else the current directory (a binary run from its checkout).
std::string SourceTree() {
  if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY")) return ws;
  return ".";
}

}  // namespace

Manifest MakeManifest(const Experiment& config, const std::vector<std::string>& data_files,
                      const std::string& command_line,
                      const std::vector<std::string>& skipped_files) {
  Manifest m;
  m.set_git_commit("unknown");
  {
    const std::string git = absl::StrCat("git -C '", SourceTree(), "' ");
    std::string c = Run(git + "rev-parse HEAD 2>/dev/null");
    if (!c.empty()) {
      m.set_git_commit(c);
      m.set_git_dirty(
          !Run(git + "status --porcelain --untracked-files=no 2>/dev/null | head -1").empty());
    }
  }
  m.set_compiler(absl::StrCat("gcc ", __VERSION__));
  const dnnl_version_t* v = dnnl_version();
  m.set_onednn_version(absl::StrFormat("%d.%d.%d", v->major, v->minor, v->patch));
  m.set_cpu_isa(IsaName(dnnl::get_effective_cpu_isa()));
  m.set_threads(NumThreads());
  m.set_precision(MatrixPrecisionName(CurrentMatrixPrecision()));
  m.set_seed(config.seed());
  bool replaced = false;
  m.set_command_line(ValidUtf8(command_line, &replaced));
  for (const std::string& path : data_files) {
    DataFile* f = m.add_data_files();
    f->set_path(ValidUtf8(path, &replaced));
    if (replaced) f->set_path_hex(absl::BytesToHexString(path));
    auto sha = Sha256FileHex(path);
    f->set_sha256(sha.ok() ? *sha : "unreadable");
  }
  m.set_skipped_file_count(static_cast<int32_t>(skipped_files.size()));
  for (const std::string& s : skipped_files) {
    bool changed = false;
    m.add_skipped_files(ValidUtf8(s, &changed));
  }
  return m;
}

absl::Status CheckDataFiles(const Manifest& recorded, const std::vector<std::string>& files,
                            const std::string& manifest_path) {
  for (const DataFile& f : recorded.data_files()) {
    const std::string path = f.has_path_hex() ? absl::HexStringToBytes(f.path_hex()) : f.path();
    if (std::find(files.begin(), files.end(), path) == files.end()) continue;
    auto sha = Sha256FileHex(path);
    if (!sha.ok() || *sha != f.sha256()) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": the data file changed since the run started (", manifest_path,
          " records sha256 ", f.sha256(), ", the file now ",
          sha.ok() ? *sha : std::string(sha.status().message()),
          "); the model was trained on other data: restore the file, or train a new run"));
    }
  }
  return absl::OkStatus();
}

}  // namespace siamese
