// Where things live under a database root: the one home of these names (see doc/layout.md). In the
// catalog module, the lowest one that the tiers, the model store and the database all build on.
#pragma once

#include <string>

#include "strata/file_system.h"

namespace strata::layout {

inline constexpr char kCatalogFileName[] = "catalog.db";  // SQLite; beside it -wal and -shm
inline constexpr char kWalDirName[] = "wal";
inline constexpr char kWarmDirName[] = "warm";
inline constexpr char kColdDirName[] = "cold";  // the default cold tier (a local directory)
inline constexpr char kTmpDirName[] = "tmp";    // staging for cold files
// Files the open-time cleanup could not prove to be its own leftovers (kept, not deleted).
inline constexpr char kQuarantineDirName[] = "quarantine";
inline constexpr char kArtifactsDirName[] = "artifacts";  // the model store's local packs

inline std::string CatalogPath(const std::string& root) { return JoinPath(root, kCatalogFileName); }
inline std::string WalDir(const std::string& root) { return JoinPath(root, kWalDirName); }
inline std::string LockPath(const std::string& root) { return JoinPath(root, "LOCK"); }
inline std::string WarmDir(const std::string& root) { return JoinPath(root, kWarmDirName); }
inline std::string ColdDir(const std::string& root) { return JoinPath(root, kColdDirName); }

// Catalog settings keys.
inline constexpr char kFsyncSetting[] = "fsync";
inline constexpr char kSegmentBytesSetting[] = "wal_segment_bytes";
inline constexpr char kColdLocationSetting[] = "cold_location";
// WAL archiving (src/backup/wal_archive.h): the archive's URI ("" or absent: off) and the last
// LSN of the newest segment copied there and verified. A flush deletes no segment above it.
inline constexpr char kWalArchiveSetting[] = "wal_archive";
inline constexpr char kWalArchivedLsnSetting[] = "wal_archived_lsn";
// Whether the catalog has the change of every WAL record that creates a table or adds a column
// (src/db/wal_record.h kinds 5 and 4): "pending" from just before such a record is written until
// the catalog has its change, then a number (the WAL's last LSN then, at or after the record's);
// absent when unknown (a catalog from an older build, a point-in-time restore, recover-catalog).
// An open reads the unflushed WAL for such records only when it is not a number
// (doc/schema_evolution.md).
inline constexpr char kWalDdlLsnSetting[] = "wal_ddl_lsn";
// A replica (src/backup/replica.h, `strata replica`): the backup destination it follows (present
// and non-empty: the root is a replica, and a writer open without Options::replica_apply is
// refused), the WAL archive it ships segments from, the last LSN it placed in wal/ and that
// record's commit time, the primary's root (the backups' source_root), and what its last poll saw (the archive's newest LSN, when).
inline constexpr char kReplicaSourceSetting[] = "replica_source";
inline constexpr char kReplicaArchiveSetting[] = "replica_archive";
inline constexpr char kReplicaPrimaryRootSetting[] = "replica_primary_root";
inline constexpr char kReplicaAppliedLsnSetting[] = "replica_applied_lsn";
inline constexpr char kReplicaAppliedTimeSetting[] = "replica_applied_time_ns";
inline constexpr char kReplicaSourceLsnSetting[] = "replica_source_lsn";
inline constexpr char kReplicaPolledAtSetting[] = "replica_polled_at_ns";

}  // namespace strata::layout
