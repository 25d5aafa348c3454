// WAL archiving, point-in-time restore and backup schedules (wal_archive.h).
#include "backup/wal_archive.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "backup/wal_walk.h"
#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "catalog/statement.h"
#include "codec/crc32c.h"
#include "io/sha256.h"
#include "objstore/object_store.h"
#include "strata/timestamp.h"
#include "wal/wal.h"
#include "wal/wal_format.h"

namespace strata::backup {
namespace {

using wal_internal::GetFixed32;
using wal_internal::GetFixed64;
using wal_internal::kRecordHeaderSize;
using wal_internal::kSegmentHeaderSize;

constexpr char kArchivePrefix[] = "wal/";
constexpr char kArchiveSuffix[] = ".seg";
// The database's timed WAL record (src/db/wal_record.h, doc/wal_format.md): u8 3, i64 commit
// time ns, then the rows or schema record. Read here without depending on the db module.
constexpr uint8_t kTimedRecordKind = 3;

void SayStep(const std::function<void(std::string_view)>& progress, const std::string& line) {
  if (progress) progress(line);
}

std::optional<int64_t> CommitTime(std::string_view payload) {
  if (payload.size() < 9 || static_cast<uint8_t>(payload[0]) != kTimedRecordKind) return std::nullopt;
  int64_t t;
  std::memcpy(&t, payload.data() + 1, 8);
  return t;
}

std::string Digits20(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(v));
  return buf;
}

uint64_t ParseU64(const std::optional<std::string>& s) {
  return s && !s->empty() ? std::strtoull(s->c_str(), nullptr, 10) : 0;
}

// The segments in wal/ with their first LSN and the highest LSN they can hold (the next one's
// first LSN - 1; UINT64_MAX for the newest, still open to appends).
struct LocalSegment {
  std::string path;
  uint64_t first_lsn = 0, upper_lsn = 0, bytes = 0;
};

Result<std::vector<LocalSegment>> LocalSegments(FileSystem* fs, const std::string& root) {
  ASSIGN_OR_RETURN(auto files, wal_internal::ListSegments(fs, layout::WalDir(root)));
  std::vector<LocalSegment> out;
  for (const auto& f : files) {
    auto file = fs->NewRandomAccessFile(f.path);
    if (!file.ok() && file.status().IsNotFound()) continue;  // removed by a flush meanwhile
    if (!file.ok()) return file.status();
    ASSIGN_OR_RETURN(uint64_t size, (*file)->Size());
    char buf[kSegmentHeaderSize];
    ASSIGN_OR_RETURN(size_t got, (*file)->Read(0, sizeof buf, buf));
    auto h = wal_internal::DecodeSegmentHeader(std::string_view(buf, got));
    if (!h.ok()) {
      if (&f == &files.back()) continue;  // being created by a writer
      return Status::Corruption(f.path + " offset 0: " + h.status().message());
    }
    out.push_back({f.path, h->first_lsn, UINT64_MAX, size});
  }
  for (size_t i = 0; i + 1 < out.size(); ++i) out[i].upper_lsn = out[i + 1].first_lsn - 1;
  return out;
}

Result<std::unique_ptr<Catalog>> OpenCatalog(const std::string& root, bool read_only) {
  return Catalog::Open(layout::CatalogPath(root), read_only);
}

}  // namespace

// tolerate_tail: a bad frame ends the segment quietly (a backup's copy of a segment that was
// being appended to); otherwise it is Corruption naming the segment and offset.
Result<WalkedSegment> Walk(std::string name, std::string bytes, bool tolerate_tail) {
  WalkedSegment w;
  w.name = std::move(name);
  auto header = wal_internal::DecodeSegmentHeader(bytes);
  if (!header.ok()) return Status::Corruption(w.name + " offset 0: " + header.status().message());
  w.first_lsn = header->first_lsn;
  w.flags = header->flags;
  size_t off = kSegmentHeaderSize;
  uint64_t expect = w.first_lsn;
  while (off < bytes.size()) {
    std::string bad;
    uint32_t len = 0;
    uint64_t lsn = 0;
    if (bytes.size() - off < kRecordHeaderSize) {
      bad = "a cut record header";
    } else {
      len = GetFixed32(bytes.data() + off);
      const uint32_t crc = GetFixed32(bytes.data() + off + 4);
      lsn = GetFixed64(bytes.data() + off + 8);
      if (len > bytes.size() - off - kRecordHeaderSize) {
        bad = "a record running past the end";
      } else if (wal_internal::RecordCrc(Crc32c(bytes.data() + off + kRecordHeaderSize, len), len, lsn) != crc) {
        bad = "a record CRC mismatch";
      } else if (lsn != expect) {
        return Status::Corruption(w.name + " offset " + std::to_string(off) + ": LSN " + std::to_string(lsn) +
                                  " where " + std::to_string(expect) + " was expected");
      }
    }
    if (!bad.empty()) {
      if (tolerate_tail) {
        bytes.resize(off);
        break;
      }
      return Status::Corruption(w.name + " offset " + std::to_string(off) + ": " + bad);
    }
    const std::string_view payload(bytes.data() + off + kRecordHeaderSize, len);
    off += kRecordHeaderSize + len;
    w.records.push_back({lsn, off, CommitTime(payload)});
    ++expect;
  }
  w.bytes = std::move(bytes);
  return w;
}

