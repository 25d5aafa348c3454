// The Iceberg committer against a real catalog, tier store and local stores: the hook after each
// tier commit, the metadata it writes, and what verify / rebuild see after a lost Iceberg commit.
// (icebird reads the tables end to end in tests/iceberg_icebird_test.cc.)
#include "iceberg/iceberg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "iceberg/avro.h"
#include "iceberg/avro_c_reference.h"
#include "io/fault_injection_fs.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"
#include "tier/tier_store.h"

namespace strata::iceberg {
namespace {

std::vector<nlohmann::json> ReadAvroFile(const std::string& path) {
  std::string error;
  std::vector<nlohmann::json> out = avro_c::ReadFile(path, &error);
  EXPECT_EQ(error, "");
  return out;
}

std::string HexLe(const void* p, size_t n) { return avro_c::Hex(p, n); }

TEST(AvroEncoderTest, ZigZagVarints) {
  auto enc = [](int64_t v) {
    AvroEncoder e;
    e.Long(v);
    return e.data();
  };
  EXPECT_EQ(enc(0), std::string("\x00", 1));
  EXPECT_EQ(enc(-1), "\x01");
  EXPECT_EQ(enc(1), "\x02");
  EXPECT_EQ(enc(-64), "\x7f");
  EXPECT_EQ(enc(64), "\x80\x01");
  EXPECT_EQ(enc(INT64_MIN), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
  AvroEncoder s;
  s.String("ab");
  EXPECT_EQ(s.data(),
            "\x04"
            "ab");
}

TEST(AvroEncoderTest, ContainerLayout) {
  AvroEncoder body;
  body.Int(3);
  body.EndRecord();
  const std::string sync(16, 'S');
  const std::string f =
      AvroContainer(R"({"type":"record","name":"r","fields":[{"name":"x","type":"int"}]})", {{"k", "v"}}, body, sync);
  ASSERT_EQ(f.substr(0, 4), std::string("Obj\x01", 4));
  // ... header map ..., sync, then the block: 1 record, 1 byte, the value 3 (zig-zag 6), sync.
  EXPECT_EQ(f.substr(f.size() - 16 - 3 - 16), sync + std::string("\x02\x02\x06", 3) + sync);
  EXPECT_NE(f.find("avro.codec"), std::string::npos);
}

// strata's encoder and Avro C's generic values (set field by field, checked against the schema)
// give the same bytes for the same manifest entries: statistics present, absent and partial,
// both partition specs, long strings.
TEST(AvroEncoderTest, ManifestEntriesEncodeAsAvroCEncodesThem) {
  for (int spec : {0, 1}) {
    avro_c::EntryEncoder reference(spec);
    ASSERT_TRUE(reference.ok()) << avro_strerror();
    AvroEncoder mine;
    std::string theirs;
    for (int i = 0; i < 4; ++i) {
      avro_c::EntryInput e;
      e.snapshot_id = (int64_t{1} << 52) + i;
      e.uri = "file:///data/strata/warm/t/date=2026-03-02/symbol=BRK%2FA/part-" + std::string(i * 50, 'x') + ".parquet";
      e.partition = spec == 0 ? 20514 + i : -3 + i;
      e.symbol = i == 2 ? "" : "BRK/A";
      e.rows = int64_t{1} << (10 * i);
      e.bytes = -i;
      e.stats.columns.resize(i == 3 ? 0 : 3);
      for (size_t c = 0; c < e.stats.columns.size(); ++c) {
        auto& cs = e.stats.columns[c];
        cs.size = 1000 * static_cast<int64_t>(c);
        cs.values = e.rows;
        if (c != 1) cs.nulls = static_cast<int64_t>(c);
        if (c != 2 || i == 1) {
          cs.lower = std::string(c + 1, '\0');
          cs.upper = std::string(200, static_cast<char>(0xff));
        }
      }
      EncodeManifestEntry(&mine, e.snapshot_id, e.uri, e.partition, e.symbol, e.rows, e.bytes, e.stats);
      ASSERT_TRUE(reference.Encode(e, &theirs)) << avro_strerror();
      ASSERT_EQ(avro_c::Hex(mine.data().data(), mine.data().size()), avro_c::Hex(theirs.data(), theirs.size()))
          << "spec " << spec << ", entry " << i;
    }
  }
}

class IcebergTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path();
    fs_ = std::make_unique<FaultInjectionFileSystem>(DefaultFileSystem());
    ASSERT_OK_AND_ASSIGN(catalog_, Catalog::Open(JoinPath(root_, "catalog.db"), false));
    cold_ = NewLocalObjectStore(fs_.get(), JoinPath(root_, "cold"));
    tier::TierStoreOptions o;
    o.fs = fs_.get();
    o.root = root_;
    o.catalog = catalog_.get();
    o.cold = cold_.get();
    o.on_warning = [this](std::string_view m) { warnings_ += std::string(m) + "\n"; };
    o.after_catalog_commit = [this](const CatalogChange& c) {
      if (hook_on_) committer_->AfterCatalogCommit(c);
    };
    store_ = std::make_unique<tier::TierStore>(std::move(o));
    committer_ = NewDatabaseCommitter(
        fs_.get(), root_, catalog_.get(), cold_.get(), [this](const FileRecord& f) { return store_->OpenReader(f); },
        [this](std::string_view m) { warnings_ += std::string(m) + "\n"; });
    TableDef def;
    def.name = "trades";
    def.schema = *Schema::Template("trades");
    ASSERT_OK_AND_ASSIGN(table_, catalog_->CreateTable(def));
  }

