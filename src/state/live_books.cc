// LiveBooks, BookAt and WriteBookSnapshots (strata/state.h).
//
// Live: an AppendListener applies each appended row to its symbol's BookBuilder under that book's
// mutex (readers take the same mutex: never half an event). The symbol map is changed only by
// the listener (calls never overlap), under an exclusive lock readers share. Snapshots due are
// captured (a copy of the levels) on the appending thread and written by the SnapshotWriter's
// thread (snapshot_writer.h: every acknowledged row durable first, then the file, then its record).
#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "state/book_builder.h"
#include "state/snapshot_store.h"
#include "state/snapshot_writer.h"
#include "strata/state.h"
#include "tier/policy.h"

namespace strata {

std::optional<double> BookView::spread() const {
  if (bids.empty() || asks.empty()) return std::nullopt;
  return asks[0].price - bids[0].price;
}

std::optional<double> BookView::mid() const {
  if (bids.empty() || asks.empty()) return std::nullopt;
  return (asks[0].price + bids[0].price) / 2;
}

double BookView::imbalance() const {
  double b = 0, a = 0;
  for (const BookLevel& l : bids) b += l.size;
  for (const BookLevel& l : asks) a += l.size;
  return a + b == 0 ? 0 : (b - a) / (b + a);
}

namespace state {
namespace {

constexpr char kBookKind[] = "book";

// The events of `symbol` with ts in (after, to], streamed into `fn(batch, row)`.
Status ForEachEvent(Database* db, std::string_view table, std::string_view symbol, int64_t after, int64_t to,
                    const std::function<void(const RecordBatch&, size_t)>& fn) {
  if (after == std::numeric_limits<int64_t>::max() || after >= to) return Status::OK();
  ScanRequest req;
  req.table = std::string(table);
  req.symbols = {std::string(symbol)};
  req.from_ts = after + 1;
  req.to_ts = to == std::numeric_limits<int64_t>::max() ? to : to + 1;
  ASSIGN_OR_RETURN(auto cursor, db->NewScan(req));
  RecordBatch batch;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, cursor->Next(&batch));
    if (!more) break;
    for (size_t i = 0; i < batch.num_rows(); ++i) fn(batch, i);
  }
  return Status::OK();
}

// The symbols with events or with a snapshot (whose events may be gone: retention).
Result<std::vector<std::string>> AllSymbols(Database* db, SnapshotStore* store, std::string_view table,
                                            int64_t table_id) {
  ASSIGN_OR_RETURN(std::vector<std::string> symbols, db->Symbols(table));
  ASSIGN_OR_RETURN(std::vector<std::string> snapped, store->Symbols(table_id, kBookKind));
  symbols.insert(symbols.end(), snapped.begin(), snapped.end());
  std::sort(symbols.begin(), symbols.end());
  symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
  return symbols;
}

struct RebuildStats {
  bool loaded_snapshot = false;
  uint64_t replayed = 0;
};

// `builder` as of `at_ts`: the latest snapshot at or before it, then the events after it. Snapshots
// the builder's schedule makes due on the way go to `on_capture` (may be empty).
Status Rebuild(Database* db, SnapshotStore* store, std::string_view table, int64_t table_id, const BookColumns& cols,
               std::string_view symbol, int64_t at_ts, BookBuilder* builder,
               const std::function<void(BookCapture&&)>& on_capture, RebuildStats* stats) {
  ASSIGN_OR_RETURN(auto snap, store->Latest(table_id, kBookKind, symbol, at_ts));
  // Without a snapshot, every event up to at_ts: (INT64_MIN, at_ts] misses only ts == INT64_MIN,
  // which is below kMinTimestampNs.
  int64_t after = std::numeric_limits<int64_t>::min();
  if (snap) {
    // A snapshot file that is gone (a backup restored without the state/ directory): the snapshot
    // only saves time, so rebuild from the events instead.
    Result<RecordBatch> rows = store->Read(*snap);
    if (rows.ok()) {
      RETURN_IF_ERROR(builder->Load(*snap, *rows));
      after = snap->ts;
      stats->loaded_snapshot = true;
    } else if (!rows.status().IsNotFound()) {
      return rows.status();
    }
  }
  BookCapture capture;
  return ForEachEvent(db, table, symbol, after, at_ts, [&](const RecordBatch& b, size_t row) {
    ++stats->replayed;
    if (builder->ApplyRow(b, row, cols, &capture) && on_capture) on_capture(std::move(capture));
  });
}

class LiveBooksImpl final : public LiveBooks, public AppendListener {
 public:
  LiveBooksImpl(Database* db, std::string table, BookOptions options, std::unique_ptr<SnapshotStore> store,
                int64_t table_id, BookColumns cols)
      : db_(db),
        table_(std::move(table)),
        options_(std::move(options)),
        store_(std::move(store)),
        table_id_(table_id),
        cols_(cols),
        writer_({db, store_.get(), table_, table_id, kBookKind, options_.on_warning}) {}

