#include "framework/train/checkpoint.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::testing::HasSubstr;

std::string Path(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d ? d : "/tmp") + "/" + name;
}

class Tiny : public Module {
 public:
  Tiny() {
    w = RegisterParameter("w", Tensor::FromVector({2, 2}, {1, 2, 3, 4}));
    m = RegisterBuffer("running", Tensor::FromVector({2}, {5, 6}));
  }
  Variable w;
  Tensor* m;
};

TEST(CheckpointTest, RoundTripsModuleAndFields) {
  Tiny a;
  Checkpoint c;
  c.set_step(12);
  SaveModule(a, &c);
  ASSERT_TRUE(WriteCheckpoint(Path("a.ckpt"), c).ok());
  auto back = ReadCheckpoint(Path("a.ckpt"));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->step(), 12);
  Tiny b;
  b.w.mutable_value().Fill(0);
  b.m->Fill(0);
  ASSERT_TRUE(LoadModule(*back, "a.ckpt", &b).ok());
  EXPECT_EQ(b.w.value().ToVector(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(b.m->ToVector(), (std::vector<float>{5, 6}));
}

TEST(CheckpointTest, CorruptionAndTruncationAreNamed) {
  Tiny a;
  Checkpoint c;
  SaveModule(a, &c);
  ASSERT_TRUE(WriteCheckpoint(Path("b.ckpt"), c).ok());
  std::string bytes;
  {
    std::ifstream in(Path("b.ckpt"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::string flipped = bytes;
  flipped[30] ^= 0x40;
  std::ofstream(Path("c.ckpt"), std::ios::binary) << flipped;
  EXPECT_THAT(std::string(ReadCheckpoint(Path("c.ckpt")).status().message()),
              HasSubstr("c.ckpt: checksum mismatch"));
  std::ofstream(Path("d.ckpt"), std::ios::binary) << bytes.substr(0, bytes.size() - 5);
  EXPECT_THAT(std::string(ReadCheckpoint(Path("d.ckpt")).status().message()),
              HasSubstr("d.ckpt: truncated at byte offset"));
  std::ofstream(Path("e.ckpt"), std::ios::binary) << "not a checkpoint at all";
  EXPECT_THAT(std::string(ReadCheckpoint(Path("e.ckpt")).status().message()),
              HasSubstr("not a siamese checkpoint"));
}

TEST(CheckpointTest, ShapeMismatchNamesTensor) {
  Checkpoint c;
  AddTensor("w", Tensor::Zeros({3}), c.mutable_parameters());
  AddTensor("running", Tensor::Zeros({2}), c.mutable_buffers());
  Tiny t;
  EXPECT_THAT(std::string(LoadModule(c, "x.ckpt", &t).message()),
              HasSubstr("x.ckpt: encoder tensor \"w\" has shape [3], the model expects [2, 2]"));
}

// Found by the checkpoint fuzzer: a tensor whose values do not fill its
// shape aborted in Tensor::FromVector.
TEST(CheckpointTest, MalformedTensorIsAnErrorNotAnAbort) {
  Checkpoint c;
  AddTensor("w", Tensor::Zeros({2, 2}), c.mutable_parameters());
  AddTensor("running", Tensor::Zeros({2}), c.mutable_buffers());
  c.mutable_parameters(0)->mutable_values()->RemoveLast();
  Tiny t;
  EXPECT_THAT(std::string(LoadModule(c, "x.ckpt", &t).message()),
              HasSubstr("x.ckpt: encoder tensor \"w\" is malformed (shape of rank 2, 3 values)"));
  c.mutable_parameters(0)->add_values(0);
  c.mutable_parameters(0)->set_shape(0, -2);
  EXPECT_THAT(std::string(LoadModule(c, "x.ckpt", &t).message()), HasSubstr("is malformed"));
}

}  // namespace
}  // namespace siamese
