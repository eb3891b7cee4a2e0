#include "framework/io/safetensors.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "framework/io/atomic_file.h"
#include "framework/io/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace siamese {
namespace {

using ::siamese::testing_io::NewTestDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A safetensors file by hand: length, JSON, data.
std::string File(const std::string& json, const std::string& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((uint64_t{json.size()} >> (8 * i)) & 0xFF);
  return out + json + data;
}

template <typename T>
std::string Bytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

TEST(SafetensorsTest, RoundTripKeepsNamesShapesValuesOrderAndMetadata) {
  const std::string path = NewTestDir() + "/w.safetensors";
  TensorArchive a;
  a.tensors.push_back({"conv0.weight", {2, 1, 1, 2}, "F32", {1.5f, -2, 3, 4e-7f}});
  a.tensors.push_back({"scalar", {}, "F32", {7}});
  a.tensors.push_back({"empty", {0, 3}, "F32", {}});
  a.tensors.push_back({"a.bias", {2}, "F32", {-1, 1}});
  a.metadata["format"] = "pt";
  ASSERT_TRUE(WriteSafetensors(path, a).ok());
  auto b = ReadSafetensors(path);
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(b->tensors.size(), 4u);
  // Order of the data offsets, i.e. as written (not sorted by name).
  EXPECT_EQ(b->tensors[0].name, "conv0.weight");
  EXPECT_THAT(b->tensors[0].shape, ElementsAre(2, 1, 1, 2));
  EXPECT_THAT(b->tensors[0].data, ElementsAre(1.5f, -2, 3, 4e-7f));
  EXPECT_EQ(b->tensors[0].dtype, "F32");
  EXPECT_TRUE(b->tensors[1].shape.empty());
  EXPECT_THAT(b->tensors[1].data, ElementsAre(7));
  // The empty tensor has offsets [24, 24], equal to its neighbour's begin.
  const std::vector<std::string> names = {b->tensors[2].name, b->tensors[3].name};
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("empty", "a.bias"));
  EXPECT_EQ(b->metadata.at("format"), "pt");

  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  uint64_t n = 0;
  std::memcpy(&n, bytes->data(), 8);
  EXPECT_EQ(n % 8, 0u) << "data must start 8-byte aligned";
  EXPECT_EQ(bytes->size(), 8 + n + 7 * sizeof(float));
  EXPECT_THAT(
      bytes->substr(8, n),
      HasSubstr(R"("conv0.weight":{"dtype":"F32","shape":[2,1,1,2],"data_offsets":[0,16]})"));
}

TEST(SafetensorsTest, ConvertsF16Bf16F64AndKeepsIntegersWithoutData) {
  // F16: 1.0 = 0x3C00, -2.5 = 0xC100, 2^-24 (smallest subnormal) = 0x0001.
  const std::vector<uint16_t> f16 = {0x3C00, 0xC100, 0x0001};
  // BF16: 1.0 = 0x3F80, -0.15625 = 0xBE20.
  const std::vector<uint16_t> bf16 = {0x3F80, 0xBE20};
  const std::vector<double> f64 = {0.1, -3};
  const std::vector<int64_t> i64 = {42};
  const std::string json = R"({"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},)"
                           R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]},)"
                           R"("d":{"dtype":"F64","shape":[2],"data_offsets":[10,26]},)"
                           R"("n":{"dtype":"I64","shape":[],"data_offsets":[26,34]}})";
  auto a = ParseSafetensors(File(json, Bytes(f16) + Bytes(bf16) + Bytes(f64) + Bytes(i64)), "x");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->tensors.size(), 4u);
  EXPECT_THAT(a->tensors[0].data, ElementsAre(1.0f, -2.5f, 5.9604645e-08f));
  EXPECT_THAT(a->tensors[1].data, ElementsAre(1.0f, -0.15625f));
  EXPECT_THAT(a->tensors[2].data, ElementsAre(0.1f, -3.0f));
  EXPECT_EQ(a->tensors[3].dtype, "I64");
  EXPECT_FALSE(a->tensors[3].is_float());
  EXPECT_TRUE(a->tensors[3].data.empty());
}

absl::Status ParseError(const std::string& json, const std::string& data) {
  return ParseSafetensors(File(json, data), "m.safetensors").status();
}

const char kW[] = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";

