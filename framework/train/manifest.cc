#include "framework/train/manifest.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "framework/io/checksum.h"
#include "framework/tensor/dnnl_context.h"
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

}  // namespace

Manifest MakeManifest(const Experiment& config, const std::vector<std::string>& data_files,
                      const std::string& command_line) {
  Manifest m;
  m.set_git_commit("unknown");
  if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
    const std::string git = absl::StrCat("git -C '", ws, "' ");
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
  m.set_seed(config.seed());
  m.set_command_line(command_line);
  for (const std::string& path : data_files) {
    DataFile* f = m.add_data_files();
    f->set_path(path);
    auto sha = Sha256FileHex(path);
    f->set_sha256(sha.ok() ? *sha : "unreadable");
  }
  return m;
}

}  // namespace siamese
