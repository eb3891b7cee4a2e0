// New inputs (files, folders, command-line text) for trained image, text
// and series models: each must reach the encoder exactly as the model's own
// dataset examples do, so a new input equal to a dataset example embeds to
// that example's embedding.
#include "framework/train/new_inputs.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "framework/core/experiment_file.h"
#include "framework/io/atomic_file.h"
#include "framework/io/idx.h"
#include "framework/io/npy.h"
#include "framework/train/embed_export.h"
#include "framework/train/tiny_run_testutil.h"
#include "framework/train/trained_model.h"
#include "framework/train/trainer.h"
#include "framework/train/verify_pair.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

std::string Tmp(const std::string& name) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  EXPECT_EQ(system(("mkdir -p '" + dir + "'").c_str()), 0);
  return dir;
}

std::unique_ptr<TrainedModel> TrainAndLoad(const std::string& experiment) {
  auto file = ExperimentFile::Parse("exp.pbtxt", experiment);
  EXPECT_TRUE(file.ok()) << file.status();
  if (!file.ok()) return nullptr;
  TrainOptions options;
  options.verbose = false;
  auto run = Train(**file, options);
  EXPECT_TRUE(run.ok()) << run.status();
  if (!run.ok()) return nullptr;
  auto model = TrainedModel::Load(run->run_dir + "/checkpoint.ckpt");
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? std::move(*model) : nullptr;
}

// Rows of `embeddings` [N, D] as vectors.
std::vector<std::vector<float>> Rows(const std::string& npy) {
  auto a = ReadNpy(npy);
  EXPECT_TRUE(a.ok()) << a.status();
  std::vector<std::vector<float>> rows;
  if (!a.ok()) return rows;
  const int64_t n = a->shape[0], d = a->shape[1];
  for (int64_t i = 0; i < n; ++i)
    rows.emplace_back(a->data.begin() + i * d, a->data.begin() + (i + 1) * d);
  return rows;
}

void ExpectRowsNear(const std::vector<float>& a, const std::vector<float>& b,
                    const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-5) << what << " [" << k << "]";
}

TEST(NewInputsTest, ImageFilesAndFoldersAreTheDatasetsExamples) {
  const std::string dir = Tmp("images");
  auto ckpt = testing_train::TrainTinyRun(dir, "tiny");
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  auto model = TrainedModel::Load(*ckpt);
  ASSERT_TRUE(model.ok()) << model.status();
  // Test examples 0..3 as PGM files in a folder tree, with a hidden file.
  IdxArray labels;
  IdxArray images = testing_train::SyntheticImages(20, 2, &labels);
  const std::string photos = Tmp("images/photos/sub");
  for (int i = 0; i < 4; ++i) {
    std::string pgm = "P5\n8 8\n255\n";
    pgm.append(images.data.begin() + i * 64, images.data.begin() + (i + 1) * 64);
    const std::string path = i < 2 ? absl::StrCat(dir, "/photos/", i, ".pgm")
                                   : absl::StrCat(photos, "/", i, ".pgm");
    ASSERT_TRUE(WriteFileAtomically(path, pgm).ok());
  }
  ASSERT_TRUE(WriteFileAtomically(dir + "/photos/.hidden.pgm", "not an image").ok());
  auto reader = ModelInputReader(**model);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto inputs = ReadNewInputs(**model, **reader, {dir + "/photos"});
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->names.size(), 4u);
  EXPECT_EQ(inputs->names[0], dir + "/photos/0.pgm");
  EXPECT_EQ(inputs->names[3], photos + "/3.pgm");
  EXPECT_EQ(inputs->labels, std::vector<int64_t>(4, -1));

  // Embedded, they are test examples 0..3 (the test split is in file order).
  auto out = ExportNewInputs(model->get(), {dir + "/photos"}, dir + "/new");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(ExportSummary(**model, *out), HasSubstr("embedded 4 new inputs with tiny"));
  auto split = ExportEmbeddings(model->get(), "test", dir + "/test");
  ASSERT_TRUE(split.ok()) << split.status();
  const auto mine = Rows(dir + "/new/embeddings.npy"), theirs = Rows(dir + "/test/embeddings.npy");
  ASSERT_EQ(mine.size(), 4u);
  for (int i = 0; i < 4; ++i) ExpectRowsNear(mine[i], theirs[i], absl::StrCat("input ", i));
  auto metadata = ReadFile(dir + "/new/metadata.tsv");
  ASSERT_TRUE(metadata.ok());
  EXPECT_THAT(*metadata, HasSubstr("input\tlabel\tclass\n" + dir + "/photos/0.pgm\t-1\t\n"));

  // Errors name what is wrong.
  auto missing = ReadNewInputs(**model, **reader, {dir + "/nothing_here"});
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr(dir + "/nothing_here: no such file or folder"));
  const std::string empty = Tmp("images/empty");
  auto none = ReadNewInputs(**model, **reader, {empty});
  EXPECT_THAT(std::string(none.status().message()), HasSubstr(empty + ": no files"));
  ASSERT_TRUE(WriteFileAtomically(dir + "/wide.pgm", "P5 9 8 255\n" + std::string(72, 'a')).ok());
  auto wide = ReadNewInputs(**model, **reader, {dir + "/wide.pgm"});
  EXPECT_THAT(std::string(wide.status().message()),
              HasSubstr(dir + "/wide.pgm: the image is 8x9 (height x width) but the model takes "
                              "8x8 images"));
  auto text = VerifyPair(model->get(), "a sentence", "test:0");
  EXPECT_THAT(std::string(text.status().message()),
              HasSubstr("\"a sentence\" is not a file, and this model's inputs are grayscale "
                        "images"));
}

