// The README's "Your own images" command, end to end: the shipped
// experiments/configs/image_folder.pbtxt with the photo folder set as
// --set does (plus overrides that keep the run to seconds), on a folder of
// JPEGs generated here, two of them bad and skipped. The run must finish
// with results.json, count the skipped files in manifest.json, and save the
// per-channel normalization with the model.
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "framework/core/experiment_file.h"
#include "framework/io/atomic_file.h"
#include "framework/io/image_write_testutil.h"
#include "framework/proto/records.pb.h"
#include "framework/records/records.h"
#include "framework/tensor/rng.h"
#include "framework/io/npy.h"
#include "framework/train/embed_export.h"
#include "framework/train/trained_model.h"
#include "framework/train/trainer.h"
#include "framework/train/verify_pair.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

// 8 classes of 6 noisy 20x16 JPEGs, each class its own color.
std::string MakePhotos() {
  const std::string root = TmpDir() + "/photos";
  mkdir(root.c_str(), 0755);
  Rng rng(7);
  for (int c = 0; c < 8; ++c) {
    const std::string dir = absl::StrCat(root, "/class_", c);
    mkdir(dir.c_str(), 0755);
    const int base[3] = {(c & 1) * 200, (c & 2) * 100, (c & 4) * 50};
    for (int i = 0; i < 6; ++i) {
      std::vector<uint8_t> px;
      for (int k = 0; k < 20 * 16; ++k) {
        for (int ch = 0; ch < 3; ++ch) {
          px.push_back(static_cast<uint8_t>(base[ch] + rng.UniformInt(50)));
        }
      }
      EXPECT_TRUE(testing_io::WriteJpeg(absl::StrCat(dir, "/", i, ".jpg"), 20, 16, 3, px, 90).ok());
    }
  }
  const std::string jpeg = testing_io::EncodeJpeg(16, 16, 3, std::vector<uint8_t>(768, 9), 90);
  EXPECT_TRUE(WriteFileAtomically(root + "/class_0/cut.jpg", jpeg.substr(0, 200)).ok());
  EXPECT_TRUE(WriteFileAtomically(root + "/class_5/notes.png", "not an image\n").ok());
  return root;
}

TEST(ImageFolderEndToEndTest, TrainsOnAFolderOfJpegs) {
  const std::string root = MakePhotos();
  auto file = ExperimentFile::Load(
      "experiments/configs/image_folder.pbtxt",
      {absl::StrCat("data { dataset { [siamese.image_folder] { root: \"", root, "\" } } }"),
       absl::StrCat("output_dir: \"", TmpDir(), "/runs\""),
       "data { dataset { [siamese.image_folder] { size: 16 skip_bad_files: true } } }",
       "training { epochs: 6 batch_size: 16 eval_every: 4 log_every: 5 checkpoint_every: 0 }",
       "sampler { [siamese.pk] { k: 4 } }", "evaluation { verification_pairs: 200 }",
       "data { validation_fraction: 0.34 }", "schedule { [siamese.cosine] { warmup_steps: 2 } }"});
  ASSERT_TRUE(file.ok()) << file.status();
  TrainOptions options;
  options.verbose = false;
  auto result = Train(**file, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->finished);
  auto results_json = ReadFile(result->run_dir + "/results.json");
  ASSERT_TRUE(results_json.ok()) << results_json.status();
  EXPECT_THAT(*results_json, HasSubstr("map_at_r"));

  Manifest manifest;
  ASSERT_TRUE(ReadJsonFile(result->run_dir + "/manifest.json", &manifest).ok());
  EXPECT_EQ(manifest.skipped_file_count(), 2);
  ASSERT_EQ(manifest.skipped_files_size(), 2);
  EXPECT_THAT(manifest.skipped_files(0), HasSubstr(root + "/class_0/cut.jpg: bad JPEG"));
  EXPECT_THAT(manifest.skipped_files(1), HasSubstr(root + "/class_5/notes.png: not a PNG"));
  // Every decoded image's checksum: 8 x 6.
  EXPECT_EQ(manifest.data_files_size(), 48);

  auto model = TrainedModel::Load(result->run_dir + "/checkpoint.ckpt");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->get()->normalization().channel_mean.size(), 3u);
  EXPECT_EQ(model->get()->normalization().channel_std.size(), 3u);
  EXPECT_EQ(model->get()->example_shape(), (Shape{3, 16, 16}));

  // New photos are fitted as the dataset fits its own: the folder of the
  // first test class (class_4, test examples 0..5 in file order), embedded
  // as new inputs, gives the test split's embeddings of those photos.
  auto fresh = ExportNewInputs(model->get(), {root + "/class_4"}, TmpDir() + "/new");
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  auto split = ExportEmbeddings(model->get(), "test", TmpDir() + "/test_embeddings");
  ASSERT_TRUE(split.ok()) << split.status();
  auto mine = ReadNpy(TmpDir() + "/new/embeddings.npy");
  auto theirs = ReadNpy(TmpDir() + "/test_embeddings/embeddings.npy");
  ASSERT_TRUE(mine.ok() && theirs.ok());
  ASSERT_EQ(mine->shape[0], 6);
  for (size_t k = 0; k < mine->data.size(); ++k) {
    EXPECT_NEAR(mine->data[k], theirs->data[k], 1e-5) << k;
  }
  auto pair = VerifyPair(model->get(), root + "/class_4/1.jpg", "test:1");
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_NEAR(pair->distance, 0.0f, 1e-5);
}

}  // namespace
}  // namespace siamese