std::string ArchiveSegmentKey(uint64_t first_lsn, uint64_t last_lsn, std::string_view sha256) {
  return std::string(kArchivePrefix) + Digits20(first_lsn) + "-" + Digits20(last_lsn) + "-" + std::string(sha256) +
         kArchiveSuffix;
}

std::optional<ArchivedSegment> ParseArchiveSegmentKey(std::string_view key) {
  const size_t prefix = sizeof(kArchivePrefix) - 1, suffix = sizeof(kArchiveSuffix) - 1;
  if (key.size() != prefix + 20 + 1 + 20 + 1 + 64 + suffix || key.substr(0, prefix) != kArchivePrefix ||
      key.substr(key.size() - suffix) != kArchiveSuffix) {
    return std::nullopt;
  }
  std::string_view body = key.substr(prefix, key.size() - prefix - suffix);
  if (body[20] != '-' || body[41] != '-') return std::nullopt;
  auto digits = [](std::string_view d) { return d.find_first_not_of("0123456789") == std::string_view::npos; };
  if (!digits(body.substr(0, 20)) || !digits(body.substr(21, 20))) return std::nullopt;
  ArchivedSegment a;
  a.key = std::string(key);
  a.first_lsn = std::strtoull(std::string(body.substr(0, 20)).c_str(), nullptr, 10);
  a.last_lsn = std::strtoull(std::string(body.substr(21, 20)).c_str(), nullptr, 10);
  a.sha256 = std::string(body.substr(42));
  if (a.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
  return a;
}

Result<std::string> GetWalArchive(const std::string& root) {
  ASSIGN_OR_RETURN(auto catalog, OpenCatalog(root, /*read_only=*/true));
  ASSIGN_OR_RETURN(auto uri, catalog->GetSetting(layout::kWalArchiveSetting));
  return uri.value_or("");
}

Status SetWalArchive(FileSystem* fs, const std::string& root, const std::string& uri) {
  if (!uri.empty()) {
    auto store = OpenObjectStore(uri, fs);
    if (!store.ok()) return store.status().WithContext("WAL archive " + uri);
    // A write now rather than at the first segment: a wrong URI fails here, not in a flush.
    const std::string probe = std::string(kArchivePrefix) + ".probe";
    RETURN_IF_ERROR((*store)->Put(probe, "strata").WithContext("WAL archive " + uri + " refuses writes"));
    (*store)->Delete(probe).IgnoreError();
  }
  ASSIGN_OR_RETURN(auto catalog, OpenCatalog(root, /*read_only=*/false));
  return catalog->InTransaction([&]() -> Status {
    RETURN_IF_ERROR(catalog->PutSetting(layout::kWalArchiveSetting, uri));
    // A new archive starts from the oldest segment still in wal/.
    return catalog->PutSetting(layout::kWalArchivedLsnSetting, "0");
  });
}

Result<ArchiveLag> GetArchiveLag(FileSystem* fs, const std::string& root) {
  ArchiveLag lag;
  {
    ASSIGN_OR_RETURN(auto catalog, OpenCatalog(root, /*read_only=*/true));
    ASSIGN_OR_RETURN(auto uri, catalog->GetSetting(layout::kWalArchiveSetting));
    lag.uri = uri.value_or("");
    if (lag.uri.empty()) return lag;
    ASSIGN_OR_RETURN(auto lsn, catalog->GetSetting(layout::kWalArchivedLsnSetting));
    lag.archived_lsn = ParseU64(lsn);
  }
  ASSIGN_OR_RETURN(auto segments, LocalSegments(fs, root));
  for (const LocalSegment& s : segments) {
    if (s.upper_lsn <= lag.archived_lsn) continue;
    ++lag.segments;
    lag.bytes += s.bytes;
    if (lag.oldest_unarchived_lsn == 0) lag.oldest_unarchived_lsn = std::max(s.first_lsn, lag.archived_lsn + 1);
  }
  return lag;
}

Result<ArchiveRunResult> ArchiveWal(FileSystem* fs, const std::string& root,
                                    const std::function<void(std::string_view)>& progress, bool seal_newest) {
  const auto start = std::chrono::steady_clock::now();
  ArchiveRunResult r;
  ASSIGN_OR_RETURN(auto catalog, OpenCatalog(root, /*read_only=*/false));
  ASSIGN_OR_RETURN(auto uri, catalog->GetSetting(layout::kWalArchiveSetting));
  if (!uri || uri->empty()) {
    return Status::InvalidArgument("no WAL archive is set for " + root + " (strata archive set URI)");
  }
  r.uri = *uri;
  ASSIGN_OR_RETURN(auto archived, catalog->GetSetting(layout::kWalArchivedLsnSetting));
  r.archived_lsn = ParseU64(archived);
  auto store = OpenObjectStore(*uri, fs);
  if (!store.ok()) return store.status().WithContext("WAL archive " + *uri);
  // seal_newest: the newest segment is sealed too when no writer holds the database: a writer
  // never appends to a segment it did not create, so what it holds now is final. It is read (and
  // a torn tail left by a crashed writer cut off, as the next writer's recovery will) while the
  // lock is held, so that no writer starts meanwhile; the lock is held for that read only. A
  // replica (strata replica) then gets the last rows of a primary that stopped or died.
  std::vector<LocalSegment> segments;
  std::optional<Result<WalkedSegment>> newest;  // set when the newest segment was read under the lock
  {
    Result<std::unique_ptr<FileLock>> lock = Status::Busy("not sealing the newest segment");
    if (seal_newest) lock = fs->TryLock(layout::LockPath(root), "strata archive push --seal");
    if (!lock.ok() && lock.status().code() != StatusCode::kBusy) return lock.status();
    ASSIGN_OR_RETURN(segments, LocalSegments(fs, root));
    if (lock.ok() && !segments.empty() && segments.back().upper_lsn == UINT64_MAX) {
      auto bytes = fs->ReadFile(segments.back().path);
      if (bytes.ok()) {
        newest = Walk(segments.back().path, std::move(*bytes), /*tolerate_tail=*/true);
      } else {
        newest = Result<WalkedSegment>(bytes.status());
      }
    }
  }
  uint64_t waiting = 0;
  for (const LocalSegment& s : segments) waiting += s.upper_lsn > r.archived_lsn ? 1 : 0;
  for (const LocalSegment& s : segments) {
    const bool is_newest = s.upper_lsn == UINT64_MAX;
    if (is_newest && !newest) break;  // a writer may still append to the newest segment
    if (s.upper_lsn <= r.archived_lsn) continue;
    auto fail = [&](const Status& st) {
      return st.WithContext("archiving WAL segment " + s.path + " to " + *uri + " (it stays in wal/ until archived; " +
                            std::to_string(waiting) + " segment(s) wait)");
    };
    Result<WalkedSegment> walked = WalkedSegment{};
    if (is_newest) {
      walked = std::move(*newest);
    } else {
      auto bytes = fs->ReadFile(s.path);
      if (!bytes.ok()) return fail(bytes.status());
      walked = Walk(s.path, std::move(*bytes), /*tolerate_tail=*/false);
    }
    if (!walked.ok()) return fail(walked.status());
    if (is_newest && walked->last_lsn() <= r.archived_lsn) break;  // nothing new in it
    // The newest segment's last record bounds it (the next writer starts a new segment after it).
    const uint64_t sealed_upper = is_newest ? walked->last_lsn() : s.upper_lsn;
    const std::string sha = Sha256Hex(walked->bytes);
    const std::string key = ArchiveSegmentKey(walked->first_lsn, walked->last_lsn(), sha);
    if (Status st = (*store)->Put(key, walked->bytes); !st.ok()) return fail(st);
    // Read back: the copy must be whole before the segment may be deleted.
    auto back = (*store)->Get(key);
    if (!back.ok()) return fail(back.status());
    if (Sha256Hex(*back) != sha) {
      return fail(Status::Corruption("the archived copy " + (*store)->Uri(key) + " reads back with another SHA-256"));
    }
    Status recorded = catalog->InTransaction([&]() -> Status {
      sqlite::Statement st(catalog->db(),
                           "INSERT OR REPLACE INTO wal_archive_segments (first_lsn, last_lsn, archive, key, bytes, "
                           "sha256, archived_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           layout::CatalogPath(root), "record an archived WAL segment");
      st.Bind(1, static_cast<int64_t>(walked->first_lsn));
      st.Bind(2, static_cast<int64_t>(walked->last_lsn()));
      st.Bind(3, *uri);
      st.Bind(4, key);
      st.Bind(5, static_cast<int64_t>(walked->bytes.size()));
      st.Bind(6, sha);
      st.Bind(7, WallClockNs());
      RETURN_IF_ERROR(st.Run());
      return catalog->PutSetting(layout::kWalArchivedLsnSetting, std::to_string(sealed_upper));
    });
    if (!recorded.ok()) return fail(recorded);
    r.archived_lsn = sealed_upper;
    ++r.segments;
    --waiting;
    r.bytes += walked->bytes.size();
    SayStep(progress, "archived " + s.path + " (LSN " + std::to_string(walked->first_lsn) + ".." +
                          std::to_string(walked->last_lsn()) + ") as " + (*store)->Uri(key));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

Result<ArchiveVerifyResult> VerifyWalArchive(FileSystem* fs, const std::string& uri) {
  ArchiveVerifyResult r;
  r.uri = uri;
  auto store = OpenObjectStore(uri, fs);
  if (!store.ok()) return store.status().WithContext("WAL archive " + uri);
  ASSIGN_OR_RETURN(auto listed, (*store)->List(kArchivePrefix));
  std::vector<ArchivedSegment> archived;
  for (const ObjectInfo& info : listed) {
    if (auto a = ParseArchiveSegmentKey(info.key)) archived.push_back(*a);
  }
  std::sort(archived.begin(), archived.end(), [](const ArchivedSegment& a, const ArchivedSegment& b) {
    return a.first_lsn != b.first_lsn ? a.first_lsn < b.first_lsn : a.last_lsn < b.last_lsn;
  });
  uint64_t next = 0;  // the LSN the run continues at (0: nothing yet)
  for (const ArchivedSegment& a : archived) {
    const std::string name = (*store)->Uri(a.key);
    std::string problem;
    uint32_t flags = 0;
    auto bytes = (*store)->Get(a.key);
    if (!bytes.ok()) {
      problem = name + ": cannot be read: " + bytes.status().ToString();
    } else {
      ++r.segments;
      r.bytes += bytes->size();
      if (Sha256Hex(*bytes) != a.sha256) {
        problem = name + " is corrupt: its SHA-256 differs from its name";
      } else if (auto w = Walk(name, std::move(*bytes), /*tolerate_tail=*/false); !w.ok()) {
        problem = w.status().message();
      } else if (w->first_lsn != a.first_lsn || w->last_lsn() != a.last_lsn) {
        problem = name + " holds LSN " + std::to_string(w->first_lsn) + ".." + std::to_string(w->last_lsn()) +
                  ", not what its name says";
      } else {
        flags = w->flags;
      }
    }
    // A damaged segment is reported as such, not as a hole: the run goes on by its name.
    if (next != 0 && a.first_lsn > next && !(flags & wal_internal::kSegmentAfterGap)) {
      r.problems.push_back("no archived segment holds LSN " + std::to_string(next) + ".." +
                           std::to_string(a.first_lsn - 1) + " (missing before " + name +
                           "): a point-in-time restore cannot cross it");
    }
    if (!problem.empty()) r.problems.push_back(problem);
    if (r.first_lsn == 0) r.first_lsn = a.first_lsn;
    next = std::max(next, a.last_lsn + 1);
    r.last_lsn = std::max(r.last_lsn, a.last_lsn);
  }
  return r;
}

Result<ArchivePruneResult> PruneWalArchive(FileSystem* fs, const std::string& uri,
                                           const std::vector<std::string>& keep_for) {
  if (keep_for.empty()) return Status::InvalidArgument("archive prune: name the backup destinations to keep for");
  ArchivePruneResult r;
  r.below_lsn = UINT64_MAX;
  for (const std::string& dest : keep_for) {
    ASSIGN_OR_RETURN(auto backups, ListBackups(fs, dest));
    if (backups.empty()) {
      return Status::InvalidArgument("archive prune: " + dest +
                                     " holds no backup, so every archived segment may be needed; nothing was deleted");
    }
    for (const BackupManifest& b : backups) r.below_lsn = std::min(r.below_lsn, b.flushed_lsn);
  }
  auto store = OpenObjectStore(uri, fs);
  if (!store.ok()) return store.status().WithContext("WAL archive " + uri);
  ASSIGN_OR_RETURN(auto listed, (*store)->List(kArchivePrefix));
  for (const ObjectInfo& info : listed) {
    auto a = ParseArchiveSegmentKey(info.key);
    if (!a) continue;
    if (a->last_lsn > r.below_lsn) {
      ++r.kept;
      continue;
    }
    RETURN_IF_ERROR((*store)->Delete(info.key).WithContext("archive prune: deleting " + (*store)->Uri(info.key)));
    ++r.segments;
    r.bytes += info.size;
  }
  return r;
}

// --- Point-in-time restore ---------------------------------------------------------------------

namespace {

std::string FormatNs(int64_t ns) { return FormatTimestamp(ns) + " (" + std::to_string(ns) + " ns)"; }

// Clears what belongs to the source's archiving from a restored catalog: the restored root is a
// new database, and archiving it into the source's archive would mix two histories.
Status ForgetArchive(const std::string& catalog_path) {
  ASSIGN_OR_RETURN(auto catalog, Catalog::Open(catalog_path, /*read_only=*/false));
  RETURN_IF_ERROR(catalog->InTransaction([&]() -> Status {
    RETURN_IF_ERROR(catalog->PutSetting(layout::kWalArchiveSetting, ""));
    RETURN_IF_ERROR(catalog->PutSetting(layout::kWalArchivedLsnSetting, "0"));
    // The log replayed onto this catalog goes past the backup: it may create tables or add columns
    // the catalog does not record, so the first open reads it for them (layout.h).
    RETURN_IF_ERROR(catalog->PutSetting(layout::kWalDdlLsnSetting, "pending"));
    return sqlite::Exec(catalog->db(), "DELETE FROM wal_archive_segments; DELETE FROM backup_schedules;", catalog_path);
  }));
  return catalog->Checkpoint();
}

}  // namespace

Status ForgetArchiveInRestoredCatalog(const std::string& catalog_path) { return ForgetArchive(catalog_path); }

Result<PointInTimeResult> RestoreToPoint(FileSystem* fs, const PointInTimeOptions& o) {
  if (o.to_lsn && o.to_time_ns) return Status::InvalidArgument("restore: give --to-lsn or --to-time, not both");
  if (!o.to_lsn && !o.to_time_ns) return Status::InvalidArgument("restore: a point-in-time restore needs a target");
  ASSIGN_OR_RETURN(auto backups, ListBackups(fs, o.dest));
  if (backups.empty()) return Status::NotFound("no backups in " + o.dest);
  const std::string target_text = o.to_lsn ? "LSN " + std::to_string(*o.to_lsn) : "time " + FormatNs(*o.to_time_ns);
  // The backup: the one named, or the newest that lies wholly at or before the target. Every row
  // of a backup created at or before the target time was committed before it, so its flushed
  // LSNs are at or below the time's cut.
  const BackupManifest* m = nullptr;
  for (const BackupManifest& b : backups) {
    if (o.id) {
      if (b.id == *o.id) m = &b;
    } else if (o.to_lsn ? b.max_flushed_lsn <= *o.to_lsn : b.created_at_ns <= *o.to_time_ns) {
      m = &b;
    }
  }
  if (m == nullptr) {
    if (o.id) return Status::NotFound("no backup " + *o.id + " in " + o.dest);
    return Status::NotFound("no backup in " + o.dest + " lies before the target " + target_text + " (the oldest, " +
                            backups.front().id + ", has flushed LSN " +
                            std::to_string(backups.front().max_flushed_lsn) + "); restore to a later target");
  }
  if (o.to_lsn && m->max_flushed_lsn > *o.to_lsn) {
    return Status::InvalidArgument("backup " + m->id + " holds rows up to LSN " + std::to_string(m->max_flushed_lsn) +
                                   " in its files, past the target " + target_text +
                                   "; name an older backup or omit --id");
  }
  const std::string uri = o.wal_archive.empty() ? m->wal_archive : o.wal_archive;
  if (uri.empty()) {
    return Status::InvalidArgument("restore to " + target_text + ": backup " + m->id +
                                   " names no WAL archive; pass --wal-archive URI");
  }
  ASSIGN_OR_RETURN(auto archive, OpenObjectStore(uri, fs));
  ASSIGN_OR_RETURN(auto listed, archive->List(kArchivePrefix));
  std::vector<ArchivedSegment> archived;
  for (const ObjectInfo& info : listed) {
    if (auto a = ParseArchiveSegmentKey(info.key)) archived.push_back(*a);
  }
  std::sort(archived.begin(), archived.end(),
            [](const ArchivedSegment& a, const ArchivedSegment& b) { return a.first_lsn < b.first_lsn; });

  PointInTimeResult result;
  auto hook = [&](const BackupManifest& bm, const std::string& target, const std::string& staged_catalog) -> Status {
    const uint64_t floor = bm.flushed_lsn;
    // The backup's own segments (placed at target/wal), then the archived ones past them.
    std::map<uint64_t, WalkedSegment> pool;  // by first LSN
    const std::string wal_dir = layout::WalDir(target);
    ASSIGN_OR_RETURN(bool has_wal, fs->Exists(wal_dir));  // a backup of an empty database has none
    std::vector<wal_internal::SegmentFile> files;
    if (has_wal) {
      ASSIGN_OR_RETURN(files, wal_internal::ListSegments(fs, wal_dir));
    }
    for (const auto& f : files) {
      ASSIGN_OR_RETURN(std::string bytes, fs->ReadFile(f.path));
      ASSIGN_OR_RETURN(WalkedSegment w, Walk("backup " + bm.id + " " + f.path, std::move(bytes), true));
      pool[w.first_lsn] = std::move(w);
    }
    uint64_t backup_last = floor;
    for (const auto& [first, w] : pool) backup_last = std::max(backup_last, w.last_lsn());
    for (const ArchivedSegment& a : archived) {
      if (a.last_lsn <= backup_last) continue;
      if (o.to_lsn && a.first_lsn > *o.to_lsn) break;
      auto bytes = archive->Get(a.key);
      if (!bytes.ok()) {
        return bytes.status().WithContext("restore: archived WAL segment " + archive->Uri(a.key) +
                                          "; nothing was restored");
      }
      if (Sha256Hex(*bytes) != a.sha256) {
        return Status::Corruption("restore: archived WAL segment " + archive->Uri(a.key) +
                                  " is corrupt (its SHA-256 differs from its name); nothing was restored");
      }
      auto w = Walk(archive->Uri(a.key), std::move(*bytes), false);
      if (!w.ok()) return w.status().WithContext("restore: nothing was restored");
      ++result.archived_segments;
      const bool past_time =
          o.to_time_ns && !w->records.empty() && w->records.back().time && *w->records.back().time > *o.to_time_ns;
      pool[w->first_lsn] = std::move(*w);
      if (past_time) break;  // commit times grow with LSNs: later segments are past the target
    }
    // Walk the chain from the backup's flushed LSN, cutting at the target.
    std::vector<std::pair<const WalkedSegment*, size_t>> out;  // segment, bytes kept
    uint64_t expect = floor + 1, last = floor;
    bool cut = false;
    for (const auto& [first, w] : pool) {
      if (cut) break;
      if (w.last_lsn() < expect && !(w.records.empty() && first == expect)) continue;
      if (first > expect && !(w.flags & wal_internal::kSegmentAfterGap)) {
        return Status::NotFound("restore: the WAL archive " + uri + " has no segment holding LSN " +
                                std::to_string(expect) + ".." + std::to_string(first - 1) + " (needed for the target " +
                                target_text + ": it is missing or was never archived); nothing was restored");
      }
      size_t keep = kSegmentHeaderSize;
      for (const WalkedRecord& r : w.records) {
        if (r.lsn < expect) {
          keep = r.end;
          continue;
        }
        if (o.to_lsn && r.lsn > *o.to_lsn) {
          cut = true;
          break;
        }
        if (o.to_time_ns) {
          if (!r.time) {
            return Status::Unsupported("restore: WAL record LSN " + std::to_string(r.lsn) + " in " + w.name +
                                       " has no commit time (written by a build before timed records); restore "
                                       "with --to-lsn instead");
          }
          if (*r.time > *o.to_time_ns) {
            cut = true;
            break;
          }
        }
        keep = r.end;
        last = r.lsn;
        expect = r.lsn + 1;
        ++result.wal_records;
      }
      out.push_back({&w, keep});
      if (w.records.empty() || w.records.back().lsn < expect) expect = std::max(expect, w.last_lsn() + 1);
    }
    if (o.to_lsn && last < *o.to_lsn) {
      return Status::NotFound("restore: the backup and the WAL archive " + uri + " reach LSN " + std::to_string(last) +
                              " only, not the target " + target_text +
                              " (segments not archived yet cannot be restored: run strata archive push on the "
                              "source); nothing was restored");
    }
    if (o.to_time_ns && last < bm.max_flushed_lsn) {
      // Every record the backup's files hold was committed before the backup was taken, at or
      // before the target: only a wall clock stepped back on the source gets here.
      return Status::Aborted("restore: the WAL is cut at LSN " + std::to_string(last) + " for the target " +
                             target_text + ", below the rows backup " + bm.id + " holds in its files (up to LSN " +
                             std::to_string(bm.max_flushed_lsn) +
                             "): commit times are out of order (a clock stepped back?); restore with --to-lsn "
                             "or an older --id; nothing was restored");
    }
    if (o.to_time_ns && !cut) {
      result.note = "the archived WAL ends at LSN " + std::to_string(last) +
                    ", before the target time: rows after it " + "were not archived yet and are not in the restore";
    }
    result.target_lsn = last;
    // Lay the log out anew: the kept segments, renumbered, cut after the target record.
    RETURN_IF_ERROR(fs->RemoveAll(wal_dir));
    RETURN_IF_ERROR(fs->CreateDirs(wal_dir));
    uint64_t seq = 0;
    for (const auto& [w, keep] : out) {
      ASSIGN_OR_RETURN(
          auto f, fs->NewWritableFile(JoinPath(wal_dir, wal_internal::SegmentFileName(++seq)), OpenMode::kTruncate));
      RETURN_IF_ERROR(f->Append(std::string_view(w->bytes).substr(0, keep)));
      RETURN_IF_ERROR(f->Sync());
      RETURN_IF_ERROR(f->Close());
    }
    if (seq == 0) {  // no record past the flushed LSN: a header says where the log continues
      char header[kSegmentHeaderSize];
      wal_internal::EncodeSegmentHeader(floor + 1, header);
      ASSIGN_OR_RETURN(auto f,
                       fs->NewWritableFile(JoinPath(wal_dir, wal_internal::SegmentFileName(1)), OpenMode::kTruncate));
      RETURN_IF_ERROR(f->Append(std::string_view(header, sizeof header)));
      RETURN_IF_ERROR(f->Sync());
      RETURN_IF_ERROR(f->Close());
    }
    RETURN_IF_ERROR(fs->SyncDir(wal_dir));
    // The catalog must not claim a durable LSN past the cut log.
    ASSIGN_OR_RETURN(auto catalog, Catalog::Open(staged_catalog, /*read_only=*/false));
    ASSIGN_OR_RETURN(WalState ws, catalog->GetWalState());
    if (ws.durable_lsn > last) RETURN_IF_ERROR(catalog->SetDurableLsn(last));
    return catalog->Checkpoint();
  };
  ASSIGN_OR_RETURN(result.restore, RestoreBackup(fs, o.dest, m->id, o.target, o.progress, hook));
  SayStep(o.progress, "restored to LSN " + std::to_string(result.target_lsn) + " (target " + target_text +
                          "): " + std::to_string(result.wal_records) + " WAL records to replay, " +
                          std::to_string(result.archived_segments) + " archived segment(s) used");
  return result;
}

// --- Schedules ---------------------------------------------------------------------------------

Result<int64_t> AddSchedule(const std::string& root, const Schedule& s) {
  if (s.job != "wal-archive" && s.job != "backup" && s.job != "verify") {
    return Status::InvalidArgument("backup schedule: unknown job '" + s.job + "' (wal-archive, backup, verify)");
  }
  if (s.every_s <= 0) return Status::InvalidArgument("backup schedule: --every must be positive");
  if (s.job != "wal-archive" && s.dest.empty()) {
    return Status::InvalidArgument("backup schedule: job " + s.job + " needs --dest DEST");
  }
  ASSIGN_OR_RETURN(auto catalog, OpenCatalog(root, /*read_only=*/false));
  int64_t id = 0;
  RETURN_IF_ERROR(catalog->InTransaction([&]() -> Status {
    sqlite::Statement st(catalog->db(),
                         "INSERT INTO backup_schedules (job, every_s, dest, created_at) VALUES (?, ?, ?, ?)",
                         layout::CatalogPath(root), "add a backup schedule");
    st.Bind(1, s.job);
    st.Bind(2, s.every_s);
    st.Bind(3, s.dest);
    st.Bind(4, WallClockNs());
    RETURN_IF_ERROR(st.Run());
    id = st.last_insert_rowid();
    return Status::OK();
  }));
  return id;
}

Result<std::vector<Schedule>> ListSchedules(const std::string& root) {
  ASSIGN_OR_RETURN(auto catalog, OpenCatalog(root, /*read_only=*/false));
  std::vector<Schedule> out;
  RETURN_IF_ERROR(catalog->InTransaction([&]() -> Status {
    sqlite::Statement st(catalog->db(),
                         "SELECT id, job, every_s, dest, last_run_at, last_status FROM backup_schedules ORDER BY id",
                         layout::CatalogPath(root), "list backup schedules");
    for (;;) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back({st.Int(0), st.Text(1), st.Int(2), st.Text(3), st.OptionalInt(4), st.Text(5)});
    }
    return Status::OK();
  }));
  return out;
}

Status RemoveSchedule(const std::string& root, int64_t id) {
  ASSIGN_OR_RETURN(auto catalog, OpenCatalog(root, /*read_only=*/false));
  return catalog->InTransaction([&]() -> Status {
    sqlite::Statement st(catalog->db(), "DELETE FROM backup_schedules WHERE id = ?", layout::CatalogPath(root),
                         "remove a backup schedule");
    st.Bind(1, id);
    RETURN_IF_ERROR(st.Run());
    if (st.changes() == 0) {
      return Status::NotFound("no backup schedule " + std::to_string(id) + " (strata backup schedule list)");
    }
    return Status::OK();
  });
}

ScheduleRunReport RunDueSchedules(FileSystem* fs, const std::string& root, int64_t now_ns) {
  ScheduleRunReport report;
  auto schedules = ListSchedules(root);
  if (!schedules.ok()) {
    report.status = schedules.status();
    return report;
  }
  for (const Schedule& s : *schedules) {
    if (s.last_run_at_ns && now_ns - *s.last_run_at_ns < s.every_s * 1'000'000'000LL) continue;
    const std::string name =
        "schedule " + std::to_string(s.id) + " (" + s.job + (s.dest.empty() ? "" : " " + s.dest) + ")";
    auto catalog = OpenCatalog(root, /*read_only=*/false);
    if (!catalog.ok()) {
      report.status = catalog.status();
      return report;
    }
    nlohmann::json inputs = {{"schedule", s.id}, {"job", s.job}, {"dest", s.dest}};
    auto run = (*catalog)->BeginRun("backup-schedule", inputs.dump(), "{}");
    std::string line;
    Status st;
    if (s.job == "wal-archive") {
      auto r = ArchiveWal(fs, root, {});
      st = r.status();
      if (r.ok())
        line = std::to_string(r->segments) + " segment(s) archived, up to LSN " + std::to_string(r->archived_lsn);
    } else if (s.job == "backup") {
      CreateOptions co;
      co.root = root;
      co.fs = fs;
      auto r = CreateBackup(co, {s.dest});
      st = r.ok() ? r->status() : r.status();
      if (st.ok()) line = "backup " + r->manifest.id + " at LSN " + std::to_string(r->manifest.wal_lsn);
    } else {
      auto r = VerifyBackups(fs, s.dest, std::nullopt);
      st = r.status();
      if (r.ok() && !r->problems.empty()) {
        st = Status::Corruption(std::to_string(r->problems.size()) + " objects of backups in " + s.dest +
                                " are missing or corrupt (strata backup verify " + s.dest + ")");
      }
      if (st.ok()) line = std::to_string(r->blobs_checked) + " objects checked, all whole";
    }
    report.lines.push_back(name + ": " + (st.ok() ? line : "FAILED: " + st.ToString()));
    if (!st.ok() && report.status.ok()) report.status = st.WithContext(name);
    if (run.ok())
      (*catalog)
          ->FinishRun(*run, st.ok(), nlohmann::json{{"result", line}}.dump(), st.ok() ? "" : st.ToString())
          .IgnoreError();
    Status noted = (*catalog)->InTransaction([&]() -> Status {
      sqlite::Statement u((*catalog)->db(), "UPDATE backup_schedules SET last_run_at = ?, last_status = ? WHERE id = ?",
                          layout::CatalogPath(root), "note a backup schedule's run");
      u.Bind(1, now_ns);
      u.Bind(2, st.ok() ? "ok" : "failed: " + st.ToString());
      u.Bind(3, s.id);
      return u.Run();
    });
    if (!noted.ok() && report.status.ok()) report.status = noted;
  }
  return report;
}

}  // namespace strata::backup