  Status FlushRows(const std::string& symbol, int64_t day, int n, uint64_t cut) {
    RecordBatch b(table_.def.schema);
    for (int i = 0; i < n; ++i) {
      b.column(0).AppendInt64(day * kNanosPerDay + i * 1000 + 7);
      b.column(1).AppendString(symbol);
      b.column(2).AppendDouble(100.0 + i);
      b.column(3).AppendInt64(1 + i);
      b.column(4).AppendInt64(static_cast<int64_t>(cut) * 1000 + i);
      b.column(5).AppendString(i % 2 ? "X" : "Q");
    }
    std::vector<tier::FlushSeries> s(1);
    s[0].table_id = table_.id;
    s[0].symbol = symbol;
    s[0].rows = std::move(b);
    return store_->Flush(std::move(s), cut, nullptr).status();
  }

  nlohmann::json Metadata() {
    const std::string dir = JoinPath(root_, "iceberg/trades/metadata");
    auto hint = fs_->ReadFile(JoinPath(dir, "version-hint.text"));
    EXPECT_TRUE(hint.ok()) << hint.status().ToString();
    if (!hint.ok()) return {};
    auto text = fs_->ReadFile(JoinPath(dir, "v" + *hint + ".metadata.json"));
    EXPECT_TRUE(text.ok());
    return text.ok() ? nlohmann::json::parse(*text) : nlohmann::json{};
  }

  VerifyReport Check() {
    VerifyReport r;
    EXPECT_OK(committer_->Check(&r));
    return r;
  }