TEST(SafetensorsTest, RejectsTruncatedFilesAndHeaderLengths) {
  auto s = ParseSafetensors(std::string("\x10\x00\x00", 3), "m.safetensors").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.ToString(), HasSubstr("m.safetensors: truncated at byte offset 3"));
  std::string file = File("{}", "");
  file[0] = 100;
  s = ParseSafetensors(file, "m.safetensors").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.ToString(), HasSubstr("header length 100 (at byte offset 0) runs past the end of "
                                      "the file (10 bytes)"));
}

TEST(SafetensorsTest, RejectsBadJsonNamingTheOffset) {
  const absl::Status s = ParseError(R"({"w": {"dtype": "F32",, }})", "");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.ToString(), HasSubstr("m.safetensors: bad JSON in the safetensors header at byte "
                                      "offset 30"));
  EXPECT_THAT(ParseError("[1, 2]", "").ToString(), HasSubstr("is not a JSON object"));
}

TEST(SafetensorsTest, RejectsMalformedEntriesNamingTheTensor) {
  const std::string data(8, '\0');
  EXPECT_THAT(ParseError(R"({"w":{"shape":[2],"data_offsets":[0,8]}})", data).ToString(),
              HasSubstr("tensor \"w\": \"dtype\" must be a string"));
  EXPECT_THAT(
      ParseError(R"({"w":{"dtype":"C64","shape":[2],"data_offsets":[0,8]}})", data).ToString(),
      HasSubstr("tensor \"w\": unsupported dtype \"C64\""));
  EXPECT_THAT(
      ParseError(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data).ToString(),
      HasSubstr("tensor \"w\": \"shape\" [-2] must hold non-negative integers"));
  EXPECT_THAT(
      ParseError(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8]}})", data).ToString(),
      HasSubstr("\"data_offsets\" must be two non-negative integers"));
  EXPECT_THAT(
      ParseError(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", data).ToString(),
      HasSubstr("\"data_offsets\" [8, 0] has begin > end"));
  EXPECT_THAT(ParseError(absl::StrCat("{", kW, R"(,"__metadata__":{"n":1}})"), data).ToString(),
              HasSubstr("\"__metadata__\" value of \"n\" is not a string"));
}

TEST(SafetensorsTest, RejectsOffsetsThatDoNotTileTheData) {
  // The header is 54 bytes, so the data starts at file byte 62.
  absl::Status s = ParseError(absl::StrCat("{", kW, "}"), std::string(4, '\0'));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.ToString(), HasSubstr("m.safetensors: tensor \"w\": data_offsets [0, 8] (file "
                                      "bytes 62..70) run past the end of the file (66 bytes)"));
  s = ParseError(absl::StrCat("{", kW, R"(,"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})"),
                 std::string(8, '\0'));
  EXPECT_THAT(s.ToString(), HasSubstr("tensor \"v\": data_offsets [4, 8]"));
  EXPECT_THAT(s.ToString(), HasSubstr("overlap tensor \"w\""));
  s = ParseError(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, '\0'));
  EXPECT_THAT(s.ToString(), HasSubstr("tensor \"w\": data_offsets [4, 8]"));
  EXPECT_THAT(s.ToString(), HasSubstr("leave a gap after the header"));
  s = ParseError(absl::StrCat("{", kW, "}"), std::string(12, '\0'));
  EXPECT_THAT(s.ToString(), HasSubstr("4 bytes from file byte 70 to the end belong to no tensor"));
  s = ParseError(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0'));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.ToString(), HasSubstr("tensor \"w\": data_offsets [0, 8]"));
  EXPECT_THAT(s.ToString(), HasSubstr("hold 8 bytes; shape [3] of F32 needs 12 bytes"));
}

TEST(SafetensorsTest, WriterRejectsInconsistentTensors) {
  const std::string path = NewTestDir() + "/w.safetensors";
  TensorArchive a;
  a.tensors.push_back({"w", {3}, "F32", {1, 2}});
  EXPECT_THAT(WriteSafetensors(path, a).ToString(),
              HasSubstr("cannot write tensor \"w\": shape [3] holds 3 values, data has 2"));
  a.tensors[0] = {"w", {2}, "F32", {1, 2}};
  a.tensors.push_back(a.tensors[0]);
  EXPECT_THAT(WriteSafetensors(path, a).ToString(), HasSubstr("\"w\": duplicate name"));
}

TEST(SafetensorsTest, MissingFileNamesThePath) {
  const std::string path = NewTestDir() + "/none.safetensors";
  EXPECT_THAT(ReadSafetensors(path).status().ToString(), HasSubstr(path));
}

}  // namespace
}  // namespace siamese
