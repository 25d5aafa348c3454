// Replicas: a read-only copy of a database that follows its primary by log shipping
// (`strata replica`, src/backup/README.md "Replicas").
//
// The source is a backup destination whose backups name a WAL archive (or the archive given).
// The first pass restores the newest backup into the replica root (RestoreBackup; the catalog is
// marked as a replica before it is placed, so the root never opens as a writable database);
// every pass then fetches the archived segments past what the replica's wal/ holds, checks each
// (SHA-256 against its name, every record's CRC and LSN continuity) and places it in wal/ as the
// next segment. Readers (read-only opens) replay wal/ as they replay any writer's log, so a
// query sees every shipped row. When wal/ holds `flush_segments` segments the replica opens the
// root for writing (Options::replica_apply) and flushes them to warm files, which deletes them.
//
// The replica's state lives in its catalog (layout::kReplica*Setting): the source, the archive,
// the applied LSN and its commit time, and what the last poll saw. A writer open without
// Options::replica_apply is refused while the source setting is there; PromoteReplica clears it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "strata/file_system.h"
#include "strata/status.h"

namespace strata::backup {

struct ReplicaOptions {
  std::string source;       // the backup destination (a directory or s3://bucket/prefix)
  std::string root;         // the replica
  std::string wal_archive;  // "": the archive the newest backup names, else `source`
  // Flush the shipped WAL to warm files once wal/ holds this many segments (0: never).
  uint64_t flush_segments = 8;
  std::function<void(std::string_view)> progress;
};

struct ReplicaPassResult {
  std::string restored_backup;  // the backup this pass restored ("" when the root was a replica already)
  uint64_t segments = 0;        // archived segments placed in wal/ by this pass
  uint64_t records = 0;         // WAL records they added
  uint64_t applied_lsn = 0;     // the replica holds every record up to here
  uint64_t source_lsn = 0;      // the newest archived LSN this pass saw
  bool flushed = false;
};

// One pass: restores the newest backup of `source` when `root` does not exist or is empty, then
// ships every archived segment past the replica's last LSN. Errors name the segment or backup and
// leave the replica as it was before that segment (what it has stays readable). A root that is a
// database but not a replica of `source` is refused.
Result<ReplicaPassResult> ReplicaPass(FileSystem* fs, const ReplicaOptions& options);

// What the replica's catalog says ("" source: the root is not a replica).
struct ReplicaInfo {
  std::string source, archive;
  std::string primary_root;  // the root the backups were taken from (BackupManifest::source_root)
  uint64_t applied_lsn = 0;
  int64_t applied_time_ns = 0;  // commit time of the record at applied_lsn (0: unknown)
  uint64_t source_lsn = 0;      // the archive's newest LSN at the last pass
  int64_t polled_at_ns = 0;     // when the last pass listed the archive
};
// nullopt when `root` is not a replica (or has no catalog).
Result<std::optional<ReplicaInfo>> GetReplicaInfo(const std::string& root);

struct ReplicaStatus {
  ReplicaInfo info;
  bool source_listed = false;  // source_lsn below is from listing the archive now
  std::string source_error;    // why it could not be listed (then source_lsn is the last pass's)
  uint64_t source_lsn = 0;
  uint64_t lag_lsn = 0;
  // 0 when caught up; else the age of the newest row the replica holds (now - applied_time),
  // i.e. how stale a read on the replica can be at most.
  double lag_seconds = 0;
};
// Reads the replica's catalog and (when `list_source`) lists the archive for its newest LSN.
// InvalidArgument when `root` is not a replica.
Result<ReplicaStatus> GetReplicaStatus(FileSystem* fs, const std::string& root, bool list_source);

struct PromoteOptions {
  std::string root;
  // Promote although the primary's lock cannot be checked (its root is not on this machine).
  // A primary that is seen holding its lock always refuses the promotion.
  bool force = false;
  bool catch_up = true;  // ship what the archive holds first (one ReplicaPass without flushing)
  std::function<void(std::string_view)> progress;
};
struct PromoteResult {
  uint64_t applied_lsn = 0;
  std::string primary_check;  // what was found about the primary's lock
};
// Makes the replica a writable primary: refuses while the primary's root (when it is a local
// directory) is locked by a writer, or while `strata replica` runs on the replica; refuses when
// the primary cannot be checked unless `force`; then clears the replica settings.
Result<PromoteResult> PromoteReplica(FileSystem* fs, const PromoteOptions& options);

// The lock a running `strata replica` holds on its root: ROOT/replica.lock.
std::string ReplicaLockPath(const std::string& root);

}  // namespace strata::backup
