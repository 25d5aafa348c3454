// WAL archiving, point-in-time restore and backup schedules (src/backup/README.md).
//
// With an archive set (the catalog setting "wal_archive": a directory or s3://bucket/prefix),
// every sealed WAL segment (every segment but the newest: a writer never appends to a segment it
// did not create) is copied to ARCHIVE/wal/<first LSN>-<last LSN>-<sha256>.seg, read back and
// checked against its SHA-256, and recorded in the catalog (wal_archive_segments, and the
// setting "wal_archived_lsn"). A flush deletes no segment above wal_archived_lsn, so a failing
// archive never loses data: the segments stay in wal/ until archived.
//
// RestoreToPoint restores a backup into a new root, then lays out the backed-up and archived
// WAL cut at the target (an LSN, or the last record whose commit time is at or before a time),
// so that the root's first open replays exactly the rows acknowledged up to the target.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backup/backup.h"
#include "strata/file_system.h"
#include "strata/status.h"

namespace strata::backup {

// "wal/<first LSN, 20 digits>-<last LSN, 20 digits>-<sha256 hex>.seg"
std::string ArchiveSegmentKey(uint64_t first_lsn, uint64_t last_lsn, std::string_view sha256);

struct ArchivedSegment {
  std::string key;
  uint64_t first_lsn = 0, last_lsn = 0;  // last_lsn = first_lsn - 1 for a segment with no record
  std::string sha256;
};
// nullopt for a key that is not an archived segment's.
std::optional<ArchivedSegment> ParseArchiveSegmentKey(std::string_view key);

// The archive of the database at `root` ("" when none).
Result<std::string> GetWalArchive(const std::string& root);
// Sets the archive (checks that it opens and takes a write); "" turns archiving off. A new archive
// starts from the oldest segment still in wal/.
Status SetWalArchive(FileSystem* fs, const std::string& root, const std::string& uri);

struct ArchiveLag {
  std::string uri;            // "" when archiving is off (the rest is then 0)
  uint64_t archived_lsn = 0;  // every segment up to here is archived
  uint64_t segments = 0;      // segments in wal/ not archived yet (the active one included)
  uint64_t bytes = 0;
  uint64_t oldest_unarchived_lsn = 0;  // 0 when nothing waits
};
Result<ArchiveLag> GetArchiveLag(FileSystem* fs, const std::string& root);

struct ArchiveRunResult {
  std::string uri;
  uint64_t segments = 0, bytes = 0;  // archived by this run
  uint64_t archived_lsn = 0;         // afterwards
  double seconds = 0;
};
// Archives every sealed segment not archived yet, oldest first; stops at the first failure
// (the error names the segment and says that it stays in wal/). InvalidArgument when no
// archive is set. With `seal_newest`, the newest segment counts as sealed when no writer holds
// the database (`strata archive push --seal`): it is read under the database's lock, a torn tail
// cut off as recovery would, since the next writer starts a segment of its own.
Result<ArchiveRunResult> ArchiveWal(FileSystem* fs, const std::string& root,
                                    const std::function<void(std::string_view)>& progress, bool seal_newest = false);

struct ArchiveVerifyResult {
  std::string uri;
  uint64_t segments = 0, bytes = 0;      // segments read and re-hashed
  uint64_t first_lsn = 0, last_lsn = 0;  // the run of LSNs the archive holds (0, 0 when empty)
  // One line per problem, each naming the object (or the LSNs missing): a segment whose bytes do
  // not match the SHA-256 in its name, one that is not a whole WAL segment (CRC, LSN continuity,
  // LSNs other than its name says), a hole between two segments.
  std::vector<std::string> problems;
};
// Reads back every archived segment of `uri` (the root's archive when empty) and checks it as a
// point-in-time restore would. Problems are listed, not returned as an error; an archive that
// cannot be listed is an error.
Result<ArchiveVerifyResult> VerifyWalArchive(FileSystem* fs, const std::string& uri);

struct ArchivePruneResult {
  uint64_t below_lsn = 0;  // segments wholly at or below this LSN were deleted
  uint64_t segments = 0, bytes = 0;
  uint64_t kept = 0;
};
// Deletes the archived segments of `uri` that no backup in `keep_for` (destinations; each must
// hold at least one backup) can need: those whose last LSN is at or below the lowest flushed LSN
// of those backups (a point-in-time restore replays from its backup's flushed LSN on). Refuses
// when a destination holds no backup, since then nothing bounds what restores need.
Result<ArchivePruneResult> PruneWalArchive(FileSystem* fs, const std::string& uri,
                                           const std::vector<std::string>& keep_for);

struct PointInTimeOptions {
  std::string dest;  // the backup destination
  std::optional<std::string> id;
  std::string target;  // the new root
  std::optional<uint64_t> to_lsn;
  std::optional<int64_t> to_time_ns;  // the last record with commit time <= this (ns since epoch)
  std::string wal_archive;            // "": the one the backups name
  std::function<void(std::string_view)> progress;
};

struct PointInTimeResult {
  RestoreResult restore;
  uint64_t target_lsn = 0;  // the last LSN the restored root holds
  uint64_t archived_segments = 0;
  uint64_t wal_records = 0;  // records after the backup's flushed LSN, to be replayed
  std::string note;          // e.g. the archive ends before the target time
};
Result<PointInTimeResult> RestoreToPoint(FileSystem* fs, const PointInTimeOptions& options);

// Clears the source's archiving (the setting, its archived segments, the backup schedules) from
// a restored catalog: the restored root is a new database, and archiving it into the source's
// archive would mix two histories. Every restore calls it.
Status ForgetArchiveInRestoredCatalog(const std::string& catalog_path);

// Backup schedules (catalog table backup_schedules), run by `strata maintain` and the serve
// scheduler: job "wal-archive", "backup" (an incremental backup into dest) or "verify" (dest).
struct Schedule {
  int64_t id = 0;
  std::string job;
  int64_t every_s = 0;
  std::string dest;
  std::optional<int64_t> last_run_at_ns;
  std::string last_status;
};
Result<int64_t> AddSchedule(const std::string& root, const Schedule& s);
Result<std::vector<Schedule>> ListSchedules(const std::string& root);
Status RemoveSchedule(const std::string& root, int64_t id);
// Runs every due job once (each a `runs` row of kind "backup-schedule"); one line per job run.
// A failed job does not stop the others; the first failure is returned in `status`.
struct ScheduleRunReport {
  std::vector<std::string> lines;
  Status status;
};
ScheduleRunReport RunDueSchedules(FileSystem* fs, const std::string& root, int64_t now_ns);

}  // namespace strata::backup
