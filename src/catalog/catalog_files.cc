// Catalog: the files of every tier and the atomic change that adds, retires and removes them.
#include <set>

#include "catalog/catalog.h"
#include "catalog/catalog_internal.h"
#include "catalog/statement.h"
#include "strata/timestamp.h"

namespace strata {
namespace {

// Checks that need no database, so a malformed change fails before anything is written.
Status ValidateNewFile(const FileRecord& f) {
  if (f.uri.empty())
    return Status::InvalidArgument("a file to add has an empty uri (table id " + std::to_string(f.table_id) + ")");
  auto bad = [&](const std::string& why) { return Status::InvalidArgument("file " + f.uri + ": " + why); };
  if (f.min_ts > f.max_ts) {
    return bad("min_ts " + std::to_string(f.min_ts) + " is after max_ts " + std::to_string(f.max_ts));
  }
  if (f.row_count < 0) return bad("negative row_count " + std::to_string(f.row_count));
  if (f.bytes < 0) return bad("negative bytes " + std::to_string(f.bytes));
  if (f.state != "live" && f.state != "retired") return bad("state '" + f.state + "' is neither live nor retired");
  return Status::OK();
}

}  // namespace

Result<std::vector<FileRecord>> Catalog::ListFiles(const FileQuery& q) {
  // Numbered parameters let each filter bind independently of which others are present.
  std::string text =
      "SELECT id, table_id, tier, uri, symbol, min_ts, max_ts, row_count, bytes, max_lsn, sha256, state, "
      "created_at, verified_at, retain_until FROM files WHERE 1";
  if (q.table_id) text += " AND table_id = ?1";
  if (q.tier) text += " AND tier = ?2";
  if (q.symbol) text += " AND symbol = ?3";
  if (q.to_ts) text += " AND min_ts < ?4";
  if (q.from_ts) text += " AND max_ts >= ?5";
  if (q.state) text += " AND state = ?6";
  text += " ORDER BY table_id, symbol, min_ts, id";
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, text, path_, "list files");
  if (q.table_id) s.Bind(1, *q.table_id);
  if (q.tier) s.Bind(2, TierName(*q.tier));
  if (q.symbol) s.Bind(3, *q.symbol);
  if (q.to_ts) s.Bind(4, *q.to_ts);
  if (q.from_ts) s.Bind(5, *q.from_ts);
  if (q.state) s.Bind(6, *q.state);
  std::vector<FileRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    FileRecord f;
    f.id = s.Int(0);
    f.table_id = s.Int(1);
    auto tier = ParseTier(s.Text(2));
    if (!tier.ok())
      return Status::Corruption("catalog " + path_ + ": file " + std::to_string(f.id) + ": " + tier.status().message());
    f.tier = *tier;
    f.uri = s.Text(3);
    f.symbol = s.Text(4);
    f.min_ts = s.Int(5);
    f.max_ts = s.Int(6);
    f.row_count = s.Int(7);
    f.bytes = s.Int(8);
    f.max_lsn = static_cast<uint64_t>(s.Int(9));
    f.sha256 = s.Text(10);
    f.state = s.Text(11);
    f.created_at_ns = s.Int(12);
    f.verified_at_ns = s.OptionalInt(13);
    f.retain_until_ns = s.OptionalInt(14);
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<int64_t>> Catalog::Commit(const CatalogChange& change) {
  for (const FileRecord& f : change.add) RETURN_IF_ERROR(ValidateNewFile(f));
  RETURN_IF_ERROR(CheckWritable("commit a file change"));
  std::vector<int64_t> ids;
  RETURN_IF_ERROR(InTransaction([&] { return CommitLocked(change, &ids); }));
  return ids;
}

Status Catalog::CommitLocked(const CatalogChange& change, std::vector<int64_t>* ids) {
  if (!change.add.empty()) {
    // The foreign key would catch an unknown table too, but could not say which file named it.
    std::set<int64_t> table_ids;
    for (const FileRecord& f : change.add) table_ids.insert(f.table_id);
    sqlite::Statement table(db_, "SELECT 1 FROM tables WHERE id = ?", path_, "check the tables of added files");
    for (int64_t id : table_ids) {
      table.Reset();
      table.Bind(1, id);
      ASSIGN_OR_RETURN(bool row, table.Step());
      if (row) continue;
      for (const FileRecord& f : change.add) {
        if (f.table_id == id) {
          return Status::NotFound("file " + f.uri + " names table id " + std::to_string(id) + ", which catalog " +
                                  path_ + " does not have");
        }
      }
    }
    sqlite::Statement s(
        db_,
        "INSERT INTO files(table_id, tier, uri, symbol, min_ts, max_ts, row_count, bytes, max_lsn, "
        "sha256, state, created_at, verified_at, retain_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        path_, "add files");
    const int64_t now = WallClockNs();
    for (const FileRecord& f : change.add) {
      s.Reset();
      s.Bind(1, f.table_id);
      s.Bind(2, TierName(f.tier));
      s.Bind(3, f.uri);
      s.Bind(4, f.symbol);
      s.Bind(5, f.min_ts);
      s.Bind(6, f.max_ts);
      s.Bind(7, f.row_count);
      s.Bind(8, f.bytes);
      s.Bind(9, static_cast<int64_t>(f.max_lsn));
      s.Bind(10, f.sha256);
      s.Bind(11, f.state);
      s.Bind(12, f.created_at_ns != 0 ? f.created_at_ns : now);
      s.Bind(13, f.verified_at_ns);
      s.Bind(14, f.retain_until_ns);
      Status st = s.Run();
      if (st.code() == StatusCode::kAlreadyExists) {
        return Status::AlreadyExists("file " + f.uri + " is already in catalog " + path_);
      }
      RETURN_IF_ERROR(st);
      ids->push_back(s.last_insert_rowid());
    }
  }
  if (!change.retire.empty()) {
    sqlite::Statement s(db_, "UPDATE files SET state = 'retired' WHERE id = ?", path_, "retire files");
    for (int64_t id : change.retire) {
      s.Reset();
      s.Bind(1, id);
      RETURN_IF_ERROR(s.Run());
      if (s.changes() == 0) {
        return Status::NotFound("cannot retire file " + std::to_string(id) + ": catalog " + path_ +
                                " has no such file");
      }
    }
  }
  if (!change.remove.empty()) {
    sqlite::Statement s(db_, "DELETE FROM files WHERE id = ?", path_, "remove files");
    for (int64_t id : change.remove) {
      s.Reset();
      s.Bind(1, id);
      RETURN_IF_ERROR(s.Run());
      if (s.changes() == 0) {
        return Status::NotFound("cannot remove file " + std::to_string(id) + ": catalog " + path_ +
                                " has no such file");
      }
    }
  }
  if (!change.quarantine.empty()) {
    sqlite::Statement s(db_,
                        "INSERT INTO quarantined_series(table_id, symbol, min_ts, max_ts, row_count, uri, bytes, "
                        "sha256, max_lsn, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        path_, "record quarantined series");
    const int64_t now = WallClockNs();
    for (const QuarantineRecord& q : change.quarantine) {
      if (q.uri.empty() || q.min_ts > q.max_ts || q.row_count < 0) {
        return Status::InvalidArgument("a quarantined series of table id " + std::to_string(q.table_id) +
                                       " has an empty uri or a bad ts range or row count");
      }
      s.Reset();
      s.Bind(1, q.table_id);
      s.Bind(2, q.symbol);
      s.Bind(3, q.min_ts);
      s.Bind(4, q.max_ts);
      s.Bind(5, q.row_count);
      s.Bind(6, q.uri);
      s.Bind(7, q.bytes);
      s.Bind(8, q.sha256);
      s.Bind(9, static_cast<int64_t>(q.max_lsn));
      s.Bind(10, q.reason);
      s.Bind(11, q.created_at_ns != 0 ? q.created_at_ns : now);
      Status st = s.Run();
      if (!st.ok()) return st.WithContext("quarantine file " + q.uri);
    }
  }
  if (change.flushed_lsn) {
    sqlite::Statement s(db_, "UPDATE wal_state SET flushed_lsn = ? WHERE id = 1", path_, "set the flushed LSN");
    s.Bind(1, static_cast<int64_t>(*change.flushed_lsn));
    RETURN_IF_ERROR(s.Run());
    sqlite::Statement forget(db_, "DELETE FROM table_flush_state WHERE flushed_lsn <= ?", path_,
                             "forget per-table flushed LSNs");
    forget.Bind(1, static_cast<int64_t>(*change.flushed_lsn));
    RETURN_IF_ERROR(forget.Run());
  }
  if (!change.table_flushed_lsns.empty()) {
    sqlite::Statement s(db_,
                        "INSERT INTO table_flush_state(table_id, flushed_lsn) VALUES (?, ?) ON CONFLICT(table_id) "
                        "DO UPDATE SET flushed_lsn = max(flushed_lsn, excluded.flushed_lsn)",
                        path_, "set a table's flushed LSN");
    for (const auto& [table_id, lsn] : change.table_flushed_lsns) {
      s.Reset();
      s.Bind(1, table_id);
      s.Bind(2, static_cast<int64_t>(lsn));
      Status st = s.Run();
      if (!st.ok()) return st.WithContext("table id " + std::to_string(table_id));
    }
  }
  return Status::OK();
}

Status Catalog::RemoveQuarantine(int64_t id) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "DELETE FROM quarantined_series WHERE id = ?", path_, "remove a quarantined series");
  s.Bind(1, id);
  RETURN_IF_ERROR(s.Run());
  if (s.changes() == 0)
    return Status::NotFound("catalog " + path_ + " has no quarantined series " + std::to_string(id));
  return Status::OK();
}

Result<std::vector<QuarantineRecord>> Catalog::ListQuarantine(std::optional<int64_t> table_id) {
  std::string text =
      "SELECT id, table_id, symbol, min_ts, max_ts, row_count, uri, bytes, sha256, max_lsn, reason, created_at "
      "FROM quarantined_series WHERE 1";
  if (table_id) text += " AND table_id = ?1";
  text += " ORDER BY table_id, symbol, id";
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, text, path_, "list quarantined series");
  if (table_id) s.Bind(1, *table_id);
  std::vector<QuarantineRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    QuarantineRecord q;
    q.id = s.Int(0);
    q.table_id = s.Int(1);
    q.symbol = s.Text(2);
    q.min_ts = s.Int(3);
    q.max_ts = s.Int(4);
    q.row_count = s.Int(5);
    q.uri = s.Text(6);
    q.bytes = s.Int(7);
    q.sha256 = s.Text(8);
    q.max_lsn = static_cast<uint64_t>(s.Int(9));
    q.reason = s.Text(10);
    q.created_at_ns = s.Int(11);
    out.push_back(std::move(q));
  }
  return out;
}

Status Catalog::MarkVerified(int64_t file_id, int64_t at_ns) {
  std::string op = "mark file " + std::to_string(file_id) + " verified";
  RETURN_IF_ERROR(CheckWritable(op));
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "UPDATE files SET verified_at = ? WHERE id = ?", path_, op);
  s.Bind(1, at_ns);
  s.Bind(2, file_id);
  RETURN_IF_ERROR(s.Run());
  if (s.changes() == 0) return Status::NotFound("no file with id " + std::to_string(file_id) + " in catalog " + path_);
  return Status::OK();
}

}  // namespace strata
