// The cold tier in an S3 bucket (a real S3-compatible server, s3rver, on 127.0.0.1): the full
// migrate -> query -> verify -> retention cycle, and a server that dies during a migration.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "lake_test_util.h"
#include "objstore/object_store.h"
#include "objstore/s3_object_store.h"
#include "s3_suite_server.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::Expected;
using testing::kDayNs;
using testing::kMar2;
using testing::LocalS3Server;
using testing::SameRows;
using testing::ScanAll;
using testing::TempDir;
using testing::TestOptions;
using testing::TierFiles;
using testing::TierRows;
using testing::Trades;

class TierS3Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { s3_.Start(); }
  static void TearDownTestSuite() { s3_.Stop(); }

  void SetUp() override {
    s3_.NewBucket("lake", &bucket_);
    if (HasFatalFailure()) return;

    testing::PreferMemoryTmpDir();
    dir_ = std::make_unique<TempDir>();
    root_ = dir_->Join("db");
    location_ = "s3://" + bucket_ + "/strata";
    ASSERT_OK(Database::Init(root_, {.fsync = "none", .cold_location = location_}));
    Reopen();
    ASSERT_OK(db_->CreateTable({"trades", *Schema::Template("trades"), "trade_id", "{}"}));
  }

  void Reopen() {
    db_.reset();
    Options options = TestOptions();
    auto db = Database::Open(root_, options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }

  // Keys of the cold tier in the bucket (not the Iceberg metadata under iceberg/), through a store
  // of our own (not the database's).
  std::vector<std::string> BucketKeys() {
    auto store = OpenObjectStore(location_, DefaultFileSystem(), S3Options{});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return {};
    auto objects = (*store)->List("");
    EXPECT_TRUE(objects.ok()) << objects.status().ToString();
    std::vector<std::string> keys;
    if (objects.ok()) {
      for (const ObjectInfo& o : *objects) {
        if (o.key.rfind("iceberg/", 0) != 0) keys.push_back(o.key);  // the tables' Iceberg metadata
      }
    }
    return keys;
  }

  void AppendFeb20AndMar2() {
    appended_.push_back(Trades(400, 3, kMar2 - 10 * kDayNs + 15 * 3600'000'000'000, 1, 0));
    appended_.push_back(Trades(300, 3, kMar2 + 15 * 3600'000'000'000, 2, 1'000'000));
    for (const RecordBatch& b : appended_) ASSERT_OK(db_->Append("trades", b));
  }

  MigrateOptions All() {
    MigrateOptions m;
    m.all = true;
    return m;
  }

  static inline testing::SuiteS3Server s3_;
  std::string bucket_, location_, root_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Database> db_;
  std::vector<RecordBatch> appended_;
};

TEST_F(TierS3Test, MigrateQueryVerifyRetentionCycle) {
  AppendFeb20AndMar2();
  ASSERT_OK(db_->Flush().status());
  ASSERT_OK_AND_ASSIGN(TierRunResult m, db_->Migrate(All()));
  EXPECT_EQ(m.rows_out, 700u);
  EXPECT_EQ(TierRows(db_.get(), "cold"), 700u);
  EXPECT_EQ(TierRows(db_.get(), "warm"), 0u);

  // The objects are in the bucket under the Hive layout, nothing else (no temporaries).
  std::vector<std::string> keys = BucketKeys();
  ASSERT_EQ(keys.size(), 6u);  // 3 symbols x 2 months
  for (const std::string& k : keys) {
    EXPECT_EQ(k.rfind("trades/year=2026/month=0", 0), 0u) << k;
    EXPECT_NE(k.find("/symbol=S"), std::string::npos) << k;
  }

  // Queries read the cold files back from S3 (here and in a new process-like reopen).
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(appended_)));
  Reopen();
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(appended_)));
  ScanRequest hour;
  hour.table = "trades";
  hour.symbols = {"S1"};
  hour.from_ts = kMar2;
  hour.to_ts = kMar2 + kDayNs;
  ASSERT_OK_AND_ASSIGN(auto one, db_->Scan(hour));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_GT(one[0].num_rows(), 0u);

  ASSERT_OK_AND_ASSIGN(VerifyReport clean, db_->Verify({}));
  EXPECT_TRUE(clean.ok()) << clean.problems.front().uri << ": " << clean.problems.front().detail;
  EXPECT_EQ(clean.files_checked, 6u);

  // Retention: cold_days=5 on 2026-03-03 drops February, keeps March, in the catalog and the bucket.
  ASSERT_OK(db_->SetTablePolicy("trades", R"({"cold_days": 5})"));
  ASSERT_OK_AND_ASSIGN(TierRunResult r, db_->ApplyRetention(kMar2 + kDayNs));
  EXPECT_EQ(r.files_in, 3u);
  keys = BucketKeys();
  ASSERT_EQ(keys.size(), 3u);
  for (const std::string& k : keys) EXPECT_NE(k.find("month=03"), std::string::npos) << k;
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected({appended_[1]})));
  ASSERT_OK_AND_ASSIGN(VerifyReport after, db_->Verify({}));
  EXPECT_TRUE(after.ok());
}

