#include "auth/auth_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "testutil/testutil.h"

namespace strata::auth {
namespace {

TEST(AuthFileTest, ParsesRolesCommentsAndBlankLines) {
  auto f =
      AuthFile::Parse("# comment\n\nalice read  secret-aaaa\n  bob\twrite secret-bbbb\nops admin secret-cccc\n", "a");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->size(), 3u);
  EXPECT_EQ(f->Lookup("bob")->role, Role::kWrite);
  EXPECT_EQ(f->Lookup("bob")->secret, "secret-bbbb");
  EXPECT_FALSE(f->Lookup("carol"));
  EXPECT_EQ(f->FindBySecret("secret-cccc")->name, "ops");
  EXPECT_FALSE(f->FindBySecret("secret-ccc"));
  EXPECT_FALSE(f->FindBySecret(""));
  EXPECT_EQ(f->Check("alice", "secret-aaaa")->role, Role::kRead);
  EXPECT_FALSE(f->Check("alice", "secret-bbbb"));
  EXPECT_FALSE(f->Check("nobody", "secret-aaaa"));
}

TEST(AuthFileTest, RolesOrder) {
  EXPECT_TRUE(Allows(Role::kAdmin, Role::kWrite));
  EXPECT_TRUE(Allows(Role::kWrite, Role::kRead));
  EXPECT_FALSE(Allows(Role::kRead, Role::kWrite));
  EXPECT_FALSE(Allows(Role::kWrite, Role::kAdmin));
}

TEST(AuthFileTest, ErrorsNameTheLineAndNeverTheSecret) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"alice read\n", "f line 1: expected NAME ROLE SECRET"},
      {"# x\nalice reader topsecret-1\n", "f line 2: unknown role 'reader'"},
      {"al/ice read topsecret-1\n", "bad name"},
      {"alice read short\n", "shorter than 8"},
      {"alice read topsecret-1\nalice write topsecret-2\n", "appears twice"},
      {"alice read topsecret-1\nbob write topsecret-1\n", "same as alice's"},
      {"# nothing\n", "no credentials"},
  };
  for (const Case& c : cases) {
    auto f = AuthFile::Parse(c.text, "f");
    ASSERT_FALSE(f.ok()) << c.text;
    EXPECT_NE(f.status().message().find(c.expect), std::string::npos) << f.status().message();
    EXPECT_EQ(f.status().message().find("topsecret"), std::string::npos) << f.status().message();
  }
}

// A reload (strata serve on SIGHUP) closes the sessions of what the new file takes away.
TEST(AuthFileTest, RevokedByNamesWhatTheNewFileTakesAway) {
  const std::string k1 =
      "ec-p-256-sha256 4-5XqQMZeC6_d0DLct1pv0mXzkYLl6wY6yi1-JOqerM O07J5r4BIWyPPRKvVtDtKCLgYuN9Ui7ZZxiMGOW0CMI";
  const std::string k2 =
      "ec-p-256-sha256 G1-v-bJDAQdyiVQaviSdlLI7F0s17MeOXbKZ3mLcY40 t_L6hh4FsoGWKTpBTU8YpJKKSipwgHJk8gUuo0APAcU";
  auto before = AuthFile::Parse(
      "kept read secret-kept\ngone read secret-gone\nrekeyed write secret-old1\nlowered admin secret-low1\n"
      "raised read secret-up11\nfeed write " +
          k1 + "\nfeed2 write " + k1 + "\nfeed3 admin " + k1 + "\nfeed4 write " + k1 + "\n",
      "a");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  auto after = AuthFile::Parse(
      "kept read secret-kept\nrekeyed write secret-new1\nlowered write secret-low1\nraised admin secret-up11\n"
      "new read secret-new2\nfeed write " +
          k1 + "\nfeed2 write " + k2 + "\nfeed3 write " + k1 + "\n",
      "b");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(before->CredentialsRevokedBy(*after), (std::vector<std::string>{"gone", "rekeyed", "lowered"}));
  EXPECT_EQ(before->KeysRevokedBy(*after), (std::vector<std::string>{"feed2", "feed3", "feed4"}));
  EXPECT_TRUE(before->CredentialsRevokedBy(*before).empty());
  EXPECT_TRUE(before->KeysRevokedBy(*before).empty());
}

TEST(AuthFileTest, SecretsEqualIsExact) {
  EXPECT_TRUE(SecretsEqual("abc", "abc"));
  EXPECT_FALSE(SecretsEqual("abc", "abd"));
  EXPECT_FALSE(SecretsEqual("abc", "abcd"));
}

TEST(AuthFileTest, LoadWarnsWhenOthersCanRead) {
  testing::TempDir dir;
  const std::string path = dir.Join("auth");
  testing::WriteTextFile(path, "alice read secret-aaaa\n");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  std::string warning;
  auto f = AuthFile::Load(path, [&](std::string_view w) { warning = w; });
  ASSERT_TRUE(f.ok());
  EXPECT_NE(warning.find("chmod 600"), std::string::npos);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  warning.clear();
  ASSERT_TRUE(AuthFile::Load(path, [&](std::string_view w) { warning = w; }).ok());
  EXPECT_EQ(warning, "");
  EXPECT_FALSE(AuthFile::Load(dir.Join("missing")).ok());
}

}  // namespace
}  // namespace strata::auth
