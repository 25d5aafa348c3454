#include "hot/series_buffer.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace strata {
namespace {

constexpr uint32_t kFirstChunkRows = 256;
constexpr uint32_t kMaxChunkRows = 16 * 1024;  // bounds the unused tail of the last chunk

size_t ChunkIndex(const std::vector<uint64_t>& first_row, uint64_t row) {
  return static_cast<size_t>(std::upper_bound(first_row.begin(), first_row.end(), row) - first_row.begin()) - 1;
}

}  // namespace

SeriesChunk::SeriesChunk(const Schema& schema, uint32_t cap, const std::vector<size_t>& arena_bytes) : capacity(cap) {
  const size_t n = schema.num_fields();
  fixed.resize(n);
  ends.resize(n);
  arenas.resize(n);
  arena_capacity.assign(n, 0);
  validity.resize(n);
  for (size_t c = 0; c < n; ++c) {
    const Field& f = schema.field(c);
    if (f.type == ColumnType::kSymbol) continue;  // one value per series, kept by the series
    if (IsStringLike(f.type)) {
      ends[c] = std::make_unique_for_overwrite<uint32_t[]>(cap);
      arenas[c] = std::make_unique_for_overwrite<char[]>(arena_bytes[c]);
      arena_capacity[c] = arena_bytes[c];
      allocated += cap * sizeof(uint32_t) + arena_bytes[c];
    } else {
      size_t bytes = static_cast<size_t>(FixedWidth(f.type)) * cap;
      fixed[c] = std::make_unique_for_overwrite<uint8_t[]>(bytes);
      allocated += bytes;
    }
    if (f.nullable) {
      validity[c] = std::make_unique_for_overwrite<uint8_t[]>(cap);
      allocated += cap;
    }
  }
}

SeriesBuffer::SeriesBuffer(std::string symbol, const Schema* schema)
    : symbol_(std::move(symbol)),
      schema_(schema),
      ts_col_(schema->ts_index()),
      arena_used_(schema->num_fields(), 0),
      string_bytes_seen_(schema->num_fields(), 0) {}

size_t SeriesBuffer::NewChunk(const std::vector<size_t>& min_arena) {
  uint32_t cap = chunks_.empty() ? kFirstChunkRows : std::min(chunks_.back()->capacity * 2, kMaxChunkRows);
  std::vector<size_t> arena(schema_->num_fields(), 0);
  for (size_t c = 0; c < arena.size(); ++c) {
    if (!IsStringLike(schema_->field(c).type)) continue;
    // Size the arena from the average string length seen so far, with 12% headroom.
    double avg = rows_ > 0 ? static_cast<double>(string_bytes_seen_[c]) / static_cast<double>(rows_) : 8.0;
    arena[c] = std::max(min_arena[c], static_cast<size_t>(avg * 1.12 * cap) + 16);
  }
  bool replace = !chunks_.empty() && used_in_last_ == 0;  // an empty last chunk whose arena was too small
  auto chunk = std::make_shared<SeriesChunk>(*schema_, cap, arena);
  size_t added = chunk->allocated;
  if (replace) {
    allocated_ -= chunks_.back()->allocated;
    added -= std::min(added, chunks_.back()->allocated);
    chunks_.back() = std::move(chunk);
  } else {
    chunks_.push_back(std::move(chunk));
    first_row_.push_back(rows_);
  }
  allocated_ += chunks_.back()->allocated;
  used_in_last_ = 0;
  std::fill(arena_used_.begin(), arena_used_.end(), 0);
  return added;
}

size_t SeriesBuffer::Append(const RecordBatch& batch, const uint32_t* rows, size_t n, uint64_t lsn) {
  std::lock_guard lock(mu_);
  if (lsn_runs_.empty() || lsn_runs_.back().lsn != lsn) lsn_runs_.push_back({rows_, lsn});
  max_lsn_ = std::max(max_lsn_, lsn);
  return AppendLocked(batch, rows, n);
}

