// Backups of a database root into one or more destinations (a directory or s3://bucket/prefix),
// and restores from them into a new root.
//
// A destination holds
//   blobs/<2 hex>/<sha256>      every object's bytes, content-addressed: copied once for all
//                               backups, so each backup after the first is incremental
//   backups/<id>.json           a manifest, written last: a backup is listed only once complete
//
// A backup is consistent at a WAL LSN: the catalog (SQLite's online backup API, while writers run)
// plus every live tier file and model pack it references, plus the WAL segments that hold the
// rows acknowledged after the catalog's flushed LSN. Restoring lays those out in a new root;
// its first open replays the WAL like after a crash. See src/backup/README.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/file_system.h"
#include "strata/status.h"

namespace strata::backup {

// One object of a backup: where it lives in the database ("catalog.db", "warm/...", "cold/...",
// "artifacts/packs/...", "models-cold/...", "wal/...", "quarantine/...") and its bytes' identity.
struct BackupObject {
  std::string path;
  std::string kind;  // catalog | warm | cold | pack | cold-pack | wal | quarantine
  uint64_t size = 0;
  std::string sha256;  // hex; the blob is blobs/<sha256[0:2]>/<sha256>
};

struct BackupManifest {
  std::string id;  // "20261207T050102Z-<8 hex>", sorts by creation time
  int64_t created_at_ns = 0;
  std::string source_root;
  uint64_t flushed_lsn = 0;  // the catalog's: rows up to it are in the tier files
  uint64_t wal_lsn = 0;      // the backup holds every row acknowledged up to this LSN
  // The highest flushed LSN of any table (one-table flushes go past flushed_lsn): a point-in-time
  // restore can start from this backup only for a target at or after it. Older manifests lack it
  // (read as wal_lsn).
  uint64_t max_flushed_lsn = 0;
  std::string wal_archive;  // the source's WAL archive when the backup was taken ("" when none)
  std::vector<BackupObject> objects;

  uint64_t bytes() const;
  std::string ToJson() const;
  static Result<BackupManifest> FromJson(std::string_view text, std::string_view where);
};

std::string BlobKey(std::string_view sha256_hex);

struct CreateOptions {
  std::string root;
  FileSystem* fs = nullptr;
  // Snapshot attempts when a file the catalog listed is deleted (compaction, migration) before
  // it was copied; each attempt copies only what the destinations still lack.
  int max_attempts = 5;
  // Objects read, hashed and written at once (>= 1). Memory: up to this many objects of up to
  // 256 MiB each (typical parts are a few MiB).
  int threads = 8;
  std::function<void(std::string_view)> progress;  // one line per step; may be empty
};

struct DestinationResult {
  std::string dest;
  Status status;
  uint64_t objects = 0, objects_copied = 0;
  uint64_t bytes = 0, bytes_copied = 0;
};

struct CreateResult {
  BackupManifest manifest;
  std::vector<DestinationResult> destinations;  // in the order given
  int attempts = 0;
  // OK when every destination holds the backup; otherwise an IOError naming each failed one.
  Status status() const;
};

// Backs `options.root` up into every destination. A destination that fails (unreachable, full,
// refusing writes) does not stop the others: its outcome is in its DestinationResult, the others
// are complete and listed, and `status()` of the result fails. Source problems (a corrupt local
// file, an unreadable catalog) and bad arguments fail the whole call instead.
Result<CreateResult> CreateBackup(const CreateOptions& options, const std::vector<std::string>& destinations);

// The complete backups in `dest`, oldest first.
Result<std::vector<BackupManifest>> ListBackups(FileSystem* fs, const std::string& dest);

struct VerifyProblem {
  std::string backup_id;
  std::string path;      // the object's path in the database
  std::string blob_key;  // where it should be in the destination
  std::string what;      // "missing", "size 12 instead of 34", "sha256 ... instead of ..."
};

struct VerifyReport {
  uint64_t backups = 0, blobs_checked = 0, bytes_checked = 0;
  std::vector<VerifyProblem> problems;
};

// Re-hashes every blob the backups (or only backup `id`) reference.
Result<VerifyReport> VerifyBackups(FileSystem* fs, const std::string& dest, std::optional<std::string> id);

struct PruneResult {
  std::vector<std::string> kept, removed;  // backup ids
  uint64_t blobs_removed = 0, bytes_removed = 0;
};

// Keeps the newest `keep_last` backups plus the newest backup of each of the `keep_daily` most
// recent UTC days that have one; removes the others' manifests, then every blob no kept backup
// references. InvalidArgument when both are 0 (that would remove everything).
Result<PruneResult> PruneBackups(FileSystem* fs, const std::string& dest, int keep_last, int keep_daily);

struct RestoreResult {
  BackupManifest manifest;
  uint64_t objects_written = 0, bytes_written = 0;
  uint64_t objects_already_there = 0;  // cold objects outside the root that were present and whole
};

// Called by RestoreBackup after every file but the catalog is in place, before the catalog
// (staged at `staged_catalog`) is renamed into it: a point-in-time restore rewrites the WAL and
// adjusts the catalog there, so that a crash leaves no openable database.
using BeforeCatalogHook =
    std::function<Status(const BackupManifest& m, const std::string& target, const std::string& staged_catalog)>;

// Takes back a restore into `target`: removes the directory when it did not exist before the
// restore (`existed` false), else empties it (a restore only writes into an empty directory).
Status TakeBackRestore(FileSystem* fs, const std::string& target, bool existed);

// Restores backup `id` (the newest when empty) from `dest` into `target`, which must not exist or
// be an empty directory, or hold an interrupted restore (a .restore-tmp directory and no
// catalog), which is cleared and done again. Every blob is re-hashed as it is written; a missing
// or corrupt one fails the restore before anything is renamed into place (files go to
// `target`/.restore-tmp first). A restore that fails removes what it placed (the target is left
// absent or empty, as it was); a crash leaves .restore-tmp without a catalog, which a rerun
// clears and does again.
Result<RestoreResult> RestoreBackup(FileSystem* fs, const std::string& dest, std::optional<std::string> id,
                                    const std::string& target, const std::function<void(std::string_view)>& progress,
                                    const BeforeCatalogHook& before_catalog = {});

}  // namespace strata::backup