  testing::TempDir dir_;
  std::string root_;
  std::unique_ptr<FaultInjectionFileSystem> fs_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<ObjectStore> cold_;
  std::unique_ptr<tier::TierStore> store_;
  std::unique_ptr<IcebergCommitter> committer_;
  bool hook_on_ = true;
  TableInfo table_;
  std::string warnings_;
  const int64_t day_ = DaysFromCivil(2026, 3, 2);
};

// A commit fsyncs each file it writes, the manifests and manifest list's directory once, the
// metadata file and the hint each with their directory (BENCHMARKS.md: 10 fsyncs before, 8 now);
// expiring older snapshots deletes their files without an fsync each. Counted by the fault
// injection file system.
TEST_F(IcebergTest, ACommitFsyncsEachFileOnceAndTheManifestsDirectoryOnce) {
  ASSERT_OK(FlushRows("AAPL", day_, 30, 10));
  MigrateOptions mo;
  mo.all = true;
  ASSERT_OK(store_->Migrate(mo).status());     // a cold file (spec 1)
  ASSERT_OK(FlushRows("MSFT", day_, 30, 20));  // and a warm one (spec 0)
  for (int i = 0; i < 3; ++i) ASSERT_OK(FlushRows("MSFT", day_ + 1 + i, 5, 30 + i));
  const size_t before = Metadata()["snapshots"].size();
  ASSERT_GE(before, 4u);
  fs_->ResetCounters();
  ASSERT_OK(committer_->CommitTable(table_, false));
  EXPECT_EQ(fs_->ops(FsOp::kSync), 5);     // manifest (warm), manifest (cold), manifest list, metadata, hint
  EXPECT_EQ(fs_->ops(FsOp::kSyncDir), 3);  // after the manifests and list, after the metadata, after the hint
  EXPECT_EQ(Metadata()["snapshots"].size(), before + 1);
  fs_->ResetCounters();
  ASSERT_OK(committer_->CommitTable(table_, true));  // expires every older snapshot and metadata file
  EXPECT_EQ(fs_->ops(FsOp::kSync), 5);
  EXPECT_EQ(fs_->ops(FsOp::kSyncDir), 3);
  EXPECT_GE(fs_->ops(FsOp::kRemove), 2 * static_cast<int>(before));  // the expired files, no fsync each
  nlohmann::json md = Metadata();
  EXPECT_EQ(md["snapshots"].size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto left, fs_->ListDir(JoinPath(root_, "iceberg/trades/metadata")));
  EXPECT_EQ(left.size(), 5u) << ::testing::PrintToString(left);  // vN, hint, list, two manifests
  EXPECT_TRUE(Check().ok());
}

TEST_F(IcebergTest, EachFlushCommitsASnapshotWithPartitionsAndStats) {
  EXPECT_TRUE(Check().ok());  // no files, no metadata: nothing to report
  ASSERT_OK(FlushRows("AAPL", day_, 50, 10));
  nlohmann::json md = Metadata();
  EXPECT_EQ(md["format-version"], 2);
  EXPECT_EQ(md["location"], "file://" + root_ + "/iceberg/trades");
  ASSERT_EQ(md["snapshots"].size(), 1u);
  EXPECT_EQ(md["snapshots"][0]["summary"]["total-records"], "50");
  EXPECT_EQ(md["partition-specs"][0]["fields"][0]["transform"], "day");
  EXPECT_EQ(md["partition-specs"][0]["fields"][1]["transform"], "identity");
  EXPECT_EQ(md["schemas"][0]["fields"][0]["type"], "timestamp");
  const int64_t first = md["current-snapshot-id"];

  ASSERT_OK(FlushRows("MSFT", day_ + 1, 20, 20));
  md = Metadata();
  ASSERT_EQ(md["snapshots"].size(), 2u);
  EXPECT_EQ(md["snapshots"][1]["parent-snapshot-id"], first);
  EXPECT_EQ(md["snapshots"][1]["summary"]["total-records"], "70");
  EXPECT_EQ(md["snapshots"][1]["summary"]["operation"], "append");
  EXPECT_EQ(md["metadata-log"].size(), 1u);  // v1 kept for time travel
  EXPECT_TRUE(fs_->Exists(JoinPath(root_, "iceberg/trades/metadata/v1.metadata.json")).value());

  // The manifest carries the file's absolute URI, its partition and its column bounds.
  const std::string list = md["snapshots"][1]["manifest-list"];
  ASSERT_EQ(list.rfind("file://", 0), 0u);
  ASSERT_OK_AND_ASSIGN(std::string list_bytes, fs_->ReadFile(list.substr(7)));
  const size_t at = list_bytes.find("file://");
  ASSERT_NE(at, std::string::npos);
  const std::string manifest_uri = list_bytes.substr(at, list_bytes.find(".avro", at) + 5 - at);
  ASSERT_OK_AND_ASSIGN(std::string manifest, fs_->ReadFile(manifest_uri.substr(7)));
  EXPECT_NE(manifest.find("partition-spec-id"), std::string::npos);  // header metadata
  EXPECT_NE(manifest.find("file://" + root_ + "/warm/trades/date=2026-03-02/symbol=AAPL/"), std::string::npos);
  EXPECT_NE(manifest.find("\"field-id\":127"), std::string::npos);  // lower_bounds value
  // price (field 3) bounds: 100.0 .. 149.0 as little-endian doubles
  double lo = 100.0, hi = 149.0;
  EXPECT_NE(manifest.find(std::string(reinterpret_cast<const char*>(&lo), 8)), std::string::npos);
  EXPECT_NE(manifest.find(std::string(reinterpret_cast<const char*>(&hi), 8)), std::string::npos);
  EXPECT_TRUE(Check().ok());
}

TEST_F(IcebergTest, RetiringFilesExpiresOlderSnapshots) {
  ASSERT_OK(FlushRows("AAPL", day_, 30, 10));
  ASSERT_OK(FlushRows("AAPL", day_, 30, 20));
  ASSERT_EQ(Metadata()["snapshots"].size(), 2u);
  MigrateOptions mo;
  mo.all = true;
  ASSERT_OK(store_->Migrate(mo).status());
  nlohmann::json md = Metadata();
  ASSERT_EQ(md["snapshots"].size(), 1u);  // the older snapshots named files now deleted
  EXPECT_EQ(md["snapshots"][0]["summary"]["operation"], "overwrite");
  EXPECT_EQ(md["snapshots"][0]["summary"]["total-data-files"], "1");
  EXPECT_EQ(md["metadata-log"].size(), 0u);
  EXPECT_FALSE(fs_->Exists(JoinPath(root_, "iceberg/trades/metadata/v1.metadata.json")).value());
  ASSERT_OK_AND_ASSIGN(auto left, fs_->ListDir(JoinPath(root_, "iceberg/trades/metadata")));
  EXPECT_EQ(left.size(), 4u);  // v3, version-hint, one manifest list, one manifest
  EXPECT_TRUE(Check().ok());
  EXPECT_EQ(md["snapshots"][0]["manifest-list"].get<std::string>().find("file://" + root_), 0u);
}

// The manifest list and manifests, read back with Avro C (Debian's libavro): the hand-written
// encoding matches its own schema record by record, and every field holds what Iceberg expects.
TEST_F(IcebergTest, ManifestsReadBackWithAvroC) {
  ASSERT_OK(FlushRows("AAPL", day_, 50, 10));
  ASSERT_OK(FlushRows("MSFT", day_ + 1, 20, 20));
  nlohmann::json md = Metadata();
  const int64_t snap = md["current-snapshot-id"];
  const std::string list_uri = md["snapshots"][1]["manifest-list"];
  std::vector<nlohmann::json> list = ReadAvroFile(list_uri.substr(7));
  ASSERT_EQ(list.size(), 1u);  // warm files only: one manifest, spec 0
  const nlohmann::json& mf = list[0];
  EXPECT_EQ(mf["partition_spec_id"], 0);
  EXPECT_EQ(mf["content"], 0);
  EXPECT_EQ(mf["added_snapshot_id"], snap);
  EXPECT_EQ(mf["sequence_number"], md["last-sequence-number"]);
  EXPECT_EQ(mf["added_files_count"], 2);
  EXPECT_EQ(mf["added_rows_count"], 70);
  const int32_t d0 = static_cast<int32_t>(day_), d1 = static_cast<int32_t>(day_ + 1);
  ASSERT_EQ(mf["partitions"].size(), 2u);
  EXPECT_EQ(mf["partitions"][0]["lower_bound"], HexLe(&d0, 4));
  EXPECT_EQ(mf["partitions"][0]["upper_bound"], HexLe(&d1, 4));
  EXPECT_EQ(mf["partitions"][1]["lower_bound"], HexLe("AAPL", 4));
  EXPECT_EQ(mf["partitions"][1]["upper_bound"], HexLe("MSFT", 4));
  const std::string manifest_uri = mf["manifest_path"];
  ASSERT_OK_AND_ASSIGN(std::string manifest_bytes, fs_->ReadFile(manifest_uri.substr(7)));
  EXPECT_EQ(mf["manifest_length"], static_cast<int64_t>(manifest_bytes.size()));

  std::vector<nlohmann::json> entries = ReadAvroFile(manifest_uri.substr(7));
  ASSERT_EQ(entries.size(), 2u);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a["data_file"]["record_count"] > b["data_file"]["record_count"];
  });
  const nlohmann::json& e = entries[0];  // AAPL, 50 rows
  EXPECT_EQ(e["status"], 1);             // ADDED
  EXPECT_EQ(e["snapshot_id"], snap);
  EXPECT_TRUE(e["sequence_number"].is_null());  // inherited from the manifest list
  const nlohmann::json& f = e["data_file"];
  EXPECT_EQ(f["content"], 0);
  EXPECT_EQ(f["file_format"], "PARQUET");
  const std::string path = f["file_path"];
  ASSERT_EQ(path.rfind("file://" + root_ + "/warm/trades/date=2026-03-02/symbol=AAPL/", 0), 0u) << path;
  ASSERT_OK_AND_ASSIGN(std::string data, fs_->ReadFile(path.substr(7)));
  EXPECT_EQ(f["file_size_in_bytes"], static_cast<int64_t>(data.size()));
  EXPECT_EQ(f["record_count"], 50);
  EXPECT_EQ(f["partition"]["ts_day"], d0);
  EXPECT_EQ(f["partition"]["symbol"], "AAPL");
  auto bound = [](const nlohmann::json& kv, int key) -> std::string {
    for (const auto& p : kv) {
      if (p["key"] == key) return p["value"];
    }
    return "<none>";
  };
  ASSERT_EQ(f["value_counts"].size(), 6u);
  ASSERT_EQ(f["null_value_counts"].size(), 6u);
  for (const auto& p : f["value_counts"]) EXPECT_EQ(p["value"], 50) << p;
  for (const auto& p : f["null_value_counts"]) EXPECT_EQ(p["value"], 0) << p;
  // ts (field 1): the microsecond floors of the ns bounds; price (3): 100.0 .. 149.0.
  const int64_t ts_lo = (day_ * kNanosPerDay + 7) / 1000, ts_hi = (day_ * kNanosPerDay + 49 * 1000 + 7) / 1000;
  EXPECT_EQ(bound(f["lower_bounds"], 1), HexLe(&ts_lo, 8));
  EXPECT_EQ(bound(f["upper_bounds"], 1), HexLe(&ts_hi, 8));
  const double p_lo = 100.0, p_hi = 149.0;
  EXPECT_EQ(bound(f["lower_bounds"], 3), HexLe(&p_lo, 8));
  EXPECT_EQ(bound(f["upper_bounds"], 3), HexLe(&p_hi, 8));
  EXPECT_EQ(bound(f["lower_bounds"], 2), HexLe("AAPL", 4));
  EXPECT_EQ(bound(f["lower_bounds"], 6), HexLe("Q", 1));
  EXPECT_EQ(bound(f["upper_bounds"], 6), HexLe("X", 1));

  // Cold files: the month spec, partition value = months since 1970-01.
  MigrateOptions mo;
  mo.all = true;
  ASSERT_OK(store_->Migrate(mo).status());
  md = Metadata();
  list = ReadAvroFile(md["snapshots"].back()["manifest-list"].get<std::string>().substr(7));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["partition_spec_id"], 1);
  const int32_t month = (2026 - 1970) * 12 + 2;
  EXPECT_EQ(list[0]["partitions"][0]["lower_bound"], HexLe(&month, 4));
  entries = ReadAvroFile(list[0]["manifest_path"].get<std::string>().substr(7));
  ASSERT_EQ(entries.size(), 2u);
  for (const auto& c : entries) {
    EXPECT_EQ(c["data_file"]["partition"]["ts_month"], month);
    EXPECT_EQ(c["data_file"]["file_path"].get<std::string>().rfind("file://" + root_ + "/cold/trades/", 0), 0u)
        << c["data_file"]["file_path"];
  }
}

