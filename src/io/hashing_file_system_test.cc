#include "io/hashing_file_system.h"

#include <gtest/gtest.h>

#include "io/fault_injection_fs.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

using testing::TempDir;

TEST(HashingFileSystemTest, DigestOfWrittenBytesFollowsRename) {
  TempDir dir;
  HashingFileSystem fs(DefaultFileSystem());
  const std::string tmp = dir.Join("f.tmp"), final_path = dir.Join("f");
  ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile(tmp, OpenMode::kTruncate));
  ASSERT_OK(file->Append("ab"));
  ASSERT_OK(file->Append("c"));
  EXPECT_FALSE(fs.DigestOf(tmp).ok());  // recorded at Close, not before
  ASSERT_OK(file->Close());
  ASSERT_OK_AND_ASSIGN(FileDigest d, fs.DigestOf(tmp));
  // SHA-256("abc"), FIPS 180-2 test vector.
  EXPECT_EQ(d.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(d.bytes, 3u);
  ASSERT_OK(fs.Rename(tmp, final_path));
  EXPECT_EQ(fs.DigestOf(tmp).status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(FileDigest moved, fs.DigestOf(final_path));
  EXPECT_EQ(moved.sha256, d.sha256);
  EXPECT_EQ(testing::ReadTextFile(final_path), "abc");
  ASSERT_OK(fs.RemoveFile(final_path));
  EXPECT_EQ(fs.DigestOf(final_path).status().code(), StatusCode::kNotFound);
}

TEST(HashingFileSystemTest, EmptyFileAndAppendModeAndTruncate) {
  TempDir dir;
  HashingFileSystem fs(DefaultFileSystem());
  const std::string path = dir.Join("e");
  ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile(path, OpenMode::kTruncate));
  ASSERT_OK(file->Close());
  ASSERT_OK_AND_ASSIGN(FileDigest d, fs.DigestOf(path));
  EXPECT_EQ(d.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(d.bytes, 0u);
  // Appending to an existing file: the old bytes were never seen, so there is no digest.
  ASSERT_OK_AND_ASSIGN(auto again, fs.NewWritableFile(path, OpenMode::kAppend));
  ASSERT_OK(again->Append("x"));
  ASSERT_OK(again->Close());
  EXPECT_EQ(fs.DigestOf(path).status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto third, fs.NewWritableFile(path, OpenMode::kTruncate));
  ASSERT_OK(third->Append("xyz"));
  ASSERT_OK(third->Close());
  ASSERT_OK(fs.DigestOf(path));
  ASSERT_OK(fs.Truncate(path, 1));
  EXPECT_EQ(fs.DigestOf(path).status().code(), StatusCode::kNotFound);
}

TEST(HashingFileSystemTest, FailedAppendPoisonsTheDigest) {
  TempDir dir;
  FaultInjectionFileSystem fault(DefaultFileSystem());
  HashingFileSystem fs(&fault);
  const std::string path = dir.Join("p");
  ASSERT_OK_AND_ASSIGN(auto file, fs.NewWritableFile(path, OpenMode::kTruncate));
  ASSERT_OK(file->Append("good"));
  fault.ShortWriteNth(1, 3);
  EXPECT_FALSE(file->Append("partly written").ok());
  file->Close().IgnoreError();
  auto d = fs.DigestOf(path);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kIOError);
  EXPECT_NE(d.status().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace strata
