#include "framework/tensor/tensor.h"

#include <cstdint>

#include "framework/tensor/dnnl_context.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

TEST(TensorTest, ShapeAndValues) {
  Tensor t = Tensor::FromVector({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(t.rank(), 2);
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.dim(-1), 3);
  EXPECT_TRUE(t.is_plain());
  EXPECT_EQ(t.ShapeString(), "[2, 3]");
  EXPECT_EQ(t.data()[4], 5.0f);
}

TEST(TensorTest, StorageIs64ByteAligned) {
  for (int64_t n : {1, 3, 17, 1000}) {
    Tensor t = Tensor::Empty({n});
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u) << n;
  }
}

TEST(TensorTest, ScalarHasRankZero) {
  Tensor s = Tensor::Scalar(2.5f);
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.item(), 2.5f);
}

TEST(TensorTest, ReshapeIsAViewSharingStorage) {
  Tensor t = Tensor::FromVector({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor v = t.Reshape({3, 2});
  EXPECT_EQ(v.data(), t.data());
  v.data()[0] = 9;
  EXPECT_EQ(t.data()[0], 9);
}

TEST(TensorTest, CloneIsDeep) {
  Tensor t = Tensor::FromVector({2}, {1, 2});
  Tensor c = t.Clone();
  c.data()[0] = 7;
  EXPECT_EQ(t.data()[0], 1);
}

TEST(TensorTest, BlockedLayoutRoundTripsThroughPlain) {
  // nChw16c: what convolutions choose on AVX-512.
  Shape shape = {2, 20, 3, 3};
  std::vector<float> values(NumElements(shape));
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  Tensor plain = Tensor::FromVector(shape, values);
  dnnl::memory::desc blocked(dnnl::memory::dims(shape.begin(), shape.end()),
                             dnnl::memory::data_type::f32, dnnl::memory::format_tag::nChw16c);
  Tensor b = plain.ToLayout(blocked);
  EXPECT_FALSE(b.is_plain());
  EXPECT_EQ(b.shape(), shape);
  // 20 channels pad to 32 in blocks of 16.
  EXPECT_EQ(b.raw_size(), 2 * 32 * 3 * 3);
  Tensor back = b.ToPlain();
  EXPECT_TRUE(back.is_plain());
  EXPECT_EQ(back.ToVector(), values);
  // ToPlain of a plain tensor shares storage.
  EXPECT_EQ(plain.ToPlain().data(), plain.data());
}

TEST(TensorTest, MemoryWrapsStorageWithoutCopy) {
  Tensor t = Tensor::Zeros({4, 4});
  dnnl::memory m = t.memory();
  EXPECT_EQ(m.get_data_handle(), static_cast<void*>(t.data()));
}

TEST(TensorTest, FreedBuffersAreReused) {
  ReleaseBufferPool();
  const float* first;
  {
    Tensor t = Tensor::Empty({1234});
    first = t.data();
  }
  EXPECT_GT(BufferPoolBytes(), 0);
  Tensor again = Tensor::Empty({1234});
  EXPECT_EQ(again.data(), first);
}

TEST(TensorDeathTest, DataOfBlockedTensorAborts) {
  Tensor plain = Tensor::Zeros({1, 16, 2, 2});
  dnnl::memory::desc blocked(dnnl::memory::dims{1, 16, 2, 2}, dnnl::memory::data_type::f32,
                             dnnl::memory::format_tag::nChw16c);
  Tensor b = plain.ToLayout(blocked);
  EXPECT_DEATH(b.data(), "data\\(\\) on a blocked tensor \\[1, 16, 2, 2\\]");
}

TEST(TensorDeathTest, BadReshapeNamesShapes) {
  EXPECT_DEATH(Tensor::Zeros({2, 3}).Reshape({4}), "reshape: cannot view \\[2, 3\\] as \\[4\\]");
}

TEST(TensorDeathTest, RankAboveFiveAborts) {
  EXPECT_DEATH(Tensor::Zeros({1, 1, 1, 1, 1, 1}), "rank above 5");
}

}  // namespace
}  // namespace siamese
