#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "framework/core/registry.h"
#include "framework/core/sampler.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<std::unique_ptr<Sampler>> Make(const std::string& params) {
  SamplerConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      absl::StrCat(R"(name: "hierarchical" [siamese.hierarchical] { )", params, " }"), &c));
  return Registry<Sampler>::Create(c, {});
}

// `per_class[c]` examples of class c, whose super-class is super_of[c]; the
// examples interleaved (round robin over the classes) so that index order is
// not class order.
SamplerInput Input(const std::vector<int>& per_class, const std::vector<int64_t>& super_of) {
  SamplerInput in;
  in.dataset = "toy";
  std::vector<int> left = per_class;
  for (bool any = true; any;) {
    any = false;
    for (size_t c = 0; c < left.size(); ++c) {
      if (left[c] == 0) continue;
      --left[c];
      any = true;
      in.labels.push_back(static_cast<int64_t>(c));
      in.super_labels.push_back(super_of[c]);
    }
  }
  return in;
}

// A batch as super-class -> class -> number of examples.
std::map<int64_t, std::map<int64_t, int>> Composition(const SamplerInput& in, const Batch& b) {
  std::map<int64_t, std::map<int64_t, int>> out;
  for (int64_t i : b.indices) ++out[in.super_labels[i]][in.labels[i]];
  return out;
}

bool Same(const std::vector<Batch>& x, const std::vector<Batch>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].indices != y[i].indices) return false;
  }
  return true;
}

// Super-class 0: classes 0, 1, 2; super-class 1: classes 3, 4; super-class
// 2: classes 5, 6, 7. Three examples per class but class 7 (two).
SamplerInput Toy() { return Input({3, 3, 3, 3, 3, 3, 3, 2}, {0, 0, 0, 1, 1, 2, 2, 2}); }

TEST(HierarchicalSamplerTest, EveryBatchIsTwoSuperClassesOfTwoClassesOfTwo) {
  // batch 8 = 2 super-classes x (4 = 2 classes x 2 examples).
  auto s = Make("samples_per_class: 2 batches_per_super_tuple: 3 super_classes_per_batch: 2");
  ASSERT_TRUE(s.ok()) << s.status();
  const SamplerInput in = Toy();
  ASSERT_TRUE((*s)->Init(in, 8, 5).ok());
  EXPECT_TRUE((*s)->Warnings().empty());
  for (int64_t epoch : {0, 1}) {
    const std::vector<Batch> batches = (*s)->EpochBatches(epoch);
    // C(3, 2) = 3 tuples {0,1} {0,2} {1,2}, 3 batches each.
    ASSERT_EQ(batches.size(), 9u);
    std::map<std::set<int64_t>, int> tuples;
    std::set<std::vector<int64_t>> distinct;
    for (const Batch& b : batches) {
      ASSERT_EQ(b.indices.size(), 8u);
      EXPECT_TRUE(b.given.empty());
      EXPECT_EQ(std::set<int64_t>(b.indices.begin(), b.indices.end()).size(), 8u)
          << "an example twice (every class has >= 2)";
      const auto comp = Composition(in, b);
      ASSERT_EQ(comp.size(), 2u);
      std::set<int64_t> tuple;
      for (const auto& [super, classes] : comp) {
        tuple.insert(super);
        ASSERT_EQ(classes.size(), 2u) << "super-class " << super;
        for (const auto& [label, count] : classes) EXPECT_EQ(count, 2) << "class " << label;
      }
      // Super-class 1 has exactly 2 classes: both are in each of its batches.
      if (comp.count(1)) {
        EXPECT_EQ(comp.at(1).count(3) + comp.at(1).count(4), 2u);
      }
      ++tuples[tuple];
      distinct.insert(b.indices);
    }
    EXPECT_EQ(tuples, (std::map<std::set<int64_t>, int>{{{0, 1}, 3}, {{0, 2}, 3}, {{1, 2}, 3}}));
    EXPECT_GT(distinct.size(), 6u) << "batches of one tuple should differ";
  }
}

TEST(HierarchicalSamplerTest, EpochsArePureFunctionsOfSeedAndEpoch) {
  const SamplerInput in = Toy();
  auto a = Make("samples_per_class: 2");
  auto b = Make("samples_per_class: 2");
  auto other_seed = Make("samples_per_class: 2");
  ASSERT_TRUE(a.ok() && b.ok() && other_seed.ok());
  ASSERT_TRUE((*a)->Init(in, 8, 7).ok());
  ASSERT_TRUE((*b)->Init(in, 8, 7).ok());
  ASSERT_TRUE((*other_seed)->Init(in, 8, 8).ok());
  const std::vector<Batch> e2 = (*a)->EpochBatches(2);
  EXPECT_EQ(e2.size(), 12u);  // C(3, 2) x the default 4
  EXPECT_TRUE(Same((*a)->EpochBatches(2), e2));
  // A resumed run: a fresh sampler computes epoch 2 without the others.
  EXPECT_TRUE(Same((*b)->EpochBatches(2), e2));
  EXPECT_FALSE(Same((*a)->EpochBatches(1), e2));
  EXPECT_FALSE(Same((*other_seed)->EpochBatches(2), e2));
}

