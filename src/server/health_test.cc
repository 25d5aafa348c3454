#include "server/health.h"

#include <gtest/gtest.h>

#include "backup/wal_archive.h"
#include "testutil/testutil.h"

namespace strata::server {
namespace {

class HealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.Join("db");
    ASSERT_OK(Database::Init(root_, {}));
    Options o;
    o.background_flush = false;
    ASSERT_OK_AND_ASSIGN(db_, Database::Open(root_, o));
  }
  std::string Find(const std::vector<HealthCheck>& checks, const std::string& name, bool* ok) {
    for (const auto& c : checks) {
      if (c.name == name) {
        *ok = c.ok;
        return c.detail;
      }
    }
    ADD_FAILURE() << "no check " << name;
    return "";
  }
  testing::TempDir tmp_;
  std::string root_;
  std::unique_ptr<Database> db_;
};

TEST_F(HealthTest, AllPassOnAHealthyDatabase) {
  HealthOptions o;
  o.min_free_bytes = 0;
  auto checks = RunHealthChecks(root_, db_.get(), o);
  EXPECT_EQ(checks.size(), 4u);
  EXPECT_TRUE(AllOk(checks));
}

TEST_F(HealthTest, AnInjectedFullDiskFailsDiskFree) {
  HealthOptions o;
  o.min_free_bytes = 100 << 20;
  std::string probed;
  o.free_space_probe = [&](const std::string& path) -> Result<uint64_t> {
    probed = path;
    return uint64_t{10} << 20;
  };
  auto checks = RunHealthChecks(root_, db_.get(), o);
  EXPECT_FALSE(AllOk(checks));
  bool ok = true;
  const std::string detail = Find(checks, "disk_free", &ok);
  EXPECT_FALSE(ok);
  EXPECT_NE(detail.find("10.0 MiB free"), std::string::npos) << detail;
  EXPECT_EQ(probed, root_);
  Find(checks, "catalog_integrity", &ok);
  EXPECT_TRUE(ok);
  o.free_space_probe = [](const std::string&) -> Result<uint64_t> { return Status::IOError("statvfs: boom"); };
  checks = RunHealthChecks(root_, db_.get(), o);
  EXPECT_NE(Find(checks, "disk_free", &ok).find("boom"), std::string::npos);
  EXPECT_FALSE(ok);
}

TEST_F(HealthTest, FlushLagOverTheLimitFails) {
  RecordBatch batch = testing::MakeTrades(1000, 2, 1'700'000'000'000'000'000, 1);
  ASSERT_OK(db_->CreateTable({"trades", Schema::Template("trades").value(), std::nullopt, "{}"}));
  ASSERT_OK(db_->Append("trades", batch));
  HealthOptions o;
  o.min_free_bytes = 0;
  o.max_flush_lag_bytes = 10;  // bytes: the WAL now holds more
  bool ok = true;
  auto checks = RunHealthChecks(root_, db_.get(), o);
  EXPECT_NE(Find(checks, "flush_lag", &ok).find("over the limit"), std::string::npos);
  EXPECT_FALSE(ok);
}

// Without a WAL archive there is no archive_lag check; with one, the unarchived WAL (here: every
// segment, nothing was pushed) is measured against the limit.
TEST_F(HealthTest, ArchiveLagIsCheckedOnlyWithAnArchiveAndFailsOverTheLimit) {
  HealthOptions o;
  o.min_free_bytes = 0;
  bool ok = false;
  for (const auto& c : RunHealthChecks(root_, db_.get(), o)) EXPECT_NE(c.name, "archive_lag");
  ASSERT_OK(db_->CreateTable({"trades", Schema::Template("trades").value(), std::nullopt, "{}"}));
  ASSERT_OK(db_->Append("trades", testing::MakeTrades(1000, 2, 1'700'000'000'000'000'000, 1)));
  ASSERT_OK(backup::SetWalArchive(DefaultFileSystem(), root_, tmp_.Join("archive")));
  auto checks = RunHealthChecks(root_, db_.get(), o);
  EXPECT_NE(Find(checks, "archive_lag", &ok).find("not archived"), std::string::npos);
  EXPECT_TRUE(ok);
  o.max_archive_lag_bytes = 10;  // the WAL holds more
  checks = RunHealthChecks(root_, db_.get(), o);
  EXPECT_NE(Find(checks, "archive_lag", &ok).find("over the limit"), std::string::npos);
  EXPECT_FALSE(ok);
}

TEST_F(HealthTest, AMissingWalDirectoryFailsWalWritable) {
  HealthOptions o;
  o.min_free_bytes = 0;
  bool ok = true;
  auto checks = RunHealthChecks(tmp_.Join("elsewhere"), nullptr, o);
  EXPECT_NE(Find(checks, "wal_writable", &ok).find("cannot create"), std::string::npos);
  EXPECT_FALSE(ok);
  Find(checks, "catalog_integrity", &ok);
  EXPECT_FALSE(ok);
}

TEST_F(HealthTest, ACorruptCatalogFailsIntegrity) {
  db_.reset();
  // Garbage over a page in the middle of the catalog file.
  std::string cat = testing::ReadTextFile(root_ + "/catalog.db");
  ASSERT_GT(cat.size(), 8192u);
  for (size_t i = 4096; i < 8192; ++i) cat[i] = static_cast<char>(i * 31);
  testing::WriteTextFile(root_ + "/catalog.db", cat);
  HealthOptions o;
  o.min_free_bytes = 0;
  bool ok = true;
  auto checks = RunHealthChecks(root_, nullptr, o);
  const std::string detail = Find(checks, "catalog_integrity", &ok);
  EXPECT_FALSE(ok) << detail;
}

}  // namespace
}  // namespace strata::server
