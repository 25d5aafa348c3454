// One hot series (table, symbol): its rows in RAM, column by column, in chunks (internal to
// src/hot; HotTier is the public face).
//
// Concurrency and memory ordering
// -------------------------------
// Writers (Append, DropUpTo) serialise on write_mu_. Readers (CopyLatest, Scan, rows) never take
// write_mu_, so they neither wait for nor slow down an Append.
//
// All rows live in a Generation. The writer writes an Append's values into chunk memory that
// readers do not look at yet (rows at or above the published count), creating chunks as needed
// (each new chunk: directory entry written, then num_chunks.store(release)), and only then
// publishes the whole Append: rows.store(old + n, release), then, if the latest row moved,
// latest.store(release). (unsorted_from, set once, is a relaxed store made before that release.)
// A scanning reader does rows.load(acquire) first, then num_chunks.load(acquire), and reads only
// rows below the count it loaded. The acquire synchronises with the release that published that
// count, so every value, end offset, string block and directory entry written before it is
// visible, and rows below the count are never written again. Chunks and directory segments never
// move, so pointers the reader follows stay valid while the writer appends beyond them. Because
// one store publishes all rows of one Append, a reader sees each Append (one Insert call's part of
// this series) wholly or not at all: a prefix of arrival order that ends at an Append boundary.
// CopyLatest does latest.load(acquire) and reads that one row and its chunk's directory entry,
// both written before the store; the row is already inside the published prefix.
//
// DropUpTo builds a new Generation holding the rows it keeps and swaps it in under gen_mu_
// (exclusive). Readers hold gen_mu_ shared while they read, so the old generation is freed only
// when no reader uses it; writers are already excluded by write_mu_. Appends never take gen_mu_.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hot/reader_gate.h"
#include "hot/series_chunk.h"
#include "hot/series_reader.h"
#include "strata/batch.h"

namespace strata {

class SeriesBuffer {
 public:
  // `schema` and `pool` (may be null) must outlive the buffer. Column `schema.symbol_index()` is not
  // stored per row: every row of this series has `symbol`.
  SeriesBuffer(std::string symbol, const Schema* schema, ChunkPool* pool = nullptr);
  ~SeriesBuffer();
  SeriesBuffer(const SeriesBuffer&) = delete;
  SeriesBuffer& operator=(const SeriesBuffer&) = delete;

  const std::string& symbol() const { return symbol_; }
  const Schema& schema() const { return *schema_; }

  // Appends rows rows[0..n) of `batch` (or rows 0..n-1 when `rows` is null), all tagged `lsn`, and
  // publishes them at once (see the note above). REQUIRES: batch has the schema's fields and
  // well-formed columns, and those rows' symbol is symbol(). Returns the change in allocated_bytes().
  int64_t Append(const RecordBatch& batch, const uint32_t* rows, size_t n, uint64_t lsn);

  // Clears and refills every column of *out (capacity kept) with the latest row: the greatest ts,
  // the later arrival on ties. False if the series has no rows. REQUIRES: out's fields == schema's.
  // `tied` (may be null): set when other rows share that ts (then which one is "the latest"
  // depends on the table's dedup rule, which the caller applies; see HotTier::Latest).
  bool CopyLatest(RecordBatch* out, bool* tied = nullptr) const;

  // Appends to *out the rows with ts in [from, to), sorted by ts (stable: ties in arrival order),
  // column k of *out taking column cols[k] of the schema. Reads one consistent prefix of the series.
  // REQUIRES: *out has no rows and the fields of those columns.
  void Scan(int64_t from, int64_t to, const std::vector<int>& cols, RecordBatch* out) const;

  // Removes every row appended with an LSN <= lsn; the rest keep their order, LSNs and latest row.
  // Returns the change in allocated_bytes() (<= 0 unless the kept rows repack badly).
  int64_t DropUpTo(uint64_t lsn);

  // Appends to *out (fields == schema's, no rows) every row appended with an LSN <= lsn, in arrival
  // order. Holds write_mu_ only to read the LSN runs; the copy runs beside appends.
  void CopyUpTo(uint64_t lsn, RecordBatch* out) const;

  // The greatest ts of this series' rows stored outside the hot tier (warm/cold files), as far as
  // known: INT64_MIN when there are none, kFlushedUnknown until someone says (an over-estimate is
  // allowed, never an under-estimate). DropUpTo raises it to the greatest ts it drops (those rows
  // were flushed); SetFlushedMaxTs sets it from the files, with the caller excluding DropUpTo.
  static constexpr int64_t kFlushedUnknown = std::numeric_limits<int64_t>::max();
  int64_t flushed_max_ts() const { return flushed_max_ts_.load(std::memory_order_acquire); }
  void SetFlushedMaxTs(int64_t ts) { flushed_max_ts_.store(ts, std::memory_order_release); }

  uint64_t rows() const;
  uint64_t max_lsn() const { return max_lsn_.load(std::memory_order_relaxed); }
  // Everything this series holds: chunks, string blocks, directory, LSN runs and its own header.
  size_t allocated_bytes() const { return allocated_.load(std::memory_order_relaxed); }
  // Chunks in the current generation (for tests of the chunking policy).
  uint64_t num_chunks() const;

 private:
  struct LsnRun {
    uint64_t first_row;  // the run covers rows [first_row, next run's first_row)
    uint64_t lsn;
  };
  struct Generation;

  // Under write_mu_ (these add what they allocate to g.data_bytes):
  // Appends rows[0..n) of `batch`, or rows first..first+n-1 when `rows` is null, to `g` and
  // publishes them with one store.
  void AppendRows(Generation& g, const RecordBatch& batch, const uint32_t* rows, size_t first, size_t n);
  // Starts a new chunk sized for the series so far and `pending` more rows.
  void StartChunk(Generation& g, size_t pending);
  // Makes room in the current chunk's string blocks for up to k rows; returns how many fit (0: the
  // chunk must be sealed).
  size_t ReserveStrings(Generation& g, const RecordBatch& batch, const uint32_t* rows, size_t first, size_t k);
  size_t MetadataBytes(const Generation& g) const;
  // Publishes the series' allocated bytes; returns the change. REQUIRES: write_mu_ held.
  int64_t SetAllocated(size_t now);
  // The published prefix of `g`. REQUIRES: gen_mu_ held (shared) or write_mu_ held.
  static SeriesView View(const Generation& g);

  const std::string symbol_;
  const Schema* const schema_;
  ChunkPool* const pool_;
  const int ts_col_;

  mutable std::mutex write_mu_;      // serialises Append and DropUpTo
  mutable ReaderGate gen_mu_;        // readers shared; DropUpTo exclusive to swap gen_
  std::unique_ptr<Generation> gen_;  // replaced only under both locks
  std::atomic<uint64_t> max_lsn_{0};
  std::atomic<int64_t> flushed_max_ts_{kFlushedUnknown};
  std::atomic<size_t> allocated_{0};
};

}  // namespace strata