TEST(HierarchicalSamplerTest, EpochLengthIsTuplesTimesBatchesPerTuple) {
  // 5 super-classes of 2 classes of 4 examples.
  const SamplerInput in = Input({4, 4, 4, 4, 4, 4, 4, 4, 4, 4}, {0, 0, 1, 1, 2, 2, 3, 3, 4, 4});
  const struct {
    int s, b, batch;
    size_t batches;
  } cases[] = {
      {1, 1, 4, 5},    // C(5, 1) x 1
      {2, 4, 8, 40},   // C(5, 2) = 10 x 4
      {3, 2, 12, 20},  // C(5, 3) = 10 x 2
      {5, 3, 20, 3},   // C(5, 5) = 1 x 3
  };
  for (const auto& c : cases) {
    auto s = Make(absl::StrCat("samples_per_class: 2 super_classes_per_batch: ", c.s,
                               " batches_per_super_tuple: ", c.b));
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Init(in, c.batch, 1).ok()) << c.s;
    const std::vector<Batch> batches = (*s)->EpochBatches(0);
    EXPECT_EQ(batches.size(), c.batches) << "super_classes_per_batch " << c.s;
    for (const Batch& b : batches) {
      EXPECT_EQ(static_cast<int>(b.indices.size()), c.batch);
      EXPECT_EQ(Composition(in, b).size(), static_cast<size_t>(c.s));
    }
  }
}

TEST(HierarchicalSamplerTest, SmallSuperClassesAndClassesAreWarned) {
  // Super-class 0: classes 0, 1, 2 (4 examples each); super-class 1: class 3
  // alone, of 1 example. batch 12 = 2 x (6 = 3 classes x 2).
  const SamplerInput in = Input({4, 4, 4, 1}, {0, 0, 0, 1});
  auto s = Make("samples_per_class: 2 batches_per_super_tuple: 2");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Init(in, 12, 1).ok());
  const std::vector<Batch> batches = (*s)->EpochBatches(0);
  ASSERT_EQ(batches.size(), 2u);
  for (const Batch& b : batches) {
    // 3 classes x 2 of super-class 0, class 3 twice (repeats): 8, not 12.
    EXPECT_EQ(b.indices.size(), 8u);
    const auto comp = Composition(in, b);
    EXPECT_EQ(comp.at(0), (std::map<int64_t, int>{{0, 2}, {1, 2}, {2, 2}}));
    EXPECT_EQ(comp.at(1), (std::map<int64_t, int>{{3, 2}}));
  }
  const std::vector<std::string> w = (*s)->Warnings();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_THAT(w[0], HasSubstr("1 of 2 super-classes of the training split have fewer than 3"));
  EXPECT_THAT(w[1], HasSubstr("1 of 4 training classes have fewer than samples_per_class = 2"));
}

TEST(HierarchicalSamplerTest, AllExamplesOfAClassWhenSamplesPerClassIsZero) {
  // PML's "all": share 4. Super-class 0: classes of 3, 1, 2 examples;
  // super-class 1: classes of 2, 2 and 5 (never fits).
  const SamplerInput in = Input({3, 1, 2, 2, 2, 5}, {0, 0, 0, 1, 1, 1});
  auto s = Make("samples_per_class: 0 batches_per_super_tuple: 20");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Init(in, 8, 2).ok());
  const std::vector<int> sizes = {3, 1, 2, 2, 2, 5};
  std::set<std::map<int64_t, int>> shares0;
  for (const Batch& b : (*s)->EpochBatches(0)) {
    const auto comp = Composition(in, b);
    for (const auto& [super, classes] : comp) {
      int total = 0;
      for (const auto& [label, count] : classes) {
        EXPECT_EQ(count, sizes[label]) << "class " << label << " not whole";
        total += count;
      }
      EXPECT_LE(total, 4);
    }
    // Greedy in a random class order: {0, 1} (4), or {1, 2} (3) then 0
    // no longer fits, or {2, 1}...: never 0 with 2.
    EXPECT_FALSE(comp.at(0).count(0) && comp.at(0).count(2));
    shares0.insert(comp.at(0));
    EXPECT_EQ(comp.at(1), (std::map<int64_t, int>{{3, 2}, {4, 2}}));
  }
  EXPECT_EQ(shares0, (std::set<std::map<int64_t, int>>{{{0, 3}, {1, 1}}, {{1, 1}, {2, 2}}}));
  ASSERT_EQ((*s)->Warnings().size(), 1u);
  EXPECT_THAT((*s)->Warnings()[0], HasSubstr("1 of 6 training classes have more than"));
}