// A crash (here: the hook not run) between the catalog commit and the Iceberg commit: the
// metadata lags, Check reports it naming the table and the fix, Rebuild repairs it.
TEST_F(IcebergTest, LostIcebergCommitIsReportedAndRebuilt) {
  ASSERT_OK(FlushRows("AAPL", day_, 10, 10));
  hook_on_ = false;
  ASSERT_OK(FlushRows("AAPL", day_ + 1, 10, 20));
  VerifyReport r = Check();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "iceberg");
  EXPECT_NE(r.problems[0].detail.find("lags the catalog"), std::string::npos) << r.problems[0].detail;
  EXPECT_NE(r.problems[0].detail.find("strata iceberg rebuild trades"), std::string::npos);
  ASSERT_OK(committer_->Rebuild(table_));
  EXPECT_TRUE(Check().ok());
  EXPECT_EQ(Metadata()["snapshots"][0]["summary"]["total-records"], "20");
}

// The next writer's open (CatchUp) commits the snapshot a crash lost, by itself.
TEST_F(IcebergTest, CatchUpCommitsWhatACrashLost) {
  ASSERT_OK(FlushRows("AAPL", day_, 10, 10));
  hook_on_ = false;
  ASSERT_OK(FlushRows("MSFT", day_, 10, 20));
  ASSERT_EQ(Check().problems.size(), 1u);
  committer_->CatchUp();
  EXPECT_TRUE(Check().ok());
  nlohmann::json md = Metadata();
  EXPECT_EQ(md["snapshots"].back()["summary"]["total-data-files"], "2");
  EXPECT_EQ(md["snapshots"].back()["summary"]["total-records"], "20");
  EXPECT_EQ(warnings_, "");
}