// Immutable archives on S3: a cold_lock_days policy sends Object Lock retention with every cold
// upload (recorded by a proxy in front of s3rver, which ignores the headers), records the same
// retain-until date in the catalog, and retention leaves the files until then.
TEST_F(TierS3Test, ColdLockSendsObjectLockHeadersAndRetentionKeepsLockedFiles) {
  std::mutex mu;
  std::vector<testing::HttpMessage> puts;
  const int upstream = s3_.server()->port();
  testing::FakeHttpServer proxy([&](const testing::HttpMessage& req) -> std::optional<std::string> {
    if (req.method() == "PUT" || req.method() == "POST") {
      std::lock_guard lock(mu);
      puts.push_back(req);
    }
    auto resp = testing::ForwardHttp(upstream, req, req.method() == "HEAD");
    if (!resp) return std::nullopt;
    return resp->Serialize();
  });
  ::setenv("AWS_ENDPOINT_URL_S3", proxy.endpoint().c_str(), 1);
  Reopen();
  ASSERT_OK(db_->SetTablePolicy("trades", R"({"cold_days": 5, "cold_lock_days": 30})"));
  AppendFeb20AndMar2();
  ASSERT_OK(db_->Flush().status());
  const int64_t before = WallClockNs();
  ASSERT_OK_AND_ASSIGN(TierRunResult m, db_->Migrate(All()));
  const int64_t after = WallClockNs();
  EXPECT_EQ(m.files_out, 6u);

  std::vector<FileRecord> cold;
  {
    ASSERT_OK_AND_ASSIGN(auto catalog, Catalog::Open(JoinPath(root_, layout::kCatalogFileName), true));
    FileQuery q;
    q.tier = Tier::kCold;
    ASSERT_OK_AND_ASSIGN(cold, catalog->ListFiles(q));
  }
  ASSERT_EQ(cold.size(), 6u);
  int locked_puts = 0;
  for (const FileRecord& f : cold) {
    ASSERT_TRUE(f.retain_until_ns.has_value()) << f.uri;
    EXPECT_GE(*f.retain_until_ns, before + 30 * kDayNs);
    EXPECT_LE(*f.retain_until_ns, after + 30 * kDayNs + 1'000'000'000);
    // bucket/strata/trades/year=.../...: the path of the request, '=' percent-encoded as SigV4 signs it.
    std::string key;
    for (char c : f.uri.substr(std::string("s3://").size())) key += c == '=' ? std::string("%3D") : std::string(1, c);
    const ObjectLock want{"compliance", *f.retain_until_ns / 1'000'000'000};
    std::lock_guard lock(mu);
    for (const testing::HttpMessage& req : puts) {
      if (req.start_line.find("PUT /" + key + " ") == std::string::npos) continue;
      ++locked_puts;
      EXPECT_EQ(req.Header("x-amz-object-lock-mode"), "COMPLIANCE") << key;
      EXPECT_EQ(req.Header("x-amz-object-lock-retain-until-date"), want.RetainUntilIso8601()) << key;
    }
  }
  EXPECT_EQ(locked_puts, 6);

  // February is past cold_days on 2026-03-03 but locked for 30 days from now: kept.
  ASSERT_OK_AND_ASSIGN(TierRunResult early, db_->ApplyRetention(kMar2 + kDayNs));
  EXPECT_EQ(early.files_in, 0u);
  EXPECT_EQ(early.files_locked, 3u);
  EXPECT_EQ(BucketKeys().size(), 6u);
  // After the lock, retention deletes them.
  ASSERT_OK_AND_ASSIGN(TierRunResult late, db_->ApplyRetention(after + 31 * kDayNs));
  EXPECT_EQ(late.files_locked, 0u);
  EXPECT_EQ(late.files_in, 6u);  // March too: 31 days on, it is past cold_days as well
  EXPECT_TRUE(BucketKeys().empty());
  db_.reset();
  ::setenv("AWS_ENDPOINT_URL_S3", s3_.server()->endpoint().c_str(), 1);
}

TEST_F(TierS3Test, AnObjectDeletedBehindOurBackIsReportedByVerifyAndByAQuery) {
  AppendFeb20AndMar2();
  ASSERT_OK(db_->Flush().status());
  ASSERT_OK(db_->Migrate(All()).status());
  std::vector<std::string> keys = BucketKeys();
  ASSERT_FALSE(keys.empty());
  auto store = OpenObjectStore(location_, DefaultFileSystem(), S3Options{});
  ASSERT_OK((*store)->Delete(keys[0]));
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db_->Verify({}));
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "missing");
  EXPECT_NE(report.problems[0].uri.find(keys[0]), std::string::npos) << report.problems[0].uri;
  ScanRequest req;
  req.table = "trades";
  auto scan = db_->Scan(req);
  ASSERT_FALSE(scan.ok());
  EXPECT_NE(scan.status().message().find(keys[0]), std::string::npos) << scan.status().ToString();
}

