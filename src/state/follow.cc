// Follow (strata/state.h): the rows of a table as appends are acknowledged, in this process (an
// append listener) or in another (the writer's WAL, src/wal/wal_follower.h).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "catalog/layout.h"
#include "db/wal_record.h"
#include "state/snapshot_store.h"
#include "strata/state.h"
#include "wal/batch_codec.h"
#include "wal/wal_follower.h"

namespace strata {
namespace {

// The rows of `batch` whose symbol is `symbol` (all when empty).
RecordBatch OfSymbol(const RecordBatch& batch, int sym_index, const std::string& symbol) {
  if (symbol.empty()) return batch;
  RecordBatch out(batch.fields());
  const Column& sym = batch.column(static_cast<size_t>(sym_index));
  size_t i = 0;
  while (i < batch.num_rows()) {
    if (sym.GetString(i) != symbol) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < batch.num_rows() && sym.GetString(j) == symbol) ++j;
    (void)out.Append(batch.Slice(i, j - i));  // same fields: cannot fail
    i = j;
  }
  return out;
}

// The last rows of each followed symbol, as Follow delivers them first.
Status TailRows(Database* db, std::string_view table, const FollowOptions& options, std::vector<RecordBatch>* out) {
  if (options.last == 0) return Status::OK();
  std::vector<std::string> symbols;
  if (options.symbol.empty()) {
    ASSIGN_OR_RETURN(symbols, db->Symbols(table));
  } else {
    symbols.push_back(options.symbol);
  }
  for (const std::string& sym : symbols) {
    auto rows = Tail(db, table, sym, options.last);
    if (!rows.ok() && rows.status().IsNotFound()) continue;
    if (!rows.ok()) return rows.status();
    if (rows->num_rows() > 0) out->push_back(std::move(rows).value());
  }
  return Status::OK();
}

class FollowListener final : public AppendListener {
 public:
  FollowListener(Database* db, std::string table, const FollowOptions& options, int sym_index)
      : db_(db), table_(std::move(table)), options_(options), sym_index_(sym_index) {}

  Status OnAttach(uint64_t) override {
    std::vector<RecordBatch> first;
    RETURN_IF_ERROR(TailRows(db_, table_, options_, &first));
    std::lock_guard lock(mu_);
    for (RecordBatch& b : first) queue_.push_back(std::move(b));
    return Status::OK();
  }

  void OnAppend(const AppendEvent& event) override {
    if (event.table != table_) return;
    RecordBatch rows = OfSymbol(*event.batch, sym_index_, options_.symbol);
    if (rows.num_rows() == 0) return;
    {
      std::lock_guard lock(mu_);
      if (overflow_) return;
      if (queued_rows_ + rows.num_rows() > options_.max_queued_rows) {
        overflow_ = true;
      } else {
        queued_rows_ += rows.num_rows();
        queue_.push_back(std::move(rows));
      }
    }
    cv_.notify_one();
  }

  // The next batch, or nullopt after poll_ms without one. Aborted after an overflow.
  Result<std::optional<RecordBatch>> Next(int wait_ms) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return !queue_.empty() || overflow_; });
    if (!queue_.empty()) {
      RecordBatch b = std::move(queue_.front());
      queue_.pop_front();
      queued_rows_ -= std::min(queued_rows_, b.num_rows());
      return std::optional<RecordBatch>(std::move(b));
    }
    if (overflow_) {
      return Status::Aborted("following " + table_ + ": the reader fell more than " +
                             std::to_string(options_.max_queued_rows) +
                             " rows behind the writers (FollowOptions::max_queued_rows)");
    }
    return std::optional<RecordBatch>();
  }

 private:
  Database* db_;
  const std::string table_;
  const FollowOptions options_;
  const int sym_index_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RecordBatch> queue_;
  size_t queued_rows_ = 0;
  bool overflow_ = false;
};

