// Replicas by log shipping (replica.h, src/backup/README.md "Replicas").
#include "backup/replica.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "backup/backup.h"
#include "backup/wal_archive.h"
#include "backup/wal_walk.h"
#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "io/sha256.h"
#include "objstore/object_store.h"
#include "strata/database.h"
#include "strata/timestamp.h"
#include "wal/wal_format.h"

namespace strata::backup {
namespace {

using wal_internal::kRecordHeaderSize;
using wal_internal::kSegmentHeaderSize;

// The database's WAL record kinds that change the catalog (src/db/wal_record.h): a replica that
// ships one marks the catalog so that opens read the log for them (layout::kWalDdlLsnSetting).
constexpr uint8_t kReplicaTimedKind = 3, kReplicaSchemaKind = 4, kReplicaCreateKind = 5;

void ReplicaSay(const std::function<void(std::string_view)>& progress, const std::string& line) {
  if (progress) progress(line);
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t ReplicaU64(const std::optional<std::string>& s) {
  return s && !s->empty() ? std::strtoull(s->c_str(), nullptr, 10) : 0;
}
int64_t ReplicaI64(const std::optional<std::string>& s) {
  return s && !s->empty() ? std::strtoll(s->c_str(), nullptr, 10) : 0;
}

bool IsDdlRecord(std::string_view payload) {
  if (payload.empty()) return false;
  uint8_t kind = static_cast<uint8_t>(payload[0]);
  if (kind == kReplicaTimedKind && payload.size() > 9) kind = static_cast<uint8_t>(payload[9]);
  return kind == kReplicaSchemaKind || kind == kReplicaCreateKind;
}

// The byte offset where record i of `w` starts.
size_t RecordBegin(const WalkedSegment& w, size_t i) { return i == 0 ? kSegmentHeaderSize : w.records[i - 1].end; }

// The last LSN the replica's log holds: the newest segment's last whole record (a segment holding
// none ends just before its first LSN), or the catalog's flushed LSN when wal/ has no segment.
Result<uint64_t> LocalLastLsn(FileSystem* fs, const std::string& root, uint64_t* next_seq) {
  ASSIGN_OR_RETURN(auto catalog, Catalog::Open(layout::CatalogPath(root), /*read_only=*/true));
  ASSIGN_OR_RETURN(WalState ws, catalog->GetWalState());
  const std::string dir = layout::WalDir(root);
  ASSIGN_OR_RETURN(bool has_wal, fs->Exists(dir));
  std::vector<wal_internal::SegmentFile> files;
  if (has_wal) {
    ASSIGN_OR_RETURN(files, wal_internal::ListSegments(fs, dir));
  }
  *next_seq = files.empty() ? 1 : files.back().seq + 1;
  if (files.empty()) return ws.flushed_lsn;
  ASSIGN_OR_RETURN(std::string bytes, fs->ReadFile(files.back().path));
  ASSIGN_OR_RETURN(WalkedSegment w, Walk(files.back().path, std::move(bytes), /*tolerate_tail=*/true));
  return std::max(ws.flushed_lsn, w.last_lsn());
}

Result<uint64_t> CountLocalSegments(FileSystem* fs, const std::string& root) {
  const std::string dir = layout::WalDir(root);
  ASSIGN_OR_RETURN(bool has_wal, fs->Exists(dir));
  if (!has_wal) return uint64_t{0};
  ASSIGN_OR_RETURN(auto files, wal_internal::ListSegments(fs, dir));
  return static_cast<uint64_t>(files.size());
}

Status WriteSegment(FileSystem* fs, const std::string& root, uint64_t seq, std::string_view bytes) {
  const std::string dir = layout::WalDir(root);
  RETURN_IF_ERROR(fs->CreateDirs(dir));
  // Written beside wal/ and renamed in: a reader never sees a half-written segment.
  const std::string tmp = JoinPath(root, ".replica-segment.tmp");
  {
    ASSIGN_OR_RETURN(auto f, fs->NewWritableFile(tmp, OpenMode::kTruncate));
    RETURN_IF_ERROR(f->Append(bytes));
    RETURN_IF_ERROR(f->Sync());
    RETURN_IF_ERROR(f->Close());
  }
  RETURN_IF_ERROR(fs->Rename(tmp, JoinPath(dir, wal_internal::SegmentFileName(seq))));
  return fs->SyncDir(dir);
}

// The backup's WAL as the restore placed it, laid out again with whole records only (the copy of a
// segment a writer was appending to may end in a cut record, and only the newest segment of a
// log may); a log with no record gets one empty segment saying where it continues. Returns the
// last LSN the replica then holds.
Result<uint64_t> LayOutRestoredWal(FileSystem* fs, const BackupManifest& m, const std::string& target) {
  const std::string dir = layout::WalDir(target);
  ASSIGN_OR_RETURN(bool has_wal, fs->Exists(dir));
  std::vector<WalkedSegment> kept;
  if (has_wal) {
    ASSIGN_OR_RETURN(auto files, wal_internal::ListSegments(fs, dir));
    for (const auto& f : files) {
      ASSIGN_OR_RETURN(std::string bytes, fs->ReadFile(f.path));
      ASSIGN_OR_RETURN(WalkedSegment w, Walk("backup " + m.id + " " + f.path, std::move(bytes), true));
      const size_t whole = w.records.empty() ? kSegmentHeaderSize : w.records.back().end;
      w.bytes.resize(whole);
      kept.push_back(std::move(w));
    }
  }
  uint64_t last = m.flushed_lsn;
  for (const WalkedSegment& w : kept) last = std::max(last, w.last_lsn());
  RETURN_IF_ERROR(fs->RemoveAll(dir));
  RETURN_IF_ERROR(fs->CreateDirs(dir));
  uint64_t seq = 0;
  for (const WalkedSegment& w : kept) {
    if (w.last_lsn() <= m.flushed_lsn && &w != &kept.back()) continue;  // wholly flushed
    ASSIGN_OR_RETURN(auto f,
                     fs->NewWritableFile(JoinPath(dir, wal_internal::SegmentFileName(++seq)), OpenMode::kTruncate));
    RETURN_IF_ERROR(f->Append(w.bytes));
    RETURN_IF_ERROR(f->Sync());
    RETURN_IF_ERROR(f->Close());
  }
  if (seq == 0) {
    char header[kSegmentHeaderSize];
    wal_internal::EncodeSegmentHeader(last + 1, header);
    ASSIGN_OR_RETURN(auto f, fs->NewWritableFile(JoinPath(dir, wal_internal::SegmentFileName(1)), OpenMode::kTruncate));
    RETURN_IF_ERROR(f->Append(std::string_view(header, sizeof header)));
    RETURN_IF_ERROR(f->Sync());
    RETURN_IF_ERROR(f->Close());
  }
  RETURN_IF_ERROR(fs->SyncDir(dir));
  return last;
}

struct Listed {
  std::vector<ArchivedSegment> segments;  // by first LSN, then last
  uint64_t newest_lsn = 0;
};

Result<Listed> ListArchive(ObjectStore* archive) {
  ASSIGN_OR_RETURN(auto objects, archive->List("wal/"));
  Listed l;
  for (const ObjectInfo& info : objects) {
    if (auto a = ParseArchiveSegmentKey(info.key)) {
      l.newest_lsn = std::max(l.newest_lsn, a->last_lsn);
      l.segments.push_back(*a);
    }
  }
  std::sort(l.segments.begin(), l.segments.end(), [](const ArchivedSegment& a, const ArchivedSegment& b) {
    return a.first_lsn != b.first_lsn ? a.first_lsn < b.first_lsn : a.last_lsn < b.last_lsn;
  });
  return l;
}

Status FlushReplica(FileSystem* fs, const std::string& root, uint64_t applied) {
  {
    Options o;
    o.fs = fs;
    o.replica_apply = true;
    o.background_flush = false;
    o.process_note = "strata replica (flushing the shipped WAL)";
    ASSIGN_OR_RETURN(auto db, Database::Open(root, o));
    RETURN_IF_ERROR(db->Flush().status());
  }
  // The replica's log must stay the primary's: its own writer open must not have added a record.
  uint64_t next_seq = 0;
  ASSIGN_OR_RETURN(uint64_t last, LocalLastLsn(fs, root, &next_seq));
  if (last != applied) {
    return Status::Internal("replica " + root + ": its log ends at LSN " + std::to_string(last) +
                            " after a flush, not at the shipped LSN " + std::to_string(applied));
  }
  return Status::OK();
}

}  // namespace

std::string ReplicaLockPath(const std::string& root) { return JoinPath(root, "replica.lock"); }

Result<std::optional<ReplicaInfo>> GetReplicaInfo(const std::string& root) {
  ASSIGN_OR_RETURN(bool exists, DefaultFileSystem()->Exists(layout::CatalogPath(root)));
  if (!exists) return std::optional<ReplicaInfo>();
  ASSIGN_OR_RETURN(auto catalog, Catalog::Open(layout::CatalogPath(root), /*read_only=*/true));
  ASSIGN_OR_RETURN(auto source, catalog->GetSetting(layout::kReplicaSourceSetting));
  if (!source || source->empty()) return std::optional<ReplicaInfo>();
  ReplicaInfo info;
  info.source = *source;
  ASSIGN_OR_RETURN(auto archive, catalog->GetSetting(layout::kReplicaArchiveSetting));
  info.archive = archive.value_or("");
  ASSIGN_OR_RETURN(auto primary, catalog->GetSetting(layout::kReplicaPrimaryRootSetting));
  info.primary_root = primary.value_or("");
  ASSIGN_OR_RETURN(auto applied, catalog->GetSetting(layout::kReplicaAppliedLsnSetting));
  info.applied_lsn = ReplicaU64(applied);
  ASSIGN_OR_RETURN(auto applied_time, catalog->GetSetting(layout::kReplicaAppliedTimeSetting));
  info.applied_time_ns = ReplicaI64(applied_time);
  ASSIGN_OR_RETURN(auto source_lsn, catalog->GetSetting(layout::kReplicaSourceLsnSetting));
  info.source_lsn = ReplicaU64(source_lsn);
  ASSIGN_OR_RETURN(auto polled, catalog->GetSetting(layout::kReplicaPolledAtSetting));
  info.polled_at_ns = ReplicaI64(polled);
  return std::optional<ReplicaInfo>(std::move(info));
}

Result<ReplicaPassResult> ReplicaPass(FileSystem* fs, const ReplicaOptions& o) {
  ReplicaPassResult r;
  ASSIGN_OR_RETURN(bool has_catalog, fs->Exists(layout::CatalogPath(o.root)));
  std::string archive_uri = o.wal_archive;
  if (!has_catalog) {
    // First pass: the newest backup, marked as a replica before its catalog is placed.
    auto hook = [&](const BackupManifest& m, const std::string& target, const std::string& staged) -> Status {
      ASSIGN_OR_RETURN(uint64_t last, LayOutRestoredWal(fs, m, target));
      if (archive_uri.empty()) archive_uri = m.wal_archive.empty() ? o.source : m.wal_archive;
      ASSIGN_OR_RETURN(auto catalog, Catalog::Open(staged, /*read_only=*/false));
      ASSIGN_OR_RETURN(WalState ws, catalog->GetWalState());
      RETURN_IF_ERROR(catalog->InTransaction([&]() -> Status {
        if (ws.durable_lsn > last) RETURN_IF_ERROR(catalog->SetDurableLsn(last));
        RETURN_IF_ERROR(catalog->PutSetting(layout::kReplicaSourceSetting, o.source));
        RETURN_IF_ERROR(catalog->PutSetting(layout::kReplicaArchiveSetting, archive_uri));
        RETURN_IF_ERROR(catalog->PutSetting(layout::kReplicaPrimaryRootSetting, m.source_root));
        RETURN_IF_ERROR(catalog->PutSetting(layout::kReplicaAppliedLsnSetting, std::to_string(last)));
        return catalog->PutSetting(layout::kReplicaAppliedTimeSetting, std::to_string(m.created_at_ns));
      }));
      return catalog->Checkpoint();
    };
    ASSIGN_OR_RETURN(RestoreResult restored, RestoreBackup(fs, o.source, std::nullopt, o.root, o.progress, hook));
    r.restored_backup = restored.manifest.id;
    ReplicaSay(o.progress, "restored backup " + r.restored_backup + " of " + restored.manifest.source_root + " into " +
                               o.root + " (a replica of " + o.source + ")");
  }
  ASSIGN_OR_RETURN(auto info, GetReplicaInfo(o.root));
  if (!info) {
    return Status::InvalidArgument(o.root +
                                   " is a database, not a replica: `strata replica` restores into a new or "
                                   "empty directory");
  }
  if (info->source != o.source) {
    return Status::InvalidArgument(o.root + " is a replica of " + info->source + ", not of " + o.source);
  }
  if (archive_uri.empty()) archive_uri = info->archive;
  auto archive = OpenObjectStore(archive_uri, fs);
  if (!archive.ok()) return archive.status().WithContext("replica " + o.root + ": WAL archive " + archive_uri);
  auto listed = ListArchive(archive->get());
  if (!listed.ok()) return listed.status().WithContext("replica " + o.root + ": listing the WAL archive");
  r.source_lsn = listed->newest_lsn;

  uint64_t next_seq = 0;
  ASSIGN_OR_RETURN(uint64_t applied, LocalLastLsn(fs, o.root, &next_seq));
  ASSIGN_OR_RETURN(auto catalog, Catalog::Open(layout::CatalogPath(o.root), /*read_only=*/false));
  RETURN_IF_ERROR(catalog->InTransaction([&]() -> Status {
    RETURN_IF_ERROR(catalog->PutSetting(layout::kReplicaSourceLsnSetting, std::to_string(r.source_lsn)));
    return catalog->PutSetting(layout::kReplicaPolledAtSetting, std::to_string(NowNs()));
  }));
  const std::string keeps = "; the replica keeps what it has (up to LSN ";
  for (const ArchivedSegment& a : listed->segments) {
    if (a.last_lsn <= applied) continue;
    const std::string uri = (*archive)->Uri(a.key);
    auto bytes = (*archive)->Get(a.key);
    if (!bytes.ok()) {
      return bytes.status().WithContext("replica: archived WAL segment " + uri + keeps + std::to_string(applied) + ")");
    }
    if (Sha256Hex(*bytes) != a.sha256) {
      return Status::Corruption("replica: archived WAL segment " + uri +
                                " is corrupt (its SHA-256 differs from its name)" + keeps + std::to_string(applied) +
                                "); repair the archive (strata archive verify) and start the replica again");
    }
    auto w = Walk(uri, std::move(*bytes), /*tolerate_tail=*/false);
    if (!w.ok()) return w.status().WithContext("replica: archived WAL segment" + keeps + std::to_string(applied) + ")");
    if (w->first_lsn > applied + 1 && !(w->flags & wal_internal::kSegmentAfterGap)) {
      return Status::NotFound("replica: the WAL archive " + archive_uri + " has no segment holding LSN " +
                              std::to_string(applied + 1) + ".." + std::to_string(w->first_lsn - 1) +
                              " (missing, or pruned before the replica read it)" + keeps + std::to_string(applied) +
                              "); build the replica anew from a newer backup");
    }
    // The records past what the replica holds: the whole segment, or its tail under a new header.
    size_t from = 0;
    while (from < w->records.size() && w->records[from].lsn <= applied) ++from;
    if (from == w->records.size()) continue;
    bool ddl = false;
    for (size_t i = from; i < w->records.size(); ++i) {
      const size_t begin = RecordBegin(*w, i) + kRecordHeaderSize;
      ddl = ddl || IsDdlRecord(std::string_view(w->bytes).substr(begin, w->records[i].end - begin));
    }
    std::string out;
    if (from == 0) {
      out = std::move(w->bytes);
    } else {
      char header[kSegmentHeaderSize];
      wal_internal::EncodeSegmentHeader(applied + 1, header);
      out.assign(header, sizeof header);
      out.append(std::string_view(w->bytes).substr(RecordBegin(*w, from)));
    }
    RETURN_IF_ERROR(WriteSegment(fs, o.root, next_seq, out)
                        .WithContext("replica: placing archived WAL segment " + uri + " in " + o.root));
    ++next_seq;
    const WalkedRecord& last = w->records.back();
    RETURN_IF_ERROR(catalog->InTransaction([&]() -> Status {
      RETURN_IF_ERROR(catalog->PutSetting(layout::kReplicaAppliedLsnSetting, std::to_string(last.lsn)));
      if (last.time)
        RETURN_IF_ERROR(catalog->PutSetting(layout::kReplicaAppliedTimeSetting, std::to_string(*last.time)));
      if (ddl) RETURN_IF_ERROR(catalog->PutSetting(layout::kWalDdlLsnSetting, "pending"));
      return Status::OK();
    }));
    r.records += w->records.size() - from;
    ++r.segments;
    applied = last.lsn;
    ReplicaSay(o.progress, "applied " + uri + " (LSN " + std::to_string(w->records[from].lsn) + ".." +
                               std::to_string(last.lsn) + ")");
  }
  r.applied_lsn = applied;
  catalog.reset();
  if (o.flush_segments > 0) {
    ASSIGN_OR_RETURN(uint64_t segments, CountLocalSegments(fs, o.root));
    if (segments >= o.flush_segments) {
      RETURN_IF_ERROR(FlushReplica(fs, o.root, applied).WithContext("replica " + o.root + ": flushing"));
      r.flushed = true;
      ReplicaSay(o.progress, "flushed the shipped WAL of " + o.root + " to warm files (" + std::to_string(segments) +
                                 " segment(s))");
    }
  }
  return r;
}

Result<ReplicaStatus> GetReplicaStatus(FileSystem* fs, const std::string& root, bool list_source) {
  ASSIGN_OR_RETURN(auto info, GetReplicaInfo(root));
  if (!info) return Status::InvalidArgument(root + " is not a replica (no strata replica follows into it)");
  ReplicaStatus s;
  s.info = *info;
  s.source_lsn = info->source_lsn;
  if (list_source) {
    auto archive = OpenObjectStore(info->archive, fs);
    Result<Listed> listed = archive.ok() ? ListArchive(archive->get()) : Result<Listed>(archive.status());
    if (listed.ok()) {
      s.source_listed = true;
      s.source_lsn = listed->newest_lsn;
    } else {
      s.source_error = listed.status().message();
    }
  }
  s.lag_lsn = s.source_lsn > info->applied_lsn ? s.source_lsn - info->applied_lsn : 0;
  if (s.lag_lsn > 0 && info->applied_time_ns > 0) s.lag_seconds = (NowNs() - info->applied_time_ns) / 1e9;
  return s;
}

Result<PromoteResult> PromoteReplica(FileSystem* fs, const PromoteOptions& o) {
  ASSIGN_OR_RETURN(auto info, GetReplicaInfo(o.root));
  if (!info) return Status::InvalidArgument("replica promote: " + o.root + " is not a replica");
  auto replica_lock = fs->TryLock(ReplicaLockPath(o.root), "strata replica promote");
  if (!replica_lock.ok()) {
    return replica_lock.status().WithContext("replica promote: `strata replica` still follows into " + o.root +
                                             "; stop it first");
  }
  PromoteResult r;
  // The primary: refused while its root is locked by a writer, when it is a root on this machine.
  ASSIGN_OR_RETURN(bool local_primary, info->primary_root.empty()
                                           ? Result<bool>(false)
                                           : fs->Exists(layout::CatalogPath(info->primary_root)));
  if (local_primary) {
    auto lock = fs->TryLock(layout::LockPath(info->primary_root), "strata replica promote (checking the primary)");
    if (!lock.ok()) {
      if (lock.status().code() == StatusCode::kBusy) {
        return Status::Busy("replica promote: the primary " + info->primary_root + " is still open for writing (" +
                            lock.status().message() + "); stop it before promoting " + o.root +
                            " (two primaries would fork the history)");
      }
      return lock.status().WithContext("replica promote: checking the primary's lock");
    }
    r.primary_check = "the primary " + info->primary_root + " holds no writer lock";
  } else {
    r.primary_check = "cannot tell whether the primary" +
                      (info->primary_root.empty() ? std::string() : " " + info->primary_root) +
                      " still runs (its root is not on this machine)";
    if (!o.force) {
      return Status::InvalidArgument("replica promote: " + r.primary_check +
                                     "; make sure it is stopped, then promote with --force");
    }
  }
  if (o.catch_up) {
    ReplicaOptions ro;
    ro.source = info->source;
    ro.root = o.root;
    ro.flush_segments = 0;
    ro.progress = o.progress;
    auto pass = ReplicaPass(fs, ro);
    if (!pass.ok()) {
      return pass.status().WithContext(
          "replica promote: catching up with the archive failed (promote with --no-catch-up to go on with what the "
          "replica has; later archived rows are then not on the new primary)");
    }
  }
  {
    ASSIGN_OR_RETURN(auto catalog, Catalog::Open(layout::CatalogPath(o.root), /*read_only=*/false));
    RETURN_IF_ERROR(catalog->PutSetting(layout::kReplicaSourceSetting, ""));
  }
  // The first writer open replays the shipped log (and applies its create and schema records).
  {
    Options opts;
    opts.fs = fs;
    opts.background_flush = false;
    opts.process_note = "strata replica promote";
    auto db = Database::Open(o.root, opts);
    if (!db.ok()) return db.status().WithContext("replica promote: opening the promoted " + o.root);
  }
  uint64_t next_seq = 0;
  ASSIGN_OR_RETURN(r.applied_lsn, LocalLastLsn(fs, o.root, &next_seq));
  return r;
}

}  // namespace strata::backup