TEST(HierarchicalSamplerTest, DataWithoutSuperClassesIsRefusedNamingSamplerAndDataset) {
  auto s = Make("");
  ASSERT_TRUE(s.ok());
  SamplerInput in;
  in.labels = {0, 0, 1, 1, 2, 2, 3, 3};
  in.dataset = "fashion_mnist";
  const absl::Status status = (*s)->Init(in, 8, 1);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("sampler \"hierarchical\" draws each batch from a few super-classes, but "
                        "dataset \"fashion_mnist\" has no super-classes"));
  // From the labels alone.
  EXPECT_THAT(std::string((*s)->Init(in.labels, 8, 1).message()),
              HasSubstr("the training data has no super-classes"));
}

TEST(HierarchicalSamplerTest, ImpossibleBatchesAreErrorsNamingTheField) {
  const SamplerInput in = Toy();
  auto s = Make("samples_per_class: 2 super_classes_per_batch: 2");
  ASSERT_TRUE(s.ok());
  absl::Status st = (*s)->Init(in, 9, 1);
  EXPECT_EQ(ErrorField(st), "super_classes_per_batch");
  EXPECT_THAT(
      std::string(st.message()),
      HasSubstr("training.batch_size (9) must be a multiple of super_classes_per_batch (2)"));
  st = (*s)->Init(in, 6, 1);
  EXPECT_EQ(ErrorField(st), "samples_per_class");
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("(6 / 2 = 3) must be a multiple of samples_per_class (2)"));

  auto four = Make("samples_per_class: 1 super_classes_per_batch: 4");
  ASSERT_TRUE(four.ok());
  st = (*four)->Init(in, 8, 1);
  EXPECT_EQ(ErrorField(st), "super_classes_per_batch");
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("4 super-classes per batch, but the training split of dataset \"toy\" has "
                        "only 3 super-classes"));

  // 40 super-classes of one class: C(40, 20) tuples; C(40, 2) x 100 batches.
  std::vector<int> per_class(40, 2);
  std::vector<int64_t> super_of(40);
  for (int c = 0; c < 40; ++c) super_of[c] = c;
  const SamplerInput many = Input(per_class, super_of);
  auto twenty = Make("samples_per_class: 1 super_classes_per_batch: 20");
  ASSERT_TRUE(twenty.ok());
  st = (*twenty)->Init(many, 20, 1);
  EXPECT_EQ(ErrorField(st), "super_classes_per_batch");
  EXPECT_THAT(std::string(st.message()), HasSubstr("more than 100000 batches"));
  auto hundred = Make("samples_per_class: 1 batches_per_super_tuple: 200");
  ASSERT_TRUE(hundred.ok());
  st = (*hundred)->Init(many, 2, 1);  // 780 x 200 = 156,000
  EXPECT_EQ(ErrorField(st), "batches_per_super_tuple");
  auto thirty_nine = Make("samples_per_class: 1 super_classes_per_batch: 39");
  ASSERT_TRUE(thirty_nine.ok());
  ASSERT_TRUE((*thirty_nine)->Init(many, 39, 1).ok());  // C(40, 39) = 40
  EXPECT_EQ((*thirty_nine)->EpochBatches(0).size(), 160u);

  SamplerInput two_supers = Toy();
  two_supers.super_labels[0] = 2;  // class 0 in super-classes 2 and 0
  st = (*s)->Init(two_supers, 8, 1);
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("dataset \"toy\" puts class 0 in super-classes 2 and 0"));

  auto all_too_large = Make("samples_per_class: 0");
  ASSERT_TRUE(all_too_large.ok());
  st = (*all_too_large)->Init(in, 4, 1);  // share 2, every class has 3 but class 7
  EXPECT_EQ(ErrorField(st), "samples_per_class");
  EXPECT_THAT(std::string(st.message()), HasSubstr("has no class of at most 2 examples"));
}

TEST(HierarchicalSamplerTest, BadParametersAreRejectedInCreate) {
  const struct {
    const char* params;
    const char* field;
    const char* message;
  } cases[] = {
      {"samples_per_class: -1", "samples_per_class", "must be >= 1, or 0 for every example"},
      {"batches_per_super_tuple: 0", "batches_per_super_tuple", "must be >= 1, got 0"},
      {"super_classes_per_batch: 0", "super_classes_per_batch", "must be >= 1, got 0"},
  };
  for (const auto& c : cases) {
    auto s = Make(c.params);
    ASSERT_FALSE(s.ok()) << c.params;
    EXPECT_EQ(ErrorField(s.status()), c.field);
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace siamese