Status FollowInProcess(Database* db, std::string_view table, const FollowOptions& options, int sym_index,
                       const std::function<Status(const RecordBatch&)>& fn) {
  auto listener = std::make_shared<FollowListener>(db, std::string(table), options, sym_index);
  RETURN_IF_ERROR(db->AddAppendListener(listener).status());
  Status st;
  while (st.ok() && !(options.stop && options.stop())) {
    auto next = listener->Next(options.poll_ms);
    if (!next.ok()) {
      st = next.status();
      break;
    }
    if (*next) st = fn(**next);
  }
  Status removed = db->RemoveAppendListener(listener.get());
  return st.ok() && !removed.IsNotFound() ? removed : st;
}

Status FollowWal(Database* db, std::string_view table, const FollowOptions& options, int sym_index,
                 const std::vector<Field>& fields, const std::function<Status(const RecordBatch&)>& fn) {
  // The LSN the open replayed up to: the tables hold every append up to it, the WAL the rest.
  ASSIGN_OR_RETURN(DatabaseStats stats, db->Stats());
  ASSIGN_OR_RETURN(auto store, state::SnapshotStore::Open(db, options.fs));
  ASSIGN_OR_RETURN(int64_t table_id, store->TableId(table));
  store.reset();
  std::vector<RecordBatch> first;
  RETURN_IF_ERROR(TailRows(db, table, options, &first));
  for (const RecordBatch& b : first) RETURN_IF_ERROR(fn(b));
  WalFollower follower(options.fs != nullptr ? options.fs : DefaultFileSystem(), layout::WalDir(db->root()),
                       stats.last_lsn);
  std::string lost;
  // The table's columns as of the record read last: a schema record (AddColumn) widens them, so
  // the rows after it decode with the new column (and those before it were padded with NULLs).
  std::vector<Field> current = fields;
  while (!(options.stop && options.stop())) {
    ASSIGN_OR_RETURN(uint64_t got, follower.Poll(
                                       [&](uint64_t lsn, std::string_view payload) -> Status {
                                         auto schema = ParseSchemaRecord(payload);
                                         if (!schema.ok()) {
                                           return schema.status().WithContext("WAL record " + std::to_string(lsn));
                                         }
                                         if (*schema) {
                                           const std::vector<Field>& now = (*schema)->schema.fields();
                                           if ((*schema)->table_id == static_cast<uint32_t>(table_id) &&
                                               now.size() > current.size() && IsEarlierSchema(current, now)) {
                                             current = now;
                                           }
                                           return Status::OK();
                                         }
                                         auto parts = ParseRecordParts(payload);
                                         if (!parts.ok()) {
                                           return parts.status().WithContext("WAL record " + std::to_string(lsn));
                                         }
                                         for (const RowsRecordHeader& part : *parts) {
                                           if (part.table_id != static_cast<uint32_t>(table_id)) continue;
                                           auto batch = DecodeBatch(part.encoded_batch, current);
                                           if (!batch.ok()) {
                                             return batch.status().WithContext("WAL record " + std::to_string(lsn) +
                                                                               " of table " + std::string(table));
                                           }
                                           RecordBatch rows = OfSymbol(*batch, sym_index, options.symbol);
                                           if (rows.num_rows() > 0) RETURN_IF_ERROR(fn(rows));
                                         }
                                         return Status::OK();
                                       },
                                       &lost));
    if (!lost.empty()) {
      const std::string msg = "following " + std::string(table) + ": " + lost;
      if (options.on_warning) {
        options.on_warning(msg);
      } else {
        std::fprintf(stderr, "strata: warning: %s\n", msg.c_str());
      }
    }
    if (got == 0) std::this_thread::sleep_for(std::chrono::milliseconds(options.poll_ms));
  }
  return Status::OK();
}

}  // namespace

Status Follow(Database* db, std::string_view table, const FollowOptions& options,
              const std::function<Status(const RecordBatch&)>& fn) {
  ASSIGN_OR_RETURN(TableDef def, db->GetTable(table));
  const int sym_index = def.schema.symbol_index();
  if (db->read_only()) return FollowWal(db, table, options, sym_index, def.schema.fields(), fn);
  return FollowInProcess(db, table, options, sym_index, fn);
}

}  // namespace strata