size_t SeriesBuffer::AppendLocked(const RecordBatch& batch, const uint32_t* rows, size_t n) {
  const size_t ncols = schema_->num_fields();
  size_t added = 0;
  size_t done = 0;
  std::vector<size_t> need(ncols, 0);
  while (done < n) {
    if (chunks_.empty() || used_in_last_ == chunks_.back()->capacity) added += NewChunk(need);
    SeriesChunk& ch = *chunks_.back();
    size_t k = std::min(n - done, static_cast<size_t>(ch.capacity - used_in_last_));
    // Shrink k until every string column's bytes fit the arena.
    for (size_t c = 0; c < ncols && k > 0; ++c) {
      if (!ch.arenas[c]) continue;
      const Column& col = batch.column(c);
      size_t room = ch.arena_capacity[c] - arena_used_[c], bytes = 0, fit = 0;
      for (; fit < k; ++fit) {
        uint32_t r = rows[done + fit];
        size_t len = col.offsets()[r + 1] - col.offsets()[r];
        if (bytes + len > room) break;
        bytes += len;
      }
      k = fit;
    }
    if (k == 0) {
      // Not even one row fits: seal this chunk and start one whose arenas hold that row.
      for (size_t c = 0; c < ncols; ++c) {
        if (!ch.arenas[c]) continue;
        uint32_t r = rows[done];
        need[c] = batch.column(c).offsets()[r + 1] - batch.column(c).offsets()[r];
      }
      added += NewChunk(need);
      std::fill(need.begin(), need.end(), 0);
      continue;
    }
    const uint32_t* rs = rows + done;
    const size_t at = used_in_last_;
    for (size_t c = 0; c < ncols; ++c) {
      const Column& col = batch.column(c);
      const ColumnType type = col.type();
      if (type == ColumnType::kSymbol) continue;
      if (ch.validity[c]) {
        uint8_t* v = ch.validity[c].get() + at;
        if (col.validity().empty()) {
          std::memset(v, 1, k);
        } else {
          for (size_t j = 0; j < k; ++j) v[j] = col.validity()[rs[j]];
        }
      }
      if (ch.arenas[c]) {
        uint32_t* ends = ch.ends[c].get() + at;
        char* arena = ch.arenas[c].get();
        size_t pos = arena_used_[c];
        for (size_t j = 0; j < k; ++j) {
          uint32_t b = col.offsets()[rs[j]], e = col.offsets()[rs[j] + 1];
          std::memcpy(arena + pos, col.chars().data() + b, e - b);
          pos += e - b;
          ends[j] = static_cast<uint32_t>(pos);
        }
        string_bytes_seen_[c] += pos - arena_used_[c];
        arena_used_[c] = pos;
        continue;
      }
      switch (FixedWidth(type)) {
        case 8: {
          uint64_t* dst = reinterpret_cast<uint64_t*>(ch.fixed[c].get()) + at;
          const uint64_t* src = type == ColumnType::kFloat64 ? reinterpret_cast<const uint64_t*>(col.doubles().data())
                                                             : reinterpret_cast<const uint64_t*>(col.int64s().data());
          for (size_t j = 0; j < k; ++j) dst[j] = src[rs[j]];
          break;
        }
        case 4: {
          int32_t* dst = reinterpret_cast<int32_t*>(ch.fixed[c].get()) + at;
          for (size_t j = 0; j < k; ++j) dst[j] = col.int32s()[rs[j]];
          break;
        }
        default: {
          uint8_t* dst = ch.fixed[c].get() + at;
          for (size_t j = 0; j < k; ++j) dst[j] = col.bools()[rs[j]];
        }
      }
    }
    const int64_t* ts = batch.column(ts_col_).int64s().data();
    for (size_t j = 0; j < k; ++j) {
      int64_t t = ts[rs[j]];
      if (t < last_ts_) sorted_ = false;
      last_ts_ = t;
      if (t >= latest_ts_) {
        latest_ts_ = t;
        latest_row_ = rows_ + j;
      }
    }
    used_in_last_ += static_cast<uint32_t>(k);
    rows_ += k;
    done += k;
  }
  return added;
}

SeriesBuffer::Snapshot SeriesBuffer::Take() const {
  std::lock_guard lock(mu_);
  Snapshot s;
  s.rows = rows_;
  s.sorted = sorted_;
  s.chunks.assign(chunks_.begin(), chunks_.end());
  s.first_row = first_row_;
  return s;
}