  void StartWriter() { writer_.Start(); }

  // --- AppendListener ---
  Status OnAttach(uint64_t) override {
    ASSIGN_OR_RETURN(std::vector<std::string> symbols, AllSymbols(db_, store_.get(), table_, table_id_));
    for (const std::string& sym : symbols) {
      auto entry = std::make_unique<Entry>(sym, &options_);
      RebuildStats rs;
      RETURN_IF_ERROR(Rebuild(
          db_, store_.get(), table_, table_id_, cols_, sym, std::numeric_limits<int64_t>::max(), &entry->builder,
          [this](BookCapture&& c) { Enqueue(std::move(c)); }, &rs));
      events_replayed_ += rs.replayed;
      snapshots_loaded_ += rs.loaded_snapshot ? 1 : 0;
      std::unique_lock lock(map_mu_);
      books_.emplace(sym, std::move(entry));
    }
    return Status::OK();
  }

  void OnAppend(const AppendEvent& event) override {
    if (event.table != table_) return;
    const RecordBatch& batch = *event.batch;
    const Column& sym_col = batch.column(static_cast<size_t>(cols_.symbol));
    Entry* entry = nullptr;
    std::string_view current;
    BookCapture capture;
    for (size_t i = 0; i < batch.num_rows(); ++i) {
      const std::string_view sym = sym_col.GetString(i);
      if (entry == nullptr || sym != current) {
        if (entry != nullptr) entry->mu.unlock();
        entry = FindOrAdd(sym);
        current = sym;
        entry->mu.lock();
      }
      if (entry->builder.ApplyRow(batch, i, cols_, &capture)) Enqueue(std::move(capture));
    }
    if (entry != nullptr) entry->mu.unlock();
    events_applied_.fetch_add(batch.num_rows(), std::memory_order_relaxed);
  }

  // --- LiveBooks ---
  Result<BookView> Book(std::string_view symbol, size_t depth) const override {
    std::shared_lock lock(map_mu_);
    auto it = books_.find(symbol);
    if (it == books_.end()) {
      return Status::NotFound("book table " + table_ + " has no events for symbol " + std::string(symbol));
    }
    std::lock_guard book_lock(it->second->mu);
    return it->second->builder.View(depth);
  }

  std::vector<std::string> Symbols() const override {
    std::shared_lock lock(map_mu_);
    std::vector<std::string> out;
    for (const auto& [sym, e] : books_) out.push_back(sym);
    return out;
  }

  LiveBooksStats stats() const override {
    LiveBooksStats s;
    {
      std::shared_lock lock(map_mu_);
      s.symbols = books_.size();
    }
    s.events_applied = events_applied_.load(std::memory_order_relaxed);
    s.events_replayed = events_replayed_;
    s.snapshots_loaded = snapshots_loaded_;
    s.snapshots_written = writer_.written();
    s.snapshot_failures = writer_.failures();
    return s;
  }

  Status WaitForSnapshots() override { return writer_.WaitIdle(); }

  Status Detach() override {
    if (detached_.exchange(true)) return Status::OK();
    Status st = db_->RemoveAppendListener(this);
    if (st.IsNotFound()) st = Status::OK();  // the database dropped it (closed)
    Status wait = WaitForSnapshots();
    writer_.Stop();
    return st.ok() ? wait : st;
  }

 private:
  struct Entry {
    Entry(std::string sym, const BookOptions* schedule) : builder(std::move(sym), schedule) {}
    mutable std::mutex mu;
    BookBuilder builder;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };

  // Called only by the listener (calls never overlap): it alone changes books_, so it reads it
  // without the lock.
  Entry* FindOrAdd(std::string_view sym) {
    auto it = books_.find(sym);
    if (it != books_.end()) return it->second.get();
    auto entry = std::make_unique<Entry>(std::string(sym), &options_);
    Entry* raw = entry.get();
    std::unique_lock lock(map_mu_);
    books_.emplace(std::string(sym), std::move(entry));
    return raw;
  }

  void Enqueue(BookCapture&& c) {
    std::string sym = c.symbol;
    writer_.Enqueue(std::move(sym), [c = std::move(c)](SnapshotRecord* rec) { return SnapshotOf(c, rec); });
  }

  Database* db_;
  const std::string table_;
  const BookOptions options_;
  std::unique_ptr<SnapshotStore> store_;  // used by OnAttach and the writer (the catalog has a mutex)
  const int64_t table_id_;
  const BookColumns cols_;

