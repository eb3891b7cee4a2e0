// train: runs an experiment file into its run folder.
//
//   bazel run -c opt //experiments:train --
//       --config=experiments/configs/fashion_mnist_closed_set.pbtxt
//       [--set='training { epochs: 3 }' ...] [--list_plugins]
//
// Paths are resolved against the folder `bazel run` was called from.
// Exit status: 0 finished; 1 an error (the message says what and where);
// 2 bad usage; 75 stopped by SIGINT, SIGTERM or SIGHUP with a checkpoint
// written (run the same command to resume); 128 + N killed by a second
// signal N.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
#include "experiments/cli.h"
#include "framework/core/dataset.h"
#include "framework/core/distance_function.h"
#include "framework/core/encoder.h"
#include "framework/core/experiment_file.h"
#include "framework/core/loss.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "framework/io/run_dir.h"
#include "framework/optim/optimizer.h"
#include "framework/optim/schedule.h"
#include "framework/records/records.h"
#include "framework/train/interrupt.h"
#include "framework/train/trainer.h"

ABSL_FLAG(std::string, config, "", "experiment file (protobuf text format)");
ABSL_FLAG(std::string, set, "",
          "an override in the experiment file's text format, e.g. 'training { epochs: 3 }'; "
          "repeat the flag for several, applied in order");
ABSL_FLAG(bool, list_plugins, false, "print every registered plugin with its parameters");

namespace siamese {
namespace {

template <typename T>
void List() {
  for (const PluginInfo& info : Registry<T>::List())
    std::printf("%s", DescribePlugin(info).c_str());
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Trains a Siamese / metric-learning model from an experiment file.");
  const std::vector<std::string> overrides = ParseFlagsAndOverrides(argc, argv);
  if (absl::GetFlag(FLAGS_list_plugins)) {
    List<Dataset>();
    List<Sampler>();
    List<Encoder>();
    List<DistanceFunction>();
    List<Miner>();
    List<Loss>();
    List<Optimizer>();
    List<LrSchedule>();
    return 0;
  }
  if (absl::GetFlag(FLAGS_config).empty()) {
    std::fprintf(stderr, "train: --config=<experiment file> is required\n");
    return 2;
  }
  auto path = ResolveUserPath(absl::GetFlag(FLAGS_config));
  if (!path.ok()) {
    std::fprintf(stderr, "train: %s\n", std::string(path.status().message()).c_str());
    return 1;
  }
  auto file = ExperimentFile::Load(*path, overrides);
  if (!file.ok()) {
    std::fprintf(stderr, "train: %s\n", std::string(file.status().message()).c_str());
    return 1;
  }
  TrainOptions options;
  std::vector<std::string> words(argv, argv + argc);
  options.command_line = absl::StrJoin(words, " ");
  auto result = Train(**file, options);
  if (!result.ok()) {
    std::fprintf(stderr, "train: %s\n", std::string(result.status().message()).c_str());
    return 1;
  }
  if (!result->finished) {
    std::fprintf(stderr,
                 "train: stopped by %s after step %ld; the checkpoint in %s holds it. Run the same "
                 "command to resume.\n",
                 SignalName(result->interrupted_by), result->steps_done, result->run_dir.c_str());
    return kInterruptedExitStatus;
  }
  std::printf("run folder: %s\nresults: %s\n", result->run_dir.c_str(),
              ToJson(result->results, /*one_line=*/true).c_str());
  return 0;
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) { return siamese::Main(argc, argv); }
