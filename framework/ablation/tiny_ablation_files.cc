// Test helper (testonly): writes a tiny ablation and its data for the
// command-line tests of ablate (cluster_run_test.sh):
//   tiny_ablation_files <dir>
// gives <dir>/{train,test}-{images,labels}.idx (tiny_run_testutil.h's
// synthetic bars), <dir>/configs/base.pbtxt (TinyExperiment, 1 epoch) and
// <dir>/ablations/tiny.pbtxt: 2 miners x 2 seeds = 4 runs of a few steps
// each, into <dir>/out unless output_dir is overridden.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "framework/io/atomic_file.h"
#include "framework/io/run_dir.h"
#include "framework/train/tiny_run_testutil.h"

namespace siamese {
namespace {

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tiny_ablation_files <dir>\n");
    return 2;
  }
  const std::string dir = argv[1];
  for (const absl::Status& s :
       {MakeDirs(dir + "/configs"), MakeDirs(dir + "/ablations"),
        testing_train::WriteSyntheticIdx(dir + "/train", 40, 1),
        testing_train::WriteSyntheticIdx(dir + "/test", 20, 2),
        WriteFileAtomically(dir + "/configs/base.pbtxt",
                            absl::StrReplaceAll(testing_train::TinyExperiment(dir, "tiny"),
                                                {{"epochs: 3", "epochs: 1"}})),
        WriteFileAtomically(dir + "/ablations/tiny.pbtxt",
                            absl::StrCat(R"(name: "tiny"
base: "../configs/base.pbtxt"
seeds: [1, 2]
axis {
  name: "miner"
  value { label: "semi_hard" override: '' }
  value { label: "all" override: 'miner { name: "all" }' }
}
metrics: ["precision_at_1", "map_at_r"]
output_dir: ")",
                                         dir, "/out\"\n"))}) {
    if (!s.ok()) {
      std::fprintf(stderr, "tiny_ablation_files: %s\n", std::string(s.message()).c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) { return siamese::Main(argc, argv); }
