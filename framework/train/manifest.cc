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
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::sse41: return "sse41";
    default: return "other";
  }
}

}  // namespace

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string MakeManifest(const Experiment& config, const std::vector<std::string>& data_files,
                         const std::string& command_line) {
  std::string commit = "unknown", dirty = "null";
  if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
    const std::string git = absl::StrCat("git -C '", ws, "' ");
    std::string c = Run(git + "rev-parse HEAD 2>/dev/null");
    if (!c.empty()) {
      commit = c;
      dirty = Run(git + "status --porcelain --untracked-files=no 2>/dev/null | head -1").empty()
                  ? "false"
                  : "true";
    }
  }
  const dnnl_version_t* v = dnnl_version();
  std::string files = "[";
  for (size_t i = 0; i < data_files.size(); ++i) {
    auto sha = Sha256FileHex(data_files[i]);
    absl::StrAppend(&files, i ? ", " : "", "{\"path\": ", JsonString(data_files[i]),
                    ", \"sha256\": ", JsonString(sha.ok() ? *sha : "unreadable"), "}");
  }
  files += "]";
  return absl::StrCat(
      "{\n  \"git_commit\": ", JsonString(commit), ",\n  \"git_dirty\": ", dirty,
      ",\n  \"compiler\": ", JsonString(absl::StrCat("gcc ", __VERSION__)),
      ",\n  \"onednn_version\": ",
      JsonString(absl::StrFormat("%d.%d.%d", v->major, v->minor, v->patch)),
      ",\n  \"cpu_isa\": ", JsonString(IsaName(dnnl::get_effective_cpu_isa())),
      ",\n  \"threads\": ", NumThreads(), ",\n  \"seed\": ", config.seed(),
      ",\n  \"command_line\": ", JsonString(command_line), ",\n  \"data_files\": ", files, "\n}\n");
}

}  // namespace siamese
