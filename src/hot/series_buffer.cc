#include "hot/series_buffer.h"

#include <algorithm>
#include <cstring>
#include <shared_mutex>

namespace strata {
namespace {

// A series' first chunk is small so that thousands of thin series stay cheap; chunks then double
// up to kMaxChunkRows, which bounds the unused tail of the last chunk.
constexpr uint32_t kFirstChunkRows = 16;
constexpr uint32_t kMaxChunkRows = 16 * 1024;
constexpr uint64_t kNoRow = ~uint64_t{0};

uint64_t PackRow(uint64_t chunk, uint32_t row) { return (chunk << 32) | row; }

// Row j of a selection: rows[j], or first + j for a dense selection (rows == nullptr).
inline size_t RowAt(const uint32_t* rows, size_t first, size_t j) { return rows ? rows[j] : first + j; }

template <typename T>
void CopyValues(T* dst, const T* src, const uint32_t* rows, size_t first, size_t k) {
  if (rows == nullptr) {
    std::memcpy(dst, src + first, k * sizeof(T));
    return;
  }
  for (size_t j = 0; j < k; ++j) dst[j] = src[rows[j]];
}

uint64_t StringBytes(const Column& col, const uint32_t* rows, size_t first, size_t k) {
  const uint32_t* off = col.offsets().data();
  if (rows == nullptr) return off[first + k] - off[first];
  uint64_t bytes = 0;
  for (size_t j = 0; j < k; ++j) bytes += off[rows[j] + 1] - off[rows[j]];
  return bytes;
}

// The greatest ts of rows [begin, end) of the view (INT64_MIN when empty).
int64_t MaxTs(const SeriesView& view, int ts_col, uint64_t begin, uint64_t end) {
  int64_t m = INT64_MIN;
  for (const SeriesView::Part& p : view.parts) {
    const uint64_t lo = std::max(begin, p.first_row);
    const uint64_t hi = std::min(end, p.first_row + p.rows);
    if (lo >= hi) continue;
    const int64_t* ts = p.chunk->column(static_cast<size_t>(ts_col)).As<int64_t>();
    for (uint64_t r = lo; r < hi; ++r) m = std::max(m, ts[r - p.first_row]);
  }
  return m;
}

}  // namespace

struct SeriesBuffer::Generation {
  explicit Generation(size_t num_columns) : string_bytes(num_columns, 0) {}

  // Read by readers (see the memory-ordering note in the header).
  ChunkDirectory dir;
  std::atomic<uint64_t> rows{0};
  std::atomic<uint64_t> num_chunks{0};
  std::atomic<uint64_t> latest{kNoRow};         // PackRow(chunk index, row in chunk)
  std::atomic<bool> latest_tied{false};         // more than one row has the latest ts
  std::atomic<uint64_t> unsorted_from{kNoRow};  // first row whose ts is below its predecessor's

