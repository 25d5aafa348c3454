// Derived bar tables (downsampling): a table whose policy says {"bars": ["1m", "1d"]} gets one
// real catalog table per interval, <table>_bars_<interval> (schema bars::BarFields(): ts, symbol,
// open, high, low, close, volume, vwap, count), stored like any table in the warm layout
// (warm/<table>_bars_1m/date=YYYY-MM-DD/symbol=<SYM>/part-<seq>.parquet), so `strata query
// trades_bars_1m` and DuckDB read it as they read trades. See src/tier/README.md for the design.
//
// Exactness: each bar file holds the bars of exactly one series-day, computed by the shared
// kernel (bars/bar_kernel.h) from ALL of that series-day's source rows in warm and cold, in the
// order a scan returns them (cold files first, then by catalog id, stable by ts). Every tier
// operation that changes a series-day's source rows (flush, migration, retention) calls Prepare
// on its CatalogChange before committing it: Prepare recomputes the bars of every series-day the
// change touches as they will be after it, writes new bar files (temp + fsync + rename) and adds
// them, and the retirement of the old bar files, to the SAME change. So the source rows and their
// bars change in one catalog transaction: a crash leaves both old or both new, and late rows
// for a day already flushed or migrated produce correct bars. Compaction does not call it: it
// keeps a series-day's rows and their order, so the bars stay right.
//
// Derived tables are never flushed, compacted, migrated or retained by themselves; their files
// are replaced by Prepare (and removed when their source rows are gone).
//
// Book samples: a book table whose policy says {"book_samples": ["1s"], "book_depth": 10} gets
// <table>_book_<interval> (BookSamplesSchema, strata/state.h): the rows `strata book
// --book-snapshots` computes (bars/book_rows.h), kept the same way. A sample row at S is the book
// after every event with ts <= S, so it depends on the whole history before it: the file of
// "sample-day" D holds the rows with ts in (D, D+1] (from the events in (D, D+1]; the
// boundaries of those events are in (D, D+1] since an interval divides a day), and carries in its
// key-value metadata (`strata.book_carry`) the whole book after them and the pending boundary, from
// which the next sample-day starts. Prepare recomputes the sample-days a change touches in ts
// order, each from the carry of the one before, and goes on to the next sample-day with a file
// while the carry it computed differs from the one that file started from (a late row in an old
// day changes the days after it; the usual flush touches the newest day only). A sample-day whose
// last boundary was pending (no event at or after it yet) is recomputed when a later day gets rows.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "parquet/parquet_reader.h"
#include "strata/batch.h"
#include "strata/file_system.h"
#include "strata/schema.h"
#include "tier/policy.h"

namespace strata::tier {

// "<source>_bars_<interval>" ("trades_bars_1m").
std::string DerivedBarTableName(std::string_view source, int64_t interval_ns);

// "<source>_book_<interval>" is BookSamplesTableName (strata/state.h).

// The definitions of the derived tables (bars and book samples) `source`'s policy declares (empty
// when none). InvalidArgument when it declares bars but has no price:f64 and integer size column,
// book samples but is not a book table, or when it is itself derived.
Result<std::vector<TableDef>> DerivedBarTableDefs(const TableDef& source);

struct DerivedBarsOptions {
  FileSystem* fs = nullptr;
  std::string root;
  Catalog* catalog = nullptr;
  // Reads one catalog file (warm or cold) with a projection and time range (TierStore::Read).
  std::function<Result<RecordBatch>(const FileRecord&, const parquet::ReadOptions&)> read;
  // The key-value metadata of one catalog file's footer.
  std::function<Result<std::vector<parquet::KeyValue>>(const FileRecord&)> read_key_values;
  // Writes sorted rows of one series-day of `table` as its next warm part, atomically, with extra
  // key-value metadata, and returns its (uncommitted) catalog record (TierStore::WriteWarmPart).
  std::function<Result<FileRecord>(const TableInfo& table, const std::string& symbol, int64_t day,
                                   const RecordBatch& rows,
                                   const std::vector<std::pair<std::string, std::string>>& key_values)>
      write_warm;
  // Commits a change (TierStore::CommitChange, which stops the store when a commit fails in a way
  // that may still be durable). Empty: Catalog::Commit.
  std::function<Status(const CatalogChange&)> commit;
};

class DerivedBars {
 public:
  explicit DerivedBars(DerivedBarsOptions options);

