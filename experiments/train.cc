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
//
// //experiments:train_mpi is this file linked with MPI
// (framework/distributed/world.h): `mpirun -np N train_mpi --config=...`
// (or `srun --mpi=pmix`) trains data-parallel on N ranks, `threads` threads
// each (framework/train/trainer.h); rank 0 prints and writes the run
// folder. A rank that fails ends at once without finalizing MPI, which makes
// mpirun (or srun) stop the job's other ranks, since they would wait for it
// in their next collective.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "experiments/cli.h"
#include "framework/core/dataset.h"
#include "framework/core/distance_function.h"
#include "framework/core/encoder.h"
#include "framework/core/input_reader.h"
#include "framework/core/experiment_file.h"
#include "framework/core/loss.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "framework/distributed/world.h"
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

int Main(int argc, char** argv, Communicator& world) {
  absl::SetProgramUsageMessage("Trains a Siamese / metric-learning model from an experiment file.");
  const std::vector<std::string> overrides = ParseFlagsAndOverrides(argc, argv);
  if (absl::GetFlag(FLAGS_list_plugins)) {
    List<Dataset>();
    List<InputReader>();
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
  options.communicator = &world;
  auto result = Train(**file, options);
  if (!result.ok()) {
    std::fprintf(stderr, "train: %s%s\n",
                 world.size() > 1 ? absl::StrCat("rank ", world.rank(), ": ").c_str() : "",
                 std::string(result.status().message()).c_str());
    if (world.size() > 1) {
      // The other ranks may be waiting in a collective: end the job.
      std::fflush(nullptr);
      std::_Exit(1);
    }
    return 1;
  }
  if (world.rank() != 0) return result->finished ? 0 : kInterruptedExitStatus;
  if (!result->finished) {
    std::fprintf(stderr,
                 "train: stopped by %s after step %ld; the checkpoint in %s holds it. Run the same "
                 "command to resume.\n",
                 result->interrupted_by != 0 ? SignalName(result->interrupted_by)
                                             : "a signal to another rank",
                 result->steps_done, result->run_dir.c_str());
    return kInterruptedExitStatus;
  }
  std::printf("run folder: %s\nresults: %s\n", result->run_dir.c_str(),
              ToJson(result->results, /*one_line=*/true).c_str());
  return 0;
}

}  // namespace
}  // namespace siamese

int main(int argc, char** argv) {
  // First: MPI starts here in train_mpi, before any thread.
  auto world = siamese::WorldCommunicator();
  if (!world.ok()) {
    std::fprintf(stderr, "train: %s\n", std::string(world.status().message()).c_str());
    return 1;
  }
  return siamese::Main(argc, argv, **world);
}