// What the text and series runs share after their data and encoder: a
// few steps of a 4-D embedding (small splits: 1-NN evaluation).
constexpr char kTinyTraining[] = R"(embedding_dim: 4
miner { name: "all" }
loss { name: "triplet" [siamese.triplet] { margin: 0.2 } }
optimizer { name: "adam" learning_rate: 0.01 }
training { epochs: 2 batch_size: 4 log_every: 100 checkpoint_every: 0 }
evaluation { untrained_baseline: false knn_k: 1 recall_at: 1 }
)";

// Two classes of short sentences: animals and vehicles.
const char* kSentences[][2] = {
    {"animal", "the cat sleeps on the mat"},   {"vehicle", "the car drives on the road"},
    {"animal", "a dog barks at the moon"},     {"vehicle", "a bus stops at the corner"},
    {"animal", "the bird sings in the tree"},  {"vehicle", "the train leaves the station"},
    {"animal", "a horse runs in the field"},   {"vehicle", "a truck carries heavy boxes"},
    {"animal", "the fish swims in the pond"},  {"vehicle", "the bike rolls down the hill"},
    {"animal", "a cow eats green grass"},      {"vehicle", "a plane flies over clouds"},
};

std::string TextExperiment(const std::string& dir) {
  std::string train, test;
  for (int i = 0; i < 12; ++i) {
    absl::StrAppend(i < 8 ? &train : &test, kSentences[i][0], "\t", kSentences[i][1], "\n");
  }
  EXPECT_TRUE(WriteFileAtomically(dir + "/train.tsv", train + train).ok());
  EXPECT_TRUE(WriteFileAtomically(dir + "/test.tsv", test).ok());
  return absl::StrCat(R"(name: "text" seed: 2 threads: 1 output_dir: ")", dir, R"(/runs"
data {
  dataset {
    name: "text_labeled"
    [siamese.text_labeled] { train_path: ")", dir, R"(/train.tsv" test_path: ")", dir,
                      R"(/test.tsv" tokenizer: "word" max_length: 8 }
  }
  validation_fraction: 0
}
preprocessing { normalize: false }
sampler { name: "pk" [siamese.pk] { k: 2 } }
encoder {
  name: "transformer"
  [siamese.transformer] { input: "tokens" vocab_size: 259 d_model: 8 num_heads: 2 num_layers: 1 ffn_dim: 16 }
}
)", kTinyTraining);
}

TEST(NewInputsTest, SentencesUseTheModelsTokenizer) {
  const std::string dir = Tmp("text");
  auto model = TrainAndLoad(TextExperiment(dir));
  ASSERT_NE(model, nullptr);
  // The test sentences, one per line, with an empty line and a CRLF line.
  const std::string file = dir + "/sentences.txt";
  ASSERT_TRUE(WriteFileAtomically(file, absl::StrCat(kSentences[8][1], "\n\n", kSentences[9][1],
                                                     "\r\n", kSentences[10][1], "\n"))
                  .ok());
  auto out = ExportNewInputs(model.get(), {file}, dir + "/new");
  ASSERT_TRUE(out.ok()) << out.status();
  auto split = ExportEmbeddings(model.get(), "test", dir + "/test");
  ASSERT_TRUE(split.ok()) << split.status();
  const auto mine = Rows(dir + "/new/embeddings.npy"), theirs = Rows(dir + "/test/embeddings.npy");
  ASSERT_EQ(mine.size(), 3u);
  for (int i = 0; i < 3; ++i) ExpectRowsNear(mine[i], theirs[i], absl::StrCat("sentence ", i));
  auto metadata = ReadFile(dir + "/new/metadata.tsv");
  ASSERT_TRUE(metadata.ok());
  EXPECT_THAT(*metadata, HasSubstr(file + ":3\t-1\t\n"));  // line numbers count the empty line

  // A sentence on the command line is the same input as the test example.
  auto v = VerifyPair(model.get(), kSentences[8][1], "test:0");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_NEAR(v->distance, 0.0f, 1e-5);
  EXPECT_EQ(v->a.description, absl::StrCat("\"", kSentences[8][1], "\""));
  // A file of several sentences is refused by verify, by name.
  auto several = VerifyPair(model.get(), file, "test:0");
  EXPECT_THAT(std::string(several.status().message()),
              HasSubstr(file + " holds 3 inputs; verify compares one with one"));
}