// A manifest deleted behind our back: Check names it, the writer's catch-up rewrites the metadata.
TEST_F(IcebergTest, AMissingManifestIsReportedAndRepaired) {
  ASSERT_OK(FlushRows("AAPL", day_, 10, 10));
  const int64_t snap = Metadata()["current-snapshot-id"];
  const std::string manifest = JoinPath(root_, "iceberg/trades/metadata/" + std::to_string(snap) + "-m0.avro");
  ASSERT_TRUE(fs_->Exists(manifest).value());
  ASSERT_OK(fs_->RemoveFile(manifest));
  VerifyReport r = Check();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].detail.find("names files that are missing: " + std::to_string(snap) + "-m0.avro"),
            std::string::npos)
      << r.problems[0].detail;
  committer_->CatchUp();
  EXPECT_TRUE(Check().ok());
}

// Failing to write the metadata does not fail the data commit: a warning, and verify's report.
TEST_F(IcebergTest, MetadataWriteFailureDoesNotFailTheFlush) {
  ASSERT_OK(FlushRows("AAPL", day_, 10, 10));
  fs_->FailPathsContaining(FsOp::kRename, "/iceberg/");
  ASSERT_OK(FlushRows("AAPL", day_ + 1, 10, 20));
  EXPECT_NE(warnings_.find("Iceberg metadata of table trades was not updated"), std::string::npos) << warnings_;
  EXPECT_EQ(catalog_->ListFiles(FileQuery{}).value().size(), 2u);
  EXPECT_EQ(Check().problems.size(), 1u);
  fs_->FailPathsContaining(FsOp::kRename, "");
  // Unreadable metadata: rebuild starts over at v1.
  ASSERT_OK(fs_->WriteFileAtomic(JoinPath(root_, "iceberg/trades/metadata/v1.metadata.json"), "{not json"));
  EXPECT_EQ(Check().problems.size(), 1u);
  ASSERT_OK(committer_->Rebuild(table_));
  EXPECT_TRUE(Check().ok());
  EXPECT_EQ(Metadata()["snapshots"][0]["summary"]["total-records"], "20");
}