  // Writer-only.
  std::vector<std::unique_ptr<SeriesChunk>> chunks;
  SeriesChunk* chunk = nullptr;  // the chunk being filled, chunks.back()
  uint32_t used_in_chunk = 0;
  bool sealed = false;  // a string column ran out of blocks: the next row starts a new chunk
  bool unsorted = false;
  uint64_t written = 0;
  int64_t last_ts = INT64_MIN;
  int64_t latest_ts = INT64_MIN;
  uint64_t latest_ts_rows = 0;         // rows with ts == latest_ts
  std::vector<uint64_t> string_bytes;  // per column, for sizing string blocks
  std::vector<LsnRun> runs;
  size_t data_bytes = 0;  // chunks with their blocks, and directory segments
};

SeriesBuffer::SeriesBuffer(std::string symbol, const Schema* schema, ChunkPool* pool)
    : symbol_(std::move(symbol)),
      schema_(schema),
      pool_(pool),
      ts_col_(schema->ts_index()),
      gen_(std::make_unique<Generation>(schema->num_fields())) {
  allocated_.store(MetadataBytes(*gen_), std::memory_order_relaxed);
}

SeriesBuffer::~SeriesBuffer() = default;

size_t SeriesBuffer::MetadataBytes(const Generation& g) const {
  return sizeof(SeriesBuffer) + symbol_.size() + sizeof(Generation) + g.runs.capacity() * sizeof(LsnRun) +
         g.chunks.capacity() * sizeof(g.chunks[0]) + g.string_bytes.capacity() * sizeof(uint64_t);
}

int64_t SeriesBuffer::SetAllocated(size_t now) {
  // Only the writer (under write_mu_) stores allocated_, so a load and a store suffice; no locked
  // exchange on the insert path.
  const size_t before = allocated_.load(std::memory_order_relaxed);
  allocated_.store(now, std::memory_order_relaxed);
  return static_cast<int64_t>(now) - static_cast<int64_t>(before);
}

int64_t SeriesBuffer::Append(const RecordBatch& batch, const uint32_t* rows, size_t n, uint64_t lsn) {
  if (n == 0) return 0;
  std::lock_guard lock(write_mu_);
  Generation& g = *gen_;
  if (g.runs.empty() || g.runs.back().lsn != lsn) g.runs.push_back({g.written, lsn});
  AppendRows(g, batch, rows, 0, n);
  if (lsn > max_lsn_.load(std::memory_order_relaxed)) max_lsn_.store(lsn, std::memory_order_relaxed);
  size_t now = g.data_bytes + MetadataBytes(g);
  return SetAllocated(now);
}

void SeriesBuffer::StartChunk(Generation& g, size_t pending) {
  const uint64_t want = std::max<uint64_t>(g.written, pending);
  uint32_t cap = kFirstChunkRows;
  while (cap < want && cap < kMaxChunkRows) cap *= 2;
  auto chunk = std::make_unique<SeriesChunk>(*schema_, cap, pool_);
  const uint64_t index = g.chunks.size();
  g.data_bytes += chunk->allocated_bytes() + g.dir.Put(index, {chunk.get(), g.written});
  g.chunk = chunk.get();
  g.chunks.push_back(std::move(chunk));
  g.used_in_chunk = 0;
  g.sealed = false;
  g.num_chunks.store(index + 1, std::memory_order_release);  // publishes the directory entry
}

size_t SeriesBuffer::ReserveStrings(Generation& g, const RecordBatch& batch, const uint32_t* rows, size_t first,
                                    size_t k) {
  SeriesChunk& ch = *g.chunk;
  for (size_t c = 0; c < schema_->num_fields() && k > 0; ++c) {
    if (schema_->field(c).type != ColumnType::kString) continue;
    ChunkColumn& dc = ch.column(c);
    const Column& src = batch.column(c);
    const uint64_t bytes = StringBytes(src, rows, first, k);
    const StringBlock& fill = dc.blocks[dc.fill_block];
    const uint64_t end = dc.num_blocks == 0 ? 0 : uint64_t{fill.start} + fill.capacity;
    if (dc.used + bytes <= end) continue;
    // A new block takes these rows (those that do not fit the current block's tail) and the rest of
    // the chunk at the average length seen so far plus 1/16: a block's unused tail stays small.
    const uint64_t rest = ch.capacity() - g.used_in_chunk - k;
    const double avg = static_cast<double>(g.string_bytes[c] + bytes) / static_cast<double>(g.written + k);
    const uint64_t want = std::min<uint64_t>(
        bytes + static_cast<uint64_t>(avg * 1.0625 * static_cast<double>(rest)) + 64, uint64_t{1} << 31);
    size_t before = ch.allocated_bytes();
    bool ok = ch.AddBlock(c, want) || (want > bytes && ch.AddBlock(c, bytes));
    g.data_bytes += ch.allocated_bytes() - before;
    if (ok) continue;
    // Out of blocks: take only the rows whose strings fit the current block's tail.
    const uint32_t* off = src.offsets().data();
    uint64_t used = dc.used;
    size_t fit = 0;
    for (; fit < k; ++fit) {
      size_t r = RowAt(rows, first, fit);
      if (used + (off[r + 1] - off[r]) > end) break;
      used += off[r + 1] - off[r];
    }
    k = fit;
  }
  return k;
}

void SeriesBuffer::AppendRows(Generation& g, const RecordBatch& batch, const uint32_t* rows, size_t first, size_t n) {
  uint64_t latest = kNoRow;
  size_t done = 0;
  while (done < n) {
    if (g.chunk == nullptr || g.sealed || g.used_in_chunk == g.chunk->capacity()) StartChunk(g, n - done);
    SeriesChunk& ch = *g.chunk;
    const uint32_t* rs = rows ? rows + done : nullptr;
    const size_t base = rows ? 0 : first + done;
    size_t k = std::min(n - done, static_cast<size_t>(ch.capacity() - g.used_in_chunk));
    // A fresh chunk always fits one row (a block can hold any string a Column can), so this ends.
    k = ReserveStrings(g, batch, rs, base, k);
    if (k == 0) {
      g.sealed = true;
      continue;
    }
    const uint32_t at = g.used_in_chunk;
    for (size_t c = 0; c < schema_->num_fields(); ++c) {
      const Field& f = schema_->field(c);
      const Column& src = batch.column(c);
      ChunkColumn& dc = ch.column(c);
      if (f.type == ColumnType::kSymbol) continue;
      if (dc.validity != nullptr) {
        if (src.validity().empty()) {
          std::memset(dc.validity + at, 1, k);
        } else {
          CopyValues(dc.validity + at, src.validity().data(), rs, base, k);
        }
      }
      switch (f.type) {
        case ColumnType::kTimestamp:
        case ColumnType::kInt64: CopyValues(dc.As<int64_t>() + at, src.int64s().data(), rs, base, k); break;
        case ColumnType::kFloat32:
        case ColumnType::kFloat64: CopyValues(dc.As<double>() + at, src.doubles().data(), rs, base, k); break;
        case ColumnType::kInt32: CopyValues(dc.As<int32_t>() + at, src.int32s().data(), rs, base, k); break;
        case ColumnType::kBool: CopyValues(dc.values + at, src.bools().data(), rs, base, k); break;
        case ColumnType::kSymbol: break;
        case ColumnType::kString: {
          // ReserveStrings made sure the rows fit the current block's tail plus at most the next block.
          const uint32_t* off = src.offsets().data();
          const char* chars = src.chars().data();
          uint32_t* ends = dc.As<uint32_t>() + at;
          const StringBlock* blk = &dc.blocks[dc.fill_block];
          uint32_t used = dc.used;
          for (size_t j = 0; j < k; ++j) {
            const size_t r = RowAt(rs, base, j);
            const uint32_t len = off[r + 1] - off[r];
            if (uint64_t{used} + len > uint64_t{blk->start} + blk->capacity) {
              blk = &dc.blocks[++dc.fill_block];
              used = blk->start;
            }
            if (len > 0) std::memcpy(blk->data + (used - blk->start), chars + off[r], len);
            used += len;
            ends[j] = used;
          }
          g.string_bytes[c] += StringBytes(src, rs, base, k);
          dc.used = used;
          break;
        }
      }
    }
    const int64_t* ts = ch.column(static_cast<size_t>(ts_col_)).As<int64_t>() + at;
    for (size_t j = 0; j < k; ++j) {
      const int64_t t = ts[j];
      if (t < g.last_ts && !g.unsorted) {
        g.unsorted = true;
        g.unsorted_from.store(g.written + j, std::memory_order_relaxed);  // ordered by rows.store below
      }
      g.last_ts = t;
      if (t >= g.latest_ts) {  // >=: on equal ts the later arrival is the latest
        g.latest_ts_rows = t == g.latest_ts ? g.latest_ts_rows + 1 : 1;
        g.latest_ts = t;
        latest = PackRow(g.chunks.size() - 1, at + static_cast<uint32_t>(j));
      }
    }
    g.used_in_chunk += static_cast<uint32_t>(k);
    g.written += k;
    done += k;
  }
  // Publish all n rows at once (see the header): values first, then the count, then the latest row,
  // so whatever Latest returns is also inside the prefix a scan sees.
  g.rows.store(g.written, std::memory_order_release);
  if (latest != kNoRow) {
    // Before `latest`: a reader that sees the new latest row sees whether it is tied (one that sees
    // a newer flag with the older row only takes the tie path without need).
    g.latest_tied.store(g.latest_ts_rows > 1, std::memory_order_relaxed);
    g.latest.store(latest, std::memory_order_release);
  }
}

SeriesView SeriesBuffer::View(const Generation& g) {
  SeriesView view;
  view.rows = g.rows.load(std::memory_order_acquire);
  const uint64_t chunks = g.num_chunks.load(std::memory_order_acquire);
  const uint64_t unsorted = g.unsorted_from.load(std::memory_order_relaxed);
  view.sorted_rows = std::min(unsorted, view.rows);
  for (uint64_t c = 0; c < chunks; ++c) {
    const ChunkDirectory::Entry& e = g.dir.Get(c);
    if (e.first_row >= view.rows) break;
    uint64_t end = c + 1 < chunks ? std::min(g.dir.Get(c + 1).first_row, view.rows) : view.rows;
    view.parts.push_back({e.chunk, e.first_row, static_cast<uint32_t>(end - e.first_row)});
  }
  return view;
}

bool SeriesBuffer::CopyLatest(RecordBatch* out, bool* tied) const {
  std::shared_lock lock(gen_mu_);
  const Generation& g = *gen_;
  const uint64_t packed = g.latest.load(std::memory_order_acquire);
  if (packed == kNoRow) return false;
  if (tied != nullptr) *tied = g.latest_tied.load(std::memory_order_relaxed);
  CopyOneRow(*g.dir.Get(packed >> 32).chunk, static_cast<uint32_t>(packed), *schema_, symbol_, out);
  return true;
}

void SeriesBuffer::Scan(int64_t from, int64_t to, const std::vector<int>& cols, RecordBatch* out) const {
  std::shared_lock lock(gen_mu_);
  ScanView(View(*gen_), *schema_, symbol_, from, to, cols, out);
}

int64_t SeriesBuffer::DropUpTo(uint64_t lsn) {
  std::lock_guard lock(write_mu_);
  const Generation& old = *gen_;
  const std::vector<LsnRun>& runs = old.runs;
  if (std::none_of(runs.begin(), runs.end(), [&](const LsnRun& r) { return r.lsn <= lsn; })) return 0;
  // Rebuild from the kept rows, in arrival order, run by run so each keeps its LSN. Holding
  // write_mu_ makes `old` immutable; readers keep using it until the swap below.
  auto fresh = std::make_unique<Generation>(schema_->num_fields());
  const SeriesView view = View(old);
  RecordBatch kept(*schema_);
  uint64_t max_lsn = 0;
  int64_t dropped_max_ts = INT64_MIN;  // the rows dropped here now live in warm files
  for (size_t k = 0; k < runs.size();) {
    if (runs[k].lsn <= lsn) {
      const uint64_t run_end = k + 1 < runs.size() ? runs[k + 1].first_row : old.written;
      dropped_max_ts = std::max(dropped_max_ts, MaxTs(view, ts_col_, runs[k].first_row, run_end));
      ++k;
      continue;
    }
    size_t m = k;  // [k, m): consecutive kept runs, copied out at once
    while (m < runs.size() && runs[m].lsn > lsn) ++m;
    const uint64_t begin = runs[k].first_row;
    const uint64_t end = m < runs.size() ? runs[m].first_row : old.written;
    kept.Clear();
    CopyArrivalOrder(view, *schema_, symbol_, begin, end, &kept);
    for (; k < m; ++k) {
      const uint64_t run_end = k + 1 < runs.size() ? runs[k + 1].first_row : old.written;
      if (fresh->runs.empty() || fresh->runs.back().lsn != runs[k].lsn) {
        fresh->runs.push_back({fresh->written, runs[k].lsn});
      }
      AppendRows(*fresh, kept, nullptr, runs[k].first_row - begin, run_end - runs[k].first_row);
      max_lsn = std::max(max_lsn, runs[k].lsn);
    }
  }
  const size_t now = fresh->data_bytes + MetadataBytes(*fresh);
  {
    std::unique_lock gen_lock(gen_mu_);  // waits for readers of the old generation
    gen_.swap(fresh);
  }
  fresh.reset();  // the old generation, freed outside gen_mu_
  max_lsn_.store(max_lsn, std::memory_order_relaxed);
  int64_t known = flushed_max_ts_.load(std::memory_order_relaxed);
  while (known < dropped_max_ts &&
         !flushed_max_ts_.compare_exchange_weak(known, dropped_max_ts, std::memory_order_acq_rel)) {
  }
  return SetAllocated(now);
}

void SeriesBuffer::CopyUpTo(uint64_t lsn, RecordBatch* out) const {
  std::unique_lock write_lock(write_mu_);
  std::shared_lock gen_lock(gen_mu_);  // held until the copy ends: DropUpTo cannot swap gen_ meanwhile
  const Generation& g = *gen_;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;  // [begin, end) of rows to copy
  for (size_t k = 0; k < g.runs.size(); ++k) {
    if (g.runs[k].lsn > lsn) continue;
    const uint64_t begin = g.runs[k].first_row;
    const uint64_t end = k + 1 < g.runs.size() ? g.runs[k + 1].first_row : g.written;
    if (!ranges.empty() && ranges.back().second == begin) {
      ranges.back().second = end;
    } else {
      ranges.emplace_back(begin, end);
    }
  }
  const SeriesView view = View(g);
  write_lock.unlock();  // rows below the published count are never rewritten
  RecordBatch part(*schema_);
  for (const auto& [begin, end] : ranges) {
    if (out->num_rows() == 0) {
      CopyArrivalOrder(view, *schema_, symbol_, begin, end, out);
    } else {
      part.Clear();
      CopyArrivalOrder(view, *schema_, symbol_, begin, end, &part);
      out->Append(part).IgnoreError();  // same fields by construction
    }
  }
}

uint64_t SeriesBuffer::rows() const {
  std::shared_lock lock(gen_mu_);
  return gen_->rows.load(std::memory_order_acquire);
}

uint64_t SeriesBuffer::num_chunks() const {
  std::shared_lock lock(gen_mu_);
  return gen_->num_chunks.load(std::memory_order_acquire);
}

}  // namespace strata