namespace {

// Appends row `row` of the snapshot's column c to `out`.
void AppendValue(const SeriesBuffer::Snapshot& s, const Field& f, size_t c, uint64_t row, const std::string& symbol,
                 Column* out) {
  if (f.type == ColumnType::kSymbol) {
    out->AppendString(symbol);
    return;
  }
  size_t ci = ChunkIndex(s.first_row, row);
  const SeriesChunk& ch = *s.chunks[ci];
  size_t i = static_cast<size_t>(row - s.first_row[ci]);
  if (ch.validity[c] && ch.validity[c][i] == 0) {
    out->AppendNull();
    return;
  }
  switch (f.type) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: out->AppendInt64(reinterpret_cast<const int64_t*>(ch.fixed[c].get())[i]); break;
    case ColumnType::kFloat64: out->AppendDouble(reinterpret_cast<const double*>(ch.fixed[c].get())[i]); break;
    case ColumnType::kInt32: out->AppendInt32(reinterpret_cast<const int32_t*>(ch.fixed[c].get())[i]); break;
    case ColumnType::kBool: out->AppendBool(ch.fixed[c][i] != 0); break;
    default: {
      uint32_t b = i == 0 ? 0 : ch.ends[c][i - 1];
      out->AppendString(std::string_view(ch.arenas[c].get() + b, ch.ends[c][i] - b));
    }
  }
}

int64_t TsAt(const SeriesBuffer::Snapshot& s, int ts_col, uint64_t row) {
  size_t ci = ChunkIndex(s.first_row, row);
  return reinterpret_cast<const int64_t*>(s.chunks[ci]->fixed[ts_col].get())[row - s.first_row[ci]];
}

}  // namespace

bool SeriesBuffer::CopyLatest(RecordBatch* out) const {
  std::lock_guard lock(mu_);
  if (rows_ == 0) return false;
  size_t ci = ChunkIndex(first_row_, latest_row_);
  const SeriesChunk& ch = *chunks_[ci];
  size_t i = static_cast<size_t>(latest_row_ - first_row_[ci]);
  for (size_t c = 0; c < schema_->num_fields(); ++c) {
    Column& col = out->column(c);
    col.Clear();
    const Field& f = schema_->field(c);
    if (f.type == ColumnType::kSymbol) {
      col.AppendString(symbol_);
      continue;
    }
    if (ch.validity[c] && ch.validity[c][i] == 0) {
      col.AppendNull();
      continue;
    }
    switch (f.type) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64: col.AppendInt64(reinterpret_cast<const int64_t*>(ch.fixed[c].get())[i]); break;
      case ColumnType::kFloat64: col.AppendDouble(reinterpret_cast<const double*>(ch.fixed[c].get())[i]); break;
      case ColumnType::kInt32: col.AppendInt32(reinterpret_cast<const int32_t*>(ch.fixed[c].get())[i]); break;
      case ColumnType::kBool: col.AppendBool(ch.fixed[c][i] != 0); break;
      default: {
        uint32_t b = i == 0 ? 0 : ch.ends[c][i - 1];
        col.AppendString(std::string_view(ch.arenas[c].get() + b, ch.ends[c][i] - b));
      }
    }
  }
  return true;
}

