#include "io/sha256.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "testutil/testutil.h"

namespace strata {
namespace {

using testing::TempDir;

// FIPS 180-2 test vectors.
constexpr char kEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kMillionA[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

TEST(Sha256Test, KnownVectorsOneShotAndIncremental) {
  EXPECT_EQ(Sha256Hex(""), kEmpty);
  EXPECT_EQ(Sha256Hex("abc"), kAbc);
  Sha256 h;
  h.Update("a");
  h.Update("");
  h.Update("bc");
  EXPECT_EQ(DigestHex(h.Finish()), kAbc);
  h.Reset();  // reusable
  EXPECT_EQ(DigestHex(h.Digest(std::string(1000000, 'a'))), kMillionA);
}

TEST(Sha256Test, HexRoundTripAndErrors) {
  ASSERT_OK_AND_ASSIGN(Sha256Digest d, ParseDigestHex(kAbc));
  EXPECT_EQ(DigestHex(d), kAbc);
  std::string upper(kAbc);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_OK_AND_ASSIGN(Sha256Digest u, ParseDigestHex(upper));
  EXPECT_EQ(u, d);
  EXPECT_EQ(ParseDigestHex("abc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseDigestHex(std::string(63, 'a') + "g").status().code(), StatusCode::kInvalidArgument);
  const uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(HexLower(bytes, 4), "000fa5ff");
}

TEST(Sha256Test, FileDigestReadsInPiecesAndReportsSize) {
  TempDir dir;
  FileSystem* fs = DefaultFileSystem();
  const std::string path = dir.Join("f");
  const std::string data = std::string(1000000, 'a');  // and a file over the 1 MiB read buffer:
  const std::string big = std::string(3 << 20, 'x') + "tail";
  for (const std::string* content : {&data, &big}) {
    ASSERT_OK_AND_ASSIGN(auto file, fs->NewWritableFile(path, OpenMode::kTruncate));
    ASSERT_OK(file->Append(*content));
    ASSERT_OK(file->Close());
    std::string hex;
    uint64_t size = 0;
    ASSERT_OK(Sha256File(fs, path, &hex, &size));
    EXPECT_EQ(hex, Sha256Hex(*content));
    EXPECT_EQ(size, content->size());
  }
  std::string hex;
  uint64_t size = 0;
  EXPECT_FALSE(Sha256File(fs, dir.Join("missing"), &hex, &size).ok());
}

}  // namespace
}  // namespace strata
