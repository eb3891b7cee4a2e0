// Test helper (testonly): a tiny synthetic image dataset and a run trained on
// it in a few seconds, for tests of what uses a finished run folder.
//
// The data (as in trainer_test.cc): 4 classes of 8x8 grayscale images, a
// bright bar in rows 2c and 2c+1 for class c plus uniform noise, as IDX files
// <dir>/train-{images,labels}.idx (40 per class) and test-... (20 per class);
// example i has class i % 4.
#ifndef SIAMESE_FRAMEWORK_TRAIN_TINY_RUN_TESTUTIL_H_
#define SIAMESE_FRAMEWORK_TRAIN_TINY_RUN_TESTUTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "framework/core/experiment_file.h"
#include "framework/io/idx.h"
#include "framework/tensor/rng.h"
#include "framework/train/trainer.h"

namespace siamese {
namespace testing_train {

inline IdxArray SyntheticImages(int per_class, uint64_t seed, IdxArray* labels) {
  Rng rng(seed);
  IdxArray images{{4 * per_class, 8, 8}, {}};
  *labels = IdxArray{{4 * per_class}, {}};
  for (int i = 0; i < 4 * per_class; ++i) {
    const int c = i % 4;
    for (int y = 0; y < 8; ++y) {
      for (int x = 0; x < 8; ++x) {
        const float v = rng.Uniform(0.0f, 90.0f) + (y == 2 * c || y == 2 * c + 1 ? 150.0f : 0.0f);
        images.data.push_back(static_cast<uint8_t>(v));
      }
    }
    labels->data.push_back(static_cast<uint8_t>(c));
  }
  return images;
}

inline absl::Status WriteSyntheticIdx(const std::string& prefix, int per_class, uint64_t seed) {
  IdxArray labels;
  IdxArray images = SyntheticImages(per_class, seed, &labels);
  if (absl::Status s = WriteIdx(prefix + "-images.idx", images); !s.ok()) return s;
  return WriteIdx(prefix + "-labels.idx", labels);
}

// An experiment on the synthetic data in `dir`, written to <dir>/runs/<name>.
inline std::string TinyExperiment(const std::string& dir, const std::string& name) {
  return absl::StrCat(R"(name: ")", name, R"("
seed: 3
threads: 1
output_dir: ")",
                      dir, R"(/runs"
data {
  dataset {
    name: "idx_images"
    [siamese.idx_images] {
      train_images: ")",
                      dir, R"(/train-images.idx"
      train_labels: ")",
                      dir, R"(/train-labels.idx"
      test_images: ")",
                      dir, R"(/test-images.idx"
      test_labels: ")",
                      dir, R"(/test-labels.idx"
      class_names: "bar0" class_names: "bar1" class_names: "bar2" class_names: "bar3"
    }
  }
  validation_fraction: 0.25
}
sampler { name: "pk" [siamese.pk] { k: 4 } }
encoder {
  name: "cnn"
  [siamese.cnn] { conv { channels: 4 } fc: 16 }
}
embedding_dim: 8
miner { name: "semi_hard" [siamese.semi_hard] { margin: 0.2 } }
loss { name: "triplet" [siamese.triplet] { margin: 0.2 } }
optimizer { name: "adam" learning_rate: 0.01 }
training { epochs: 3 batch_size: 16 log_every: 5 checkpoint_every: 0 }
evaluation { verification_pairs: 200 block_rows: 32 }
)");
}

// Writes the data into `dir` and trains TinyExperiment(dir, name); returns
// the checkpoint's path. stop_after_step >= 0 leaves an unfinished run (no
// threshold).
inline absl::StatusOr<std::string> TrainTinyRun(const std::string& dir, const std::string& name,
                                                int64_t stop_after_step = -1) {
  if (absl::Status s = WriteSyntheticIdx(dir + "/train", 40, 1); !s.ok()) return s;
  if (absl::Status s = WriteSyntheticIdx(dir + "/test", 20, 2); !s.ok()) return s;
  auto file = ExperimentFile::Parse("tiny.pbtxt", TinyExperiment(dir, name));
  if (!file.ok()) return file.status();
  TrainOptions options;
  options.verbose = false;
  options.stop_after_step = stop_after_step;
  auto result = Train(**file, options);
  if (!result.ok()) return result.status();
  return result->run_dir + "/checkpoint.ckpt";
}

}  // namespace testing_train
}  // namespace siamese

#endif  // SIAMESE_FRAMEWORK_TRAIN_TINY_RUN_TESTUTIL_H_