void SeriesBuffer::CopyRange(const Snapshot& snap, const Schema& schema, const std::vector<int>& cols, int64_t from,
                             int64_t to, const std::string& symbol, RecordBatch* out) {
  const int ts_col = schema.ts_index();
  std::vector<uint64_t> order;
  uint64_t lo = 0, hi = 0;
  if (snap.sorted) {
    // Binary search the sorted ts for [from, to).
    auto lower = [&](int64_t t) {
      uint64_t a = 0, b = snap.rows;
      while (a < b) {
        uint64_t m = a + (b - a) / 2;
        if (TsAt(snap, ts_col, m) < t) a = m + 1; else b = m;
      }
      return a;
    };
    lo = lower(from);
    hi = lower(to);
    if (hi <= lo) return;
  } else {
    for (uint64_t r = 0; r < snap.rows; ++r) {
      int64_t t = TsAt(snap, ts_col, r);
      if (t >= from && t < to) order.push_back(r);
    }
    if (order.empty()) return;
    std::stable_sort(order.begin(), order.end(),
                     [&](uint64_t a, uint64_t b) { return TsAt(snap, ts_col, a) < TsAt(snap, ts_col, b); });
  }
  size_t n = snap.sorted ? static_cast<size_t>(hi - lo) : order.size();
  for (size_t k = 0; k < cols.size(); ++k) {
    const int c = cols[k];
    const Field& f = schema.field(c);
    Column& dst = out->column(k);
    dst.Reserve(dst.size() + n);
    bool bulk = snap.sorted && f.type != ColumnType::kSymbol && !IsStringLike(f.type) && !f.nullable;
    if (bulk) {
      // Copy contiguous runs chunk by chunk.
      uint64_t r = lo;
      while (r < hi) {
        size_t ci = ChunkIndex(snap.first_row, r);
        const SeriesChunk& ch = *snap.chunks[ci];
        uint64_t chunk_end = ci + 1 < snap.first_row.size() ? snap.first_row[ci + 1] : snap.rows;
        uint64_t end = std::min(hi, chunk_end);
        size_t i = static_cast<size_t>(r - snap.first_row[ci]), cnt = static_cast<size_t>(end - r);
        const uint8_t* src = ch.fixed[c].get();
        switch (f.type) {
          case ColumnType::kTimestamp:
          case ColumnType::kInt64: {
            auto p = reinterpret_cast<const int64_t*>(src) + i;
            dst.int64s().insert(dst.int64s().end(), p, p + cnt);
            break;
          }
          case ColumnType::kFloat64: {
            auto p = reinterpret_cast<const double*>(src) + i;
            dst.doubles().insert(dst.doubles().end(), p, p + cnt);
            break;
          }
          case ColumnType::kInt32: {
            auto p = reinterpret_cast<const int32_t*>(src) + i;
            dst.int32s().insert(dst.int32s().end(), p, p + cnt);
            break;
          }
          default: dst.bools().insert(dst.bools().end(), src + i, src + i + cnt);
        }
        r = end;
      }
      dst.SetSizeFromStorage().IgnoreError();  // sizes agree by construction
      continue;
    }
    for (size_t j = 0; j < n; ++j) {
      AppendValue(snap, f, static_cast<size_t>(c), snap.sorted ? lo + j : order[j], symbol, &dst);
    }
  }
}

int64_t SeriesBuffer::DropUpTo(uint64_t lsn) {
  std::lock_guard lock(mu_);
  bool any = false, all = true;
  for (const LsnRun& run : lsn_runs_) {
    if (run.lsn <= lsn) any = true; else all = false;
  }
  if (!any) return 0;
  // Copy the rows to keep, in arrival order, then rebuild the chunks from them.
  Snapshot snap{rows_, true, {chunks_.begin(), chunks_.end()}, first_row_};
  std::vector<LsnRun> runs = lsn_runs_;
  size_t before = allocated_;
  chunks_.clear();
  first_row_.clear();
  rows_ = 0;
  used_in_last_ = 0;
  sorted_ = true;
  last_ts_ = INT64_MIN;
  latest_ts_ = INT64_MIN;
  latest_row_ = 0;
  lsn_runs_.clear();
  max_lsn_ = 0;
  allocated_ = 0;
  std::fill(string_bytes_seen_.begin(), string_bytes_seen_.end(), 0);
  if (!all) {
    std::vector<int> cols(schema_->num_fields());
    std::iota(cols.begin(), cols.end(), 0);
    for (size_t k = 0; k < runs.size(); ++k) {
      if (runs[k].lsn <= lsn) continue;
      uint64_t end = k + 1 < runs.size() ? runs[k + 1].first_row : snap.rows;
      RecordBatch rows(*schema_);
      for (size_t c = 0; c < cols.size(); ++c) {
        for (uint64_t r = runs[k].first_row; r < end; ++r) {
          AppendValue(snap, schema_->field(c), c, r, symbol_, &rows.column(c));
        }
      }
      std::vector<uint32_t> idx(rows.num_rows());
      std::iota(idx.begin(), idx.end(), 0);
      lsn_runs_.push_back({rows_, runs[k].lsn});
      max_lsn_ = std::max(max_lsn_, runs[k].lsn);
      AppendLocked(rows, idx.data(), idx.size());
    }
  }
  return static_cast<int64_t>(allocated_) - static_cast<int64_t>(before);
}

uint64_t SeriesBuffer::rows() const {
  std::lock_guard lock(mu_);
  return rows_;
}

uint64_t SeriesBuffer::max_lsn() const {
  std::lock_guard lock(mu_);
  return max_lsn_;
}

size_t SeriesBuffer::allocated_bytes() const {
  std::lock_guard lock(mu_);
  return allocated_;
}

}  // namespace strata
