#include "artifacts/safetensors.h"

#include <gtest/gtest.h>

#include <random>

#include "artifacts/artifacts_test_util.h"

namespace strata::artifacts {
namespace {

using strata::testing::TempDir;

std::string WithHeader(const std::string& json, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i));
  return out + json + data;
}

Status ParseStatus(const std::string& file) { return ParseSafetensors(file, "t.safetensors").status(); }

TEST(SafetensorsTest, WriteAndReadEveryDTypeZeroCopy) {
  TempDir dir;
  const DType all[] = {DType::kF16, DType::kBF16, DType::kF32, DType::kF64, DType::kI8,
                       DType::kI16, DType::kI32,  DType::kI64, DType::kU8,  DType::kBool};
  std::vector<std::string> blobs;
  std::vector<TensorSpec> specs;
  for (size_t i = 0; i < std::size(all); ++i) {
    std::vector<uint64_t> shape = {2, 3, i + 1};
    blobs.push_back(testing::RandomBytes(6 * (i + 1) * DTypeSize(all[i]), i));
  }
  for (size_t i = 0; i < std::size(all); ++i) {
    specs.push_back({"t" + std::to_string(i) + "." + std::string(DTypeName(all[i])), all[i], {2, 3, i + 1}, blobs[i]});
  }
  specs.push_back({"scalar", DType::kF32, {}, std::string_view("\0\0\x80?", 4)});
  specs.push_back({"empty", DType::kI64, {0, 5}, std::string_view()});
  const std::string path = dir.Join("m.safetensors");
  ASSERT_OK(WriteSafetensors(DefaultFileSystem(), path, specs, {{"format", "pt"}}));
  ASSERT_OK_AND_ASSIGN(auto f, SafetensorsFile::Open(DefaultFileSystem(), path));
  EXPECT_EQ(f->tensors().size(), specs.size());
  EXPECT_EQ(f->metadata().at("format"), "pt");
  EXPECT_EQ((8 + f->header_size()) % 8, 0u);
  for (const TensorSpec& s : specs) {
    ASSERT_OK_AND_ASSIGN(const TensorView* t, f->Find(s.name));
    EXPECT_EQ(t->dtype, s.dtype);
    EXPECT_EQ(t->shape, s.shape);
    EXPECT_EQ(t->data, s.data);
  }
  // Views point into the map, not into copies.
  ASSERT_OK_AND_ASSIGN(const TensorView* first, f->Find("t0.F16"));
  EXPECT_EQ(first->data.data(), f->tensors()[0].data.data());
  EXPECT_TRUE(f->Find("nope").status().IsNotFound());
}

TEST(SafetensorsTest, WriterRefusesBadSpecs) {
  TempDir dir;
  std::string four(4, 'x');
  EXPECT_FALSE(WriteSafetensors(DefaultFileSystem(), dir.Join("a"), {{"a", DType::kF32, {2}, four}}).ok());
  EXPECT_FALSE(WriteSafetensors(DefaultFileSystem(), dir.Join("a"),
                                {{"a", DType::kF32, {1}, four}, {"a", DType::kF32, {1}, four}})
                   .ok());
  EXPECT_FALSE(WriteSafetensors(DefaultFileSystem(), dir.Join("a"), {{"__metadata__", DType::kU8, {4}, four}}).ok());
  EXPECT_FALSE(
      WriteSafetensors(DefaultFileSystem(), dir.Join("a"), {{"a", DType::kU8, {1ull << 32, 1ull << 32}, four}}).ok());
}

struct Hostile {
  const char* what;
  std::string file;
  const char* expect;  // substring of the error
};