  mutable std::shared_mutex map_mu_;
  std::unordered_map<std::string, std::unique_ptr<Entry>, Hash, std::equal_to<>> books_;
  std::atomic<uint64_t> events_applied_{0};
  uint64_t events_replayed_ = 0, snapshots_loaded_ = 0;  // set by OnAttach before any reader
  std::atomic<bool> detached_{false};
  SnapshotWriter writer_;  // last: stopped (joined) first on destruction
};

}  // namespace
}  // namespace state

Result<std::shared_ptr<LiveBooks>> LiveBooks::Attach(Database* db, std::string_view table, const BookOptions& options) {
  if (db->read_only()) {
    return Status::InvalidArgument("live books of " + std::string(table) + " need a writer (the database " +
                                   db->root() + " is open read-only); use BookAt for a read-only view");
  }
  ASSIGN_OR_RETURN(TableDef def, db->GetTable(table));
  ASSIGN_OR_RETURN(state::BookColumns cols, state::BookColumns::Resolve(table, def.schema));
  ASSIGN_OR_RETURN(auto store, state::SnapshotStore::Open(db, options.fs));
  ASSIGN_OR_RETURN(int64_t table_id, store->TableId(table));
  auto books =
      std::make_shared<state::LiveBooksImpl>(db, std::string(table), options, std::move(store), table_id, cols);
  books->StartWriter();
  RETURN_IF_ERROR(db->AddAppendListener(books).status());
  return std::shared_ptr<LiveBooks>(books);
}

namespace state {
namespace {

class BookReaderImpl final : public BookReader {
 public:
  BookReaderImpl(Database* db, std::string table, BookColumns cols, std::unique_ptr<SnapshotStore> store,
                 int64_t table_id)
      : db_(db), table_(std::move(table)), cols_(cols), store_(std::move(store)), table_id_(table_id) {}

  Result<BookView> At(std::string_view symbol, int64_t at_ts, size_t depth) override {
    BookBuilder builder{std::string(symbol), nullptr};
    RebuildStats rs;
    RETURN_IF_ERROR(Rebuild(db_, store_.get(), table_, table_id_, cols_, symbol, at_ts, &builder, nullptr, &rs));
    return builder.View(depth);
  }

 private:
  Database* db_;
  const std::string table_;
  const BookColumns cols_;
  std::unique_ptr<SnapshotStore> store_;
  const int64_t table_id_;
};

}  // namespace
}  // namespace state

Result<std::unique_ptr<BookReader>> BookReader::Open(Database* db, std::string_view table, FileSystem* fs) {
  ASSIGN_OR_RETURN(TableDef def, db->GetTable(table));
  ASSIGN_OR_RETURN(state::BookColumns cols, state::BookColumns::Resolve(table, def.schema));
  ASSIGN_OR_RETURN(auto store, state::SnapshotStore::Open(db, fs));
  ASSIGN_OR_RETURN(int64_t table_id, store->TableId(table));
  return std::unique_ptr<BookReader>(
      new state::BookReaderImpl(db, std::string(table), cols, std::move(store), table_id));
}

Result<BookView> BookAt(Database* db, std::string_view table, std::string_view symbol, int64_t at_ts, size_t depth,
                        FileSystem* fs) {
  ASSIGN_OR_RETURN(std::unique_ptr<BookReader> reader, BookReader::Open(db, table, fs));
  return reader->At(symbol, at_ts, depth);
}

Result<uint64_t> WriteBookSnapshots(Database* db, std::string_view table, const BookOptions& options) {
  if (db->read_only())
    return Status::InvalidArgument("writing book snapshots needs a writer; " + db->root() + " is open read-only");
  ASSIGN_OR_RETURN(TableDef def, db->GetTable(table));
  ASSIGN_OR_RETURN(state::BookColumns cols, state::BookColumns::Resolve(table, def.schema));
  ASSIGN_OR_RETURN(auto store, state::SnapshotStore::Open(db, options.fs));
  ASSIGN_OR_RETURN(int64_t table_id, store->TableId(table));
  ASSIGN_OR_RETURN(std::vector<std::string> symbols, state::AllSymbols(db, store.get(), table, table_id));
  RETURN_IF_ERROR(db->Sync());
  uint64_t written = 0;
  for (const std::string& sym : symbols) {
    state::BookBuilder builder{sym, &options};
    state::RebuildStats rs;
    Status failed;
    RETURN_IF_ERROR(state::Rebuild(
        db, store.get(), table, table_id, cols, sym, std::numeric_limits<int64_t>::max(), &builder,
        [&](state::BookCapture&& c) {
          if (!failed.ok()) return;
          state::SnapshotRecord rec;
          rec.table_id = table_id;
          rec.kind = state::kBookKind;
          rec.symbol = c.symbol;
          const RecordBatch rows = state::SnapshotOf(c, &rec);
          failed = store->Write(table, &rec, rows);
          if (failed.ok()) ++written;
        },
        &rs));
    RETURN_IF_ERROR(failed);
  }
  return written;
}

}  // namespace strata