std::string SeriesExperiment(const std::string& dir) {
  // Two classes: rising and falling ramps of 6 to 10 values, with offsets.
  std::string train, test;
  for (int i = 0; i < 16; ++i) {
    const bool rising = i % 2 == 0;
    const int n = 6 + i % 5;
    std::vector<std::string> values;
    for (int k = 0; k < n; ++k) {
      values.push_back(absl::StrCat((rising ? k : n - k) * 0.5 + i * 0.1));
    }
    absl::StrAppend(i < 12 ? &train : &test, rising ? "1" : "2", ",",
                    absl::StrJoin(values, ","), "\n");
  }
  EXPECT_TRUE(WriteFileAtomically(dir + "/train.txt", train).ok());
  EXPECT_TRUE(WriteFileAtomically(dir + "/test.txt", test).ok());
  return absl::StrCat(R"(name: "series" seed: 2 threads: 1 output_dir: ")", dir, R"(/runs"
data {
  dataset {
    name: "ucr"
    [siamese.ucr] { train_path: ")", dir, R"(/train.txt" test_path: ")", dir,
                      R"(/test.txt" length: 12 }
  }
  validation_fraction: 0
}
sampler { name: "pk" [siamese.pk] { k: 2 } }
encoder {
  name: "cnn1d"
  [siamese.cnn1d] { conv { channels: 4 kernel: 3 } fc: 8 global_pool: true }
}
)", kTinyTraining);
}

TEST(NewInputsTest, SeriesAreResampledAndNormalizedAsTheDatasetDoes) {
  const std::string dir = Tmp("series");
  auto model = TrainAndLoad(SeriesExperiment(dir));
  ASSERT_NE(model, nullptr);
  // The test file itself as new inputs: the same examples and labels.
  auto reader = ModelInputReader(*model);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto inputs = ReadNewInputs(*model, **reader, {dir + "/test.txt"});
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  ASSERT_EQ(inputs->labels.size(), 4u);
  auto data = LoadModelData(*model);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(inputs->labels, data->test.labels);
  auto out = ExportNewInputs(model.get(), {dir + "/test.txt"}, dir + "/new");
  ASSERT_TRUE(out.ok()) << out.status();
  auto split = ExportEmbeddings(model.get(), "test", dir + "/test");
  ASSERT_TRUE(split.ok()) << split.status();
  const auto mine = Rows(dir + "/new/embeddings.npy"), theirs = Rows(dir + "/test/embeddings.npy");
  for (int i = 0; i < 4; ++i) ExpectRowsNear(mine[i], theirs[i], absl::StrCat("series ", i));

  // Test line 1 (a falling ramp of 6 values) written on the command line.
  std::vector<std::string> values;
  for (int k = 0; k < 7; ++k) values.push_back(absl::StrCat((7 - k) * 0.5 + 13 * 0.1));
  auto v = VerifyPair(model.get(), absl::StrJoin(values, ","), "test:1");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_NEAR(v->distance, 0.0f, 1e-5);
  // Labels match by number, as the dataset matches them (the UCR archive
  // writes class 2 as 2.0000000e+00).
  ASSERT_TRUE(WriteFileAtomically(dir + "/float_labels.txt", "2.0000000e+00,3,2,1\n7,1,2,3\n").ok());
  auto labeled = ReadNewInputs(*model, **reader, {dir + "/float_labels.txt"});
  ASSERT_TRUE(labeled.ok()) << labeled.status();
  const auto& classes = model->class_names();
  const int64_t two = std::find(classes.begin(), classes.end(), "2") - classes.begin();
  EXPECT_EQ(labeled->labels, (std::vector<int64_t>{two, -1}));

  auto bad = VerifyPair(model.get(), "1.5,x,2", "test:0");
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("\"x\" is not a finite number"));
}

}  // namespace
}  // namespace siamese