// The server dies while a migration is under way (killed when the migration stages its first
// file, before the upload), then comes back: the migration either failed cleanly or completed,
// no half-written object is ever visible, and a second migration finishes the job.
TEST_F(TierS3Test, ServerKilledDuringAMigrationLeavesOldOrNewStateNeverHalf) {
  AppendFeb20AndMar2();
  ASSERT_OK(db_->Flush().status());
  const uint64_t warm_files = TierFiles(db_.get(), "warm");

  std::atomic<bool> done{false};
  std::thread killer([&] {
    const std::string tmp = root_ + "/tmp";
    while (!done.load()) {
      std::error_code ec;
      if (std::filesystem::exists(tmp, ec) && !std::filesystem::is_empty(tmp, ec)) {
        s3_.server()->Kill();
        return;
      }
      std::this_thread::yield();
    }
  });
  auto first = db_->Migrate(All());
  done = true;
  killer.join();
  if (first.ok()) {
    EXPECT_EQ(TierRows(db_.get(), "cold"), 700u);
  } else {
    // Failed cleanly: each series-month moved whole or not at all (those committed before the
    // kill are cold, the rest still warm), and the error names the cold tier.
    EXPECT_GE(TierFiles(db_.get(), "warm"), 1u);
    EXPECT_LE(TierFiles(db_.get(), "warm"), warm_files);
    EXPECT_EQ(TierRows(db_.get(), "cold") + TierRows(db_.get(), "warm"), 700u);
    EXPECT_NE(first.status().message().find("s3://"), std::string::npos) << first.status().ToString();
  }
  ASSERT_EQ(s3_.server()->Start(s3_.server()->dir(), s3_.server()->port()), "");
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(appended_)));

  ASSERT_OK(db_->Migrate(All()).status());
  EXPECT_EQ(TierRows(db_.get(), "cold"), 700u);
  EXPECT_EQ(TierRows(db_.get(), "warm"), 0u);
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(appended_)));
  // Objects the catalog does not know (a half-done upload) would show up as orphans here.
  Reopen();
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db_->Verify({}));
  EXPECT_TRUE(report.ok()) << report.problems.front().kind << " " << report.problems.front().uri;
  EXPECT_EQ(BucketKeys().size(), 6u);
}

// A migration's process that died in the middle of a multipart upload leaves an incomplete upload
// (invisible, but its parts are stored and billed). A writable open aborts those under a table's
// prefix once they are older than the grace period, and nothing outside the tier's namespace.
TEST_F(TierS3Test, AWritableOpenAbortsIncompleteUploadsOfTheTierOnly) {
  testing::S3UploadsShim shim(s3_.server()->port(), s3_.server()->dir() + "/data");
  ::setenv("AWS_ENDPOINT_URL_S3", shim.endpoint().c_str(), 1);
  S3Options o;
  o.bucket = bucket_;
  o.prefix = "strata";
  o.multipart_threshold = 6 << 20;
  o.part_size = 5 << 20;
  o.max_attempts = 1;
  ASSERT_OK_AND_ASSIGN(auto store, NewS3ObjectStore(o));
  const std::string src = dir_->Join("big.bin");
  testing::WriteTextFile(src, std::string((12 << 20) + 3, 'x'));
  // The client dies at part 2: neither the rest nor the abort reaches the server.
  shim.drop = [](const testing::HttpMessage& req) {
    return (req.method() == "PUT" && req.target().find("partNumber=2") != std::string::npos) ||
           req.method() == "DELETE";
  };
  const std::string tier_key = "trades/year=2026/month=03/symbol=S1/part-000009.parquet";
  for (const std::string& key : {tier_key, std::string("models/packs/pack-1"), std::string("trades/notes.bin")}) {
    ASSERT_FALSE(store->PutFile(key, DefaultFileSystem(), src).ok()) << key;
  }
  shim.drop = nullptr;
  const std::vector<std::string> all = {"strata/models/packs/pack-1", "strata/trades/notes.bin", "strata/" + tier_key};
  ASSERT_EQ(shim.UploadKeys(bucket_), all);

  std::vector<std::string> warnings;
  auto open = [&](std::function<int64_t()> clock) {
    db_.reset();
    Options options = TestOptions();
    options.clock = std::move(clock);
    options.on_warning = [&](std::string_view w) { warnings.emplace_back(w); };
    auto db = Database::Open(root_, options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  };
  // Just begun: it may be in flight (another clock, a slow link), so it stays.
  open(nullptr);
  EXPECT_EQ(shim.UploadKeys(bucket_), all);
  // Two hours later it is a leftover: aborted, with a warning naming it; the rest is not ours.
  const int64_t later = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            (std::chrono::system_clock::now() + std::chrono::hours(2)).time_since_epoch())
                            .count();
  open([later] { return later; });
  EXPECT_EQ(shim.UploadKeys(bucket_),
            (std::vector<std::string>{"strata/models/packs/pack-1", "strata/trades/notes.bin"}));
  bool warned = false;
  for (const std::string& w : warnings) warned = warned || w.find("aborted the incomplete upload") != std::string::npos;
  EXPECT_TRUE(warned);
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db_->Verify({}));
  EXPECT_TRUE(report.ok());
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
