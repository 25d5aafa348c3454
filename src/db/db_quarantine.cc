// Series a flush set aside (tier/tier_store.h, TierStore::Flush): listing them and putting their
// rows back (DatabaseImpl, db_impl.h).
#include <algorithm>

#include "catalog/layout.h"
#include "db/db_impl.h"
#include "db/wal_record.h"
#include "io/sha256.h"
#include "wal/batch_codec.h"

namespace strata::db {

Result<std::vector<QuarantinedSeries>> DatabaseImpl::ListQuarantined() {
  ASSIGN_OR_RETURN(std::vector<QuarantineRecord> records, catalog_->ListQuarantine());
  std::vector<QuarantinedSeries> out;
  for (QuarantineRecord& q : records) {
    QuarantinedSeries s;
    s.id = q.id;
    auto table = TableById(static_cast<uint32_t>(q.table_id));
    s.table = table.ok() ? (*table)->def.name : "table id " + std::to_string(q.table_id);
    s.symbol = std::move(q.symbol);
    s.min_ts = q.min_ts;
    s.max_ts = q.max_ts;
    s.rows = static_cast<uint64_t>(q.row_count);
    s.uri = std::move(q.uri);
    s.reason = std::move(q.reason);
    s.created_at_ns = q.created_at_ns;
    out.push_back(std::move(s));
  }
  return out;
}

Result<uint64_t> DatabaseImpl::RestoreQuarantined(int64_t id) {
  RETURN_IF_ERROR(CheckWritable());
  MutexLock op(&tier_op_mu_);  // one restore (or flush) at a time: a series is restored once
  if (closed_.load(std::memory_order_acquire)) return ClosedError();
  ASSIGN_OR_RETURN(std::vector<QuarantineRecord> records, catalog_->ListQuarantine());
  auto q = std::find_if(records.begin(), records.end(), [id](const QuarantineRecord& r) { return r.id == id; });
  if (q == records.end()) {
    return Status::NotFound("no quarantined series " + std::to_string(id) + " in " + root_ +
                            " (`strata quarantine list` lists them)");
  }
  const std::string path = JoinPath(root_, q->uri);
  ASSIGN_OR_RETURN(std::string data, fs_->ReadFile(path));
  if (data.size() != static_cast<uint64_t>(q->bytes) || Sha256Hex(data) != q->sha256) {
    return Status::Corruption("quarantine file " + path + " differs from the catalog's size or SHA-256; its rows " +
                              "were not restored");
  }
  const std::string where = "quarantine file " + path;
  auto rec = ParseRowsRecord(data);
  if (!rec.ok()) return rec.status().WithContext(where);
  auto table = TableById(rec->table_id);
  if (!table.ok()) return table.status().WithContext(where);
  auto rows = DecodeBatch(rec->encoded_batch, (*table)->def.schema.fields());
  if (!rows.ok()) return rows.status().WithContext(where);
  RETURN_IF_ERROR(AppendTo(**table, *rows).WithContext("restoring " + where));
  RETURN_IF_ERROR(Sync());  // durable before the record goes, whatever the fsync policy
  RETURN_IF_ERROR(catalog_->RemoveQuarantine(id));
  Status removed = fs_->RemoveFile(path);
  if (!removed.ok() && !removed.IsNotFound()) {
    Warn("restored quarantined series " + std::to_string(id) + " but could not delete " + path + ": " +
         removed.ToString());
  } else {
    fs_->SyncDir(DirName(path)).IgnoreError();
  }
  return static_cast<uint64_t>(rows->num_rows());
}

}  // namespace strata::db