// The committer keeps its last metadata in memory; a commit by another committer (another process
// over the same database) moves the version on, and the next commit must build on that one.
TEST_F(IcebergTest, ACommitByAnotherCommitterIsNotLost) {
  ASSERT_OK(FlushRows("AAPL", day_, 10, 10));  // v1, by committer_
  auto other = NewDatabaseCommitter(
      fs_.get(), root_, catalog_.get(), cold_.get(), [this](const FileRecord& f) { return store_->OpenReader(f); },
      [this](std::string_view m) { warnings_ += std::string(m) + "\n"; });
  hook_on_ = false;
  ASSERT_OK(FlushRows("MSFT", day_, 10, 20));
  ASSERT_OK(other->CommitTable(table_, /*expire=*/false));  // v2, by the other one
  const int64_t theirs = Metadata()["current-snapshot-id"];
  hook_on_ = true;
  ASSERT_OK(FlushRows("IBM", day_, 10, 30));  // v3, by committer_ again
  nlohmann::json md = Metadata();
  ASSERT_EQ(md["snapshots"].size(), 3u);
  EXPECT_EQ(md["snapshots"][2]["parent-snapshot-id"], theirs);
  EXPECT_EQ(md["last-sequence-number"], 3);
  ASSERT_EQ(md["metadata-log"].size(), 2u);
  EXPECT_NE(md["metadata-log"][1]["metadata-file"].get<std::string>().find("v2.metadata.json"), std::string::npos);
  EXPECT_TRUE(fs_->Exists(JoinPath(root_, "iceberg/trades/metadata/v3.metadata.json")).value());
  EXPECT_TRUE(Check().ok());
  EXPECT_EQ(warnings_, "");
}

}  // namespace
}  // namespace strata::iceberg