namespace strata {

Result<BookSamplesResult> WriteBookSamples(Database* db, std::string_view table, int64_t interval_ns, size_t depth,
                                           FileSystem* fs) {
  if (interval_ns <= 0) return Status::InvalidArgument("book samples need an interval > 0");
  if (depth == 0 || depth > 100) return Status::InvalidArgument("book samples need a depth of 1 to 100 levels");
  if (db->read_only()) {
    return Status::InvalidArgument("writing book samples needs a writer; " + db->root() + " is open read-only");
  }
  ASSIGN_OR_RETURN(TableDef def, db->GetTable(table));
  ASSIGN_OR_RETURN(state::BookColumns cols, state::BookColumns::Resolve(table, def.schema));
  BookSamplesResult result;
  result.table = BookSamplesTableName(table, interval_ns);
  const Schema schema = BookSamplesSchema(depth);
  Result<TableDef> existing = db->GetTable(result.table);
  if (existing.ok()) {
    auto policy = tier::TablePolicy::Parse(existing->policy_json);
    if (policy.ok() && policy->book_interval) {
      return Status::InvalidArgument("table " + result.table + " is kept up to date by every flush (the policy of " +
                                     std::string(table) + " declares book_samples): query it");
    }
    if (!(existing->schema == schema)) {
      return Status::InvalidArgument("table " + result.table + " exists with other columns (another --depth?)");
    }
  } else if (existing.status().IsNotFound()) {
    RETURN_IF_ERROR(db->CreateTable({result.table, schema}));
  } else {
    return existing.status();
  }
  ASSIGN_OR_RETURN(auto store, state::SnapshotStore::Open(db, fs));
  ASSIGN_OR_RETURN(int64_t table_id, store->TableId(table));
  ASSIGN_OR_RETURN(std::vector<std::string> symbols, db->Symbols(table));
  RecordBatch out(schema);
  auto flush_rows = [&]() -> Status {
    if (out.num_rows() == 0) return Status::OK();
    RETURN_IF_ERROR(db->Append(result.table, out));
    result.rows += out.num_rows();
    out = RecordBatch(schema);
    return Status::OK();
  };
  RecordBatch latest;
  for (const std::string& sym : symbols) {
    if (Status st = db->Latest(table, sym, &latest); !st.ok()) {
      if (st.IsNotFound()) continue;  // listed, but no rows left
      return st;
    }
    const int64_t newest = latest.column(static_cast<size_t>(cols.ts)).int64s()[0];
    // Continue after the symbol's latest sample: the book as of it, then the events after it.
    state::BookBuilder builder{sym, nullptr};
    int64_t after = std::numeric_limits<int64_t>::min();
    Status st = db->Latest(result.table, sym, &latest);
    if (st.ok()) {
      after = latest.column(0).int64s()[0];
      if (after >= newest) {  // nothing new
        ++result.symbols;
        continue;
      }
      state::RebuildStats rs;
      RETURN_IF_ERROR(state::Rebuild(db, store.get(), table, table_id, cols, sym, after, &builder, {}, &rs));
    } else if (!st.IsNotFound()) {
      return st;
    }
    state::BookSampler sampler(sym, interval_ns, depth);
    Status failed;
    RETURN_IF_ERROR(state::ForEachEvent(db, table, sym, after, newest, [&](const RecordBatch& b, size_t row) {
      sampler.BeforeEvent(b.column(static_cast<size_t>(cols.ts)).int64s()[row], builder.book());
      if (sampler.rows()->num_rows() >= 10'000 && failed.ok()) {
        failed = out.Append(sampler.TakeRows());
        if (failed.ok()) failed = flush_rows();
      }
      state::BookCapture unused;
      builder.ApplyRow(b, row, cols, &unused);
    }));
    RETURN_IF_ERROR(failed);
    // The last boundary only once no event can come before it: when the newest event is on it.
    sampler.Finish(builder.book(), newest);
    RETURN_IF_ERROR(out.Append(sampler.TakeRows()));
    if (out.num_rows() >= 10'000) RETURN_IF_ERROR(flush_rows());
    ++result.symbols;
  }
  RETURN_IF_ERROR(flush_rows());
  return result;
}

}  // namespace strata