  // What Prepare wrote and replaced.
  struct Pending {
    std::vector<FileRecord> written;   // new bar files (uncommitted until the change commits)
    std::vector<FileRecord> replaced;  // old bar files `change` now retires
    uint64_t days_rebuilt = 0;         // series-days whose bars (or book samples) were recomputed
    uint64_t days_read = 0;            // of those, from source rows read back from storage
  };

  // Bars a flush computed from the rows it had just written: by the index in change->add of the
  // file holding those rows, then by interval. Prepare uses them for a series-day whose only
  // source file is that one (the usual flush), instead of reading the file back.
  using Precomputed = std::map<size_t, std::map<int64_t, RecordBatch>>;

  // The bar intervals source table `table_id` declares (empty when none).
  Result<std::vector<int64_t>> Intervals(int64_t table_id);

  // Adds the bar files of every series-day that `change` touches (through its added files and
  // `gone`, the records of the source files it retires or removes) to `change`. On error, what
  // it wrote is removed and `change` is unchanged.
  Status Prepare(CatalogChange* change, const std::vector<FileRecord>& gone, Pending* pending,
                 const Precomputed* precomputed = nullptr);
  // The change did not commit: removes the files Prepare wrote (best effort; cleanup on open
  // removes what a crash leaves).
  void Abandon(const Pending& pending);

  // Creates the missing derived tables of `source` and recomputes every series-day of its bars
  // (and removes bar files whose series-day has no source rows), committing per table. For a
  // policy just set on a table with data, and for repair. Returns the retired files for the
  // caller to delete. REQUIRES: no other tier operation runs meanwhile.
  Result<std::vector<FileRecord>> Rebuild(const TableInfo& source);

 private:
  struct Target {
    TableInfo table;  // the derived table
    int64_t interval = 0;
  };
  struct BookTarget {
    TableInfo table;  // the derived book-sample table
    int64_t interval = 0;
    size_t depth = 0;
  };
  struct Source {
    TableInfo table;
    std::vector<Target> targets;           // empty: no bars declared
    std::vector<BookTarget> book_targets;  // empty: no book samples declared
    bool derives() const { return !targets.empty() || !book_targets.empty(); }
  };
  // The source rows of a symbol with ts in [from, to) after `change` (its first `source_adds`
  // added files are source files; `gone_ids` are the source files it removes), in scan order,
  // deduplicated; only `columns` (all when empty) plus what dedup needs. *files: how many files.
  Status ReadSource(const Source& src, const std::string& symbol, int64_t from, int64_t to, const CatalogChange& change,
                    const std::set<int64_t>& gone_ids, size_t source_adds, std::vector<std::string> columns,
                    RecordBatch* rows, size_t* files);
  Result<const Source*> SourceOf(int64_t table_id);
  Status PrepareSeriesDay(const Source& src, const std::string& symbol, int64_t day, CatalogChange* change,
                          const std::set<int64_t>& gone_ids, size_t source_adds, const Precomputed* precomputed,
                          Pending* pending);
  // Recomputes the sample-days `days` of one symbol's book samples and the later ones whose carry
  // changed (see the top of this file), adding their files to `change`.
  Status PrepareBookSamples(const Source& src, const BookTarget& t, const std::string& symbol, std::set<int64_t> days,
                            CatalogChange* change, const std::set<int64_t>& gone_ids, size_t source_adds,
                            Pending* pending);

  DerivedBarsOptions options_;
  std::map<int64_t, Source> sources_;  // cache for one Prepare
};

}  // namespace strata::tier