TEST(SafetensorsTest, HostileHeadersAreRefusedNamingFileAndTensor) {
  const std::string d8(8, '\0');
  std::string huge(8, '\0');
  huge[7] = 0x7f;
  std::vector<Hostile> cases = {
      {"short", "abc", "no 8-byte header size"},
      {"header too big", huge + "{}", "exceeds the limit"},
      {"header past end", WithHeader("{}", "").substr(0, 9), "runs past the end"},
      {"not json", WithHeader("{nope", ""), "not valid JSON"},
      {"array", WithHeader("[1]     ", ""), "does not start with '{'"},
      {"entry not object", WithHeader(R"({"w":1})", ""), "tensor 'w': entry is not an object"},
      {"unknown dtype", WithHeader(R"({"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", "x"),
       "tensor 'w': unsupported dtype"},
      {"negative dim", WithHeader(R"({"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", "x"), "tensor 'w'"},
      {"float dim", WithHeader(R"({"w":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}})", "x"), "tensor 'w'"},
      {"size mismatch", WithHeader(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", d8),
       "F32 x shape needs 12"},
      {"overflow", WithHeader(R"({"w":{"dtype":"F64","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", d8),
       "overflows"},
      {"overflow by dtype",
       WithHeader(R"({"w":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}})", d8), "overflows"},
      {"past end", WithHeader(R"({"w":{"dtype":"U8","shape":[16],"data_offsets":[0,16]}})", d8), "truncated"},
      {"reversed", WithHeader(R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}})", d8), "begin 8 > end 0"},
      {"overlap",
       WithHeader(
           R"({"a":{"dtype":"U8","shape":[6],"data_offsets":[0,6]},"b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})",
           d8),
       "tensor 'b': overlaps"},
      {"gap",
       WithHeader(
           R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})",
           d8),
       "tensor 'b': leaves a gap"},
      {"duplicate name",
       WithHeader(
           R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})",
           d8),
       "header names tensor 'a' twice"},
      {"trailing", WithHeader(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", d8), "after the last tensor"},
      {"missing offsets", WithHeader(R"({"a":{"dtype":"U8","shape":[4]}})", d8), "data_offsets"},
      {"three offsets", WithHeader(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4,8]}})", d8), "data_offsets"},
      {"extra field", WithHeader(R"({"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8],"x":1}})", d8),
       "unknown field"},
      {"metadata not strings", WithHeader(R"({"__metadata__":{"k":1}})", ""), "__metadata__"},
      {"deep nesting", WithHeader(std::string(100000, '[') + std::string(100000, ']'), ""), "safetensors"},
      {"deep object", WithHeader("{\"a\":" + std::string(50000, '[') + std::string(50000, ']') + "}", ""),
       "tensor 'a'"},
  };
  for (const Hostile& c : cases) {
    Status st = ParseStatus(c.file);
    EXPECT_FALSE(st.ok()) << c.what;
    EXPECT_NE(st.message().find("t.safetensors"), std::string::npos) << c.what << ": " << st.ToString();
    EXPECT_NE(st.message().find(c.expect), std::string::npos) << c.what << ": " << st.ToString();
  }
  // And valid edge cases pass: no tensors, zero-size tensors, a zero dim after huge ones.
  EXPECT_OK(ParseStatus(WithHeader("{}", "")));
  EXPECT_OK(
      ParseStatus(WithHeader(R"({"w":{"dtype":"F64","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}})", "")));
}

TEST(SafetensorsTest, TruncatedFileRefused) {
  TempDir dir;
  std::string blob = testing::RandomBytes(4096, 1);
  const std::string path = dir.Join("m.safetensors");
  ASSERT_OK(WriteSafetensors(DefaultFileSystem(), path, {{"w", DType::kF32, {1024}, blob}}));
  std::string full = strata::testing::ReadTextFile(path);
  for (size_t cut : {size_t{0}, size_t{5}, size_t{20}, full.size() - 4096, full.size() - 1}) {
    strata::testing::WriteTextFile(path, full.substr(0, cut));
    auto f = SafetensorsFile::Open(DefaultFileSystem(), path);
    EXPECT_FALSE(f.ok()) << cut;
    EXPECT_NE(f.status().message().find(path), std::string::npos) << f.status().ToString();
  }
}

// The fuzz target on 20,000 mutations of valid files (deterministic seed): the sanitizer build
// turns any out-of-bounds view or overflow into a failure.
TEST(SafetensorsTest, MutatedHeadersNeverCrash) {
  TempDir dir;
  const std::string path = dir.Join("seed.safetensors");
  ASSERT_OK(WriteSafetensors(DefaultFileSystem(), path,
                             {{"a", DType::kF16, {4, 4}, testing::RandomBytes(32, 1)},
                              {"b", DType::kI64, {2}, testing::RandomBytes(16, 2)},
                              {"c", DType::kBool, {0}, ""}},
                             {{"k", "v"}}));
  const std::string seed = strata::testing::ReadTextFile(path);
  std::mt19937_64 rng(20260302);
  const std::string tokens[] = {"0",
                                "-1",
                                "18446744073709551615",
                                "18446744073709551616",
                                "1e308",
                                "[",
                                "]",
                                "{",
                                "}",
                                "\"",
                                ",",
                                ":",
                                "null",
                                "\"F64\"",
                                "\"shape\"",
                                "\"data_offsets\"",
                                "[0,0]",
                                "9223372036854775807",
                                "\\u0000"};
  int accepted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string f = seed;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % f.size();
      switch (rng() % 6) {
        case 0: f[pos] = static_cast<char>(rng()); break;
        case 1: f.erase(pos, 1 + rng() % 8); break;
        case 2: f.insert(pos, tokens[rng() % std::size(tokens)]); break;
        case 3: f.resize(pos); break;
        case 4: f[rng() % 8] = static_cast<char>(rng()); break;  // the header size
        default: {
          // Replace a digit run with a hostile number.
          size_t d = f.find_first_of("0123456789", 8 + rng() % (f.size() > 9 ? f.size() - 8 : 1));
          if (d != std::string::npos) f.replace(d, 1, tokens[rng() % 4 == 0 ? 2 : 17]);
        }
      }
      if (f.empty()) f = "x";
    }
    FuzzSafetensorsHeader(reinterpret_cast<const uint8_t*>(f.data()), f.size());
    if (ParseSafetensors(f, "m").ok()) accepted++;
  }
  // Some mutations (e.g. in tensor bytes) keep the file valid; most break it.
  EXPECT_GT(accepted, 10);
  EXPECT_LT(accepted, 19000);
}

}  // namespace
}  // namespace strata::artifacts
