// Iceberg tables over the lake: each table's live warm and cold files as an Apache Iceberg v2
// table (metadata JSON, manifest lists and manifests in Avro), derived from the catalog, which
// stays the source of truth. See README.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "objstore/object_store.h"
#include "parquet/parquet_reader.h"
#include "strata/results.h"
#include "strata/status.h"

namespace strata::iceberg {

struct IcebergOptions {
  Catalog* catalog = nullptr;
  // Where the metadata goes: table T's files are the keys "<prefix>T/metadata/...". A local root
  // gives the directory <root>/iceberg with prefix ""; an S3 root the cold store with "iceberg/".
  ObjectStore* store = nullptr;
  std::string prefix;
  // The absolute database root: local files (uri relative to it) are referenced as file://<root>/<uri>.
  std::string root;
  // Opens a live file's Parquet footer (for the column statistics of its manifest entry).
  std::function<Result<std::unique_ptr<parquet::ParquetReader>>(const FileRecord&)> open_reader;
  std::function<void(std::string_view)> on_warning;
  std::function<int64_t()> clock_ms;  // empty: the system clock
  int max_snapshots = 32;             // snapshots kept in the metadata (older ones expire)
  int max_metadata_files = 16;        // vN.metadata.json files kept (older ones are deleted)
};

// What one table's current Iceberg metadata says (for verify).
struct IcebergState {
  bool exists = false;
  int64_t version = 0;                 // N of vN.metadata.json that version-hint.text names
  std::optional<int64_t> snapshot_id;  // the current snapshot
  std::string live_files_sha256;       // the catalog file set the current snapshot describes
  int64_t live_files = 0;
  std::string manifest_list;  // the current snapshot's manifest list (file name)
};

class IcebergCommitter {
 public:
  explicit IcebergCommitter(IcebergOptions options, std::unique_ptr<ObjectStore> owned_store = nullptr);

  // The hook the tier store calls after each successful catalog commit: a snapshot for each table
  // whose live files the change adds or retires, in commit order. Never fails the data commit: a
  // failure is a warning (`strata verify` then reports the lag, `strata iceberg rebuild` repairs).
  void AfterCatalogCommit(const CatalogChange& change);

  // Commits a snapshot of the table's live files as the catalog lists them now. `expire` drops
  // the earlier snapshots (their data files are being deleted). Metadata that does not parse is
  // an error unless `fresh`, which starts the table's metadata over at v1.
  Status CommitTable(const TableInfo& table, bool expire, bool fresh = false);
  // A writer's open: commits a snapshot for every table whose metadata lags the catalog (or is
  // missing while the table has files), so a crash between the two commits heals at the next
  // open. Unreadable metadata is left alone with a warning (`strata iceberg rebuild` replaces it).
  void CatchUp();
  // Regenerates the table's metadata from the catalog: a new version whose one snapshot lists the
  // live files (history expired); over unreadable metadata it starts again at v1.
  Status Rebuild(const TableInfo& table);
  // Appends an "iceberg" problem for every table whose metadata is missing, unreadable or lags the
  // catalog (a crash between the catalog commit and the Iceberg commit). With `repair`, commits a
  // snapshot for those that lag instead (and reports only what it could not repair).
  Status Check(VerifyReport* report, bool repair = false);
  Result<IcebergState> ReadState(const std::string& table);

  // "file:///root/iceberg/T" or "s3://bucket/prefix/iceberg/T".
  std::string TableLocation(const std::string& table) const;
  // The URI engines read a catalog file at.
  std::string DataUri(const FileRecord& file) const;
  // A fingerprint of a table's live file set (sorted uris), as snapshots record it.
  static std::string LiveFilesSha256(const std::vector<FileRecord>& files);

  struct ColumnStats {
    int64_t size = 0, values = 0;
    std::optional<int64_t> nulls;
    std::optional<std::string> lower, upper;  // Iceberg single-value serialization
  };
  struct FileStats {
    std::vector<ColumnStats> columns;  // by field (id = index + 1)
  };

 private:
  Result<FileStats> StatsOf(const TableInfo& table, const FileRecord& file);
  std::string Key(const std::string& table, std::string_view name) const;
  void Warn(std::string_view msg);

  IcebergOptions options_;
  std::unique_ptr<ObjectStore> owned_store_;  // the local metadata store, when it is ours
  std::mutex mu_;                             // one commit at a time; guards stats_
  // Column statistics of files already read, by table id and uri (files never change once
  // written); only live files are kept.
  std::map<int64_t, std::map<std::string, std::shared_ptr<const FileStats>>> stats_;
  // The metadata JSON each table's last commit wrote, by table name, with its version: the next
  // commit reuses it instead of re-reading and re-parsing vN.metadata.json while version-hint.text
  // still names that version (metadata files are never rewritten under the same version).
  struct LastMetadata;
  std::map<std::string, std::shared_ptr<LastMetadata>> last_metadata_;
};

class AvroEncoder;

// The Avro schemas strata writes (Iceberg's, with their field ids): a manifest entry whose
// partition struct is that of `spec` (0: day(ts) + symbol, warm files; 1: month(ts) + symbol,
// cold files), and a manifest list entry.
std::string ManifestEntrySchema(int spec);
std::string ManifestFileSchema();
// Appends one manifest entry (status ADDED, a data file of the given partition value and
// statistics) in ManifestEntrySchema's encoding.
void EncodeManifestEntry(AvroEncoder* body, int64_t snapshot_id, std::string_view uri, int32_t partition,
                         std::string_view symbol, int64_t rows, int64_t bytes,
                         const IcebergCommitter::FileStats& stats);

// The committer of a database: metadata under <root>/iceberg/ (through `fs`) when the cold tier is
// local, in the cold store under "iceberg/" when it is remote (S3). `root` may be relative.
std::unique_ptr<IcebergCommitter> NewDatabaseCommitter(
    FileSystem* fs, const std::string& root, Catalog* catalog, ObjectStore* cold,
    std::function<Result<std::unique_ptr<parquet::ParquetReader>>(const FileRecord&)> open_reader,
    std::function<void(std::string_view)> on_warning);

}  // namespace strata::iceberg
