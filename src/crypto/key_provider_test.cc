#include "crypto/key_provider.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "testutil/testutil.h"

namespace strata::crypto {
namespace STRATA_UNITY_ID {

const std::string kHexA(64, 'a');
const std::string kHexB = "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff";

TEST(KeyProviderTest, ParseKeyHex) {
  ASSERT_OK_AND_ASSIGN(SecretKey a, ParseKeyHex(kHexA));
  EXPECT_EQ(a.view(), std::string(32, '\xaa'));
  ASSERT_OK_AND_ASSIGN(SecretKey b, ParseKeyHex(kHexB));
  EXPECT_EQ(static_cast<uint8_t>(b.view()[10]), 0xAA);
  EXPECT_EQ(ParseKeyHex(kHexA.substr(1)).status().code(), StatusCode::kInvalidArgument);
  Status bad = ParseKeyHex(std::string(63, 'a') + "z").status();
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
}

TEST(KeyProviderTest, KeyFileLastKeyIsCurrent) {
  ASSERT_OK_AND_ASSIGN(
      auto p, ParseKeyFile("# strata keys\n\nk2025 " + kHexA + "\r\n  k2026\t" + kHexB + "  \n", "key file /k"));
  EXPECT_EQ(p->current_key_id(), "k2026");
  ASSERT_OK_AND_ASSIGN(SecretKey a, p->GetKey("k2025"));
  EXPECT_EQ(a.view(), std::string(32, '\xaa'));
  ASSERT_OK(p->GetKey("k2026").status());
  Status missing = p->GetKey("k2027").status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("k2027"), std::string::npos);
  EXPECT_NE(missing.message().find("key file /k"), std::string::npos);
}

TEST(KeyProviderTest, KeyFileErrorsNameTheLineNeverTheKey) {
  Status st = ParseKeyFile("good " + kHexA + "\nbad " + kHexA.substr(2) + "zz\n", "key file /k").status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("line 2"), std::string::npos) << st.ToString();
  EXPECT_EQ(st.message().find(kHexA.substr(2)), std::string::npos) << "the key must not be echoed";
  EXPECT_FALSE(ParseKeyFile("dup " + kHexA + "\ndup " + kHexB + "\n", "f").ok());
  EXPECT_FALSE(ParseKeyFile("bad/id " + kHexA + "\n", "f").ok());
  EXPECT_FALSE(ParseKeyFile(kHexA + "\n", "f").ok());  // no id
  EXPECT_FALSE(ParseKeyFile("# only a comment\n", "f").ok());
}

TEST(KeyProviderTest, KeyFileOnDiskMustBePrivate) {
  testing::TempDir tmp;
  const std::string path = tmp.path() + "/keys";
  {
    std::ofstream out(path);
    out << "main " << kHexA << "\n";
  }
  ::chmod(path.c_str(), 0644);
  Status open = KeyFileProvider(path).status();
  EXPECT_EQ(open.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(open.message().find("chmod 600"), std::string::npos) << open.ToString();
  ::chmod(path.c_str(), 0600);
  ASSERT_OK_AND_ASSIGN(auto p, KeyFileProvider(path));
  EXPECT_EQ(p->current_key_id(), "main");
  EXPECT_NE(p->Describe().find(path), std::string::npos);
  EXPECT_EQ(KeyFileProvider(tmp.path() + "/none").status().code(), StatusCode::kNotFound);
}

TEST(KeyProviderTest, EnvironmentVariable) {
  const char* var = "STRATA_TEST_KEY_PROVIDER_ENV";
  ::unsetenv(var);
  EXPECT_EQ(EnvKeyProvider(var).status().code(), StatusCode::kNotFound);
  ::setenv(var, kHexA.c_str(), 1);
  ASSERT_OK_AND_ASSIGN(auto bare, EnvKeyProvider(var));
  EXPECT_EQ(bare->current_key_id(), "default");
  ::setenv(var, ("old:" + kHexA + ", new:" + kHexB).c_str(), 1);
  ASSERT_OK_AND_ASSIGN(auto two, EnvKeyProvider(var));
  EXPECT_EQ(two->current_key_id(), "new");
  ASSERT_OK_AND_ASSIGN(SecretKey old, two->GetKey("old"));
  EXPECT_EQ(old.view(), std::string(32, '\xaa'));
  ::setenv(var, ("old:" + kHexA + ",broken").c_str(), 1);
  Status st = EnvKeyProvider(var).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("entry 2"), std::string::npos) << st.ToString();
  ::unsetenv(var);
}

TEST(KeyProviderTest, StaticProviderChecksSizeAndIds) {
  StaticKeyProvider p;
  EXPECT_FALSE(p.Add("short", SecretKey(std::string(16, 'k'))).ok());
  EXPECT_FALSE(p.Add("", SecretKey(std::string(32, 'k'))).ok());
  ASSERT_OK(p.Add("a", SecretKey(std::string(32, 'k'))));
  EXPECT_FALSE(p.Add("a", SecretKey(std::string(32, 'j'))).ok());
  EXPECT_EQ(p.current_key_id(), "a");
  SecretKey moved = SecretKey(std::string(32, 'm'));
  SecretKey dest = std::move(moved);
  EXPECT_EQ(dest.size(), 32u);
  EXPECT_EQ(moved.size(), 0u);  // NOLINT(bugprone-use-after-move): wiped on move
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata::crypto
