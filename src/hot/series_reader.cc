#include "hot/series_reader.h"

#include <algorithm>
#include <cstring>

namespace strata {
namespace {

// A run of consecutive rows inside one chunk.
struct Run {
  const SeriesChunk* chunk;
  uint32_t begin;
  uint32_t count;
};

// One selected row, for out-of-order series: its ts (the sort key) and where it lives.
struct Loc {
  int64_t ts;
  const SeriesChunk* chunk;
  uint32_t row;
};

// Index of the part that holds series row `row`. REQUIRES: row < view.rows.
size_t PartOf(const SeriesView& view, uint64_t row) {
  auto it = std::upper_bound(view.parts.begin(), view.parts.end(), row,
                             [](uint64_t r, const SeriesView::Part& p) { return r < p.first_row; });
  return static_cast<size_t>(it - view.parts.begin()) - 1;
}

int64_t TsAt(const SeriesView& view, int ts_col, uint64_t row) {
  const SeriesView::Part& p = view.parts[PartOf(view, row)];
  return p.chunk->column(static_cast<size_t>(ts_col)).As<int64_t>()[row - p.first_row];
}

// First row in [lo, hi) whose ts is >= t, or hi. REQUIRES: rows [lo, hi) are sorted by ts.
uint64_t LowerBound(const SeriesView& view, int ts_col, uint64_t lo, uint64_t hi, int64_t t) {
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (TsAt(view, ts_col, mid) < t) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Rows [begin, end) of the view as runs inside chunks.
std::vector<Run> RunsOf(const SeriesView& view, uint64_t begin, uint64_t end) {
  std::vector<Run> runs;
  if (begin >= end) return runs;
  for (size_t p = PartOf(view, begin); p < view.parts.size() && begin < end; ++p) {
    const SeriesView::Part& part = view.parts[p];
    uint64_t stop = std::min(end, part.first_row + part.rows);
    runs.push_back({part.chunk, static_cast<uint32_t>(begin - part.first_row), static_cast<uint32_t>(stop - begin)});
    begin = stop;
  }
  return runs;
}

template <typename T>
void AppendFixed(std::vector<T>& dst, const ChunkColumn& src, uint32_t begin, uint32_t count) {
  const T* p = src.As<T>() + begin;
  dst.insert(dst.end(), p, p + count);
}

// Appends the values of rows [begin, begin+count) of `src` to dst's typed storage (not its size).
void AppendRunValues(const Field& f, std::string_view symbol, const ChunkColumn& src, uint32_t begin, uint32_t count,
                     Column* dst) {
  switch (f.type) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: AppendFixed(dst->int64s(), src, begin, count); break;
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: AppendFixed(dst->doubles(), src, begin, count); break;
    case ColumnType::kInt32: AppendFixed(dst->int32s(), src, begin, count); break;
    case ColumnType::kBool: AppendFixed(dst->bools(), src, begin, count); break;
    case ColumnType::kSymbol:
      for (uint32_t i = 0; i < count; ++i) {
        dst->chars().append(symbol);
        dst->offsets().push_back(static_cast<uint32_t>(dst->chars().size()));
      }
      break;
    case ColumnType::kString: {
      uint32_t block = 0;
      for (uint32_t i = begin; i < begin + count; ++i) {
        dst->chars().append(src.StringAt(i, &block));
        dst->offsets().push_back(static_cast<uint32_t>(dst->chars().size()));
      }
      break;
    }
  }
  if (f.nullable && f.type != ColumnType::kSymbol) {
    dst->validity().insert(dst->validity().end(), src.validity + begin, src.validity + begin + count);
  }
}

void AppendOneValue(const Field& f, std::string_view symbol, const ChunkColumn& src, uint32_t i, Column* dst) {
  switch (f.type) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: dst->int64s().push_back(src.As<int64_t>()[i]); break;
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: dst->doubles().push_back(src.As<double>()[i]); break;
    case ColumnType::kInt32: dst->int32s().push_back(src.As<int32_t>()[i]); break;
    case ColumnType::kBool: dst->bools().push_back(src.values[i]); break;
    case ColumnType::kSymbol:
      dst->chars().append(symbol);
      dst->offsets().push_back(static_cast<uint32_t>(dst->chars().size()));
      break;
    case ColumnType::kString: {
      uint32_t block = 0;
      dst->chars().append(src.StringAt(i, &block));
      dst->offsets().push_back(static_cast<uint32_t>(dst->chars().size()));
      break;
    }
  }
  if (f.nullable && f.type != ColumnType::kSymbol) dst->validity().push_back(src.validity[i]);
}

// Fixes up a column filled through its typed storage: drops an all-valid validity vector (the
// batch convention is "empty while no row is null") and sets its size.
void Finish(Column* dst) {
  std::vector<uint8_t>& v = dst->validity();
  if (std::find(v.begin(), v.end(), uint8_t{0}) == v.end()) v.clear();
  dst->SetSizeFromStorage().IgnoreError();  // every vector was appended for every row
}

void CopyRuns(const std::vector<Run>& runs, uint64_t n, const Schema& schema, std::string_view symbol,
              const std::vector<int>& cols, RecordBatch* out) {
  for (size_t k = 0; k < cols.size(); ++k) {
    const size_t c = static_cast<size_t>(cols[k]);
    const Field& f = schema.field(c);
    Column* dst = &out->column(k);
    dst->Reserve(n, f.type == ColumnType::kSymbol ? n * symbol.size() : 0);
    if (f.nullable) dst->validity().reserve(n);
    for (const Run& r : runs) AppendRunValues(f, symbol, r.chunk->column(c), r.begin, r.count, dst);
    Finish(dst);
  }
}

}  // namespace

void ScanView(const SeriesView& view, const Schema& schema, std::string_view symbol, int64_t from, int64_t to,
              const std::vector<int>& cols, RecordBatch* out) {
  if (view.rows == 0 || from >= to) return;
  const int ts_col = schema.ts_index();
  const uint64_t sorted = std::min(view.sorted_rows, view.rows);
  // In the sorted prefix the range is found by binary search.
  const uint64_t lo = LowerBound(view, ts_col, 0, sorted, from);
  const uint64_t hi = LowerBound(view, ts_col, lo, sorted, to);
  if (sorted == view.rows) {
    CopyRuns(RunsOf(view, lo, hi), hi - lo, schema, symbol, cols, out);
    return;
  }
  // Rows arrived out of order: take the prefix's range plus the matching later rows, sort the later
  // ones stably and merge (stable: the prefix arrived first, so it wins ties).
  std::vector<Loc> sel;
  sel.reserve(static_cast<size_t>(hi - lo));
  for (const Run& r : RunsOf(view, lo, hi)) {
    const int64_t* ts = r.chunk->column(static_cast<size_t>(ts_col)).As<int64_t>();
    for (uint32_t i = r.begin; i < r.begin + r.count; ++i) sel.push_back({ts[i], r.chunk, i});
  }
  const size_t mid = sel.size();
  for (const Run& r : RunsOf(view, sorted, view.rows)) {
    const int64_t* ts = r.chunk->column(static_cast<size_t>(ts_col)).As<int64_t>();
    for (uint32_t i = r.begin; i < r.begin + r.count; ++i) {
      if (ts[i] >= from && ts[i] < to) sel.push_back({ts[i], r.chunk, i});
    }
  }
  auto by_ts = [](const Loc& a, const Loc& b) { return a.ts < b.ts; };
  std::stable_sort(sel.begin() + static_cast<ptrdiff_t>(mid), sel.end(), by_ts);
  std::inplace_merge(sel.begin(), sel.begin() + static_cast<ptrdiff_t>(mid), sel.end(), by_ts);
  for (size_t k = 0; k < cols.size(); ++k) {
    const size_t c = static_cast<size_t>(cols[k]);
    const Field& f = schema.field(c);
    Column* dst = &out->column(k);
    dst->Reserve(sel.size(), f.type == ColumnType::kSymbol ? sel.size() * symbol.size() : 0);
    if (f.nullable) dst->validity().reserve(sel.size());
    for (const Loc& l : sel) AppendOneValue(f, symbol, l.chunk->column(c), l.row, dst);
    Finish(dst);
  }
}

void CopyArrivalOrder(const SeriesView& view, const Schema& schema, std::string_view symbol, uint64_t begin,
                      uint64_t end, RecordBatch* out) {
  std::vector<int> cols(schema.num_fields());
  for (size_t c = 0; c < cols.size(); ++c) cols[c] = static_cast<int>(c);
  CopyRuns(RunsOf(view, begin, end), end - begin, schema, symbol, cols, out);
}

void CopyOneRow(const SeriesChunk& chunk, uint32_t row, const Schema& schema, std::string_view symbol,
                RecordBatch* out) {
  for (size_t c = 0; c < schema.num_fields(); ++c) {
    const Field& f = schema.field(c);
    const ChunkColumn& src = chunk.column(c);
    Column& col = out->column(c);
    col.Clear();
    if (f.nullable && f.type != ColumnType::kSymbol && src.validity[row] == 0) {
      col.AppendNull();
      continue;
    }
    switch (f.type) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64: col.AppendInt64(src.As<int64_t>()[row]); break;
      case ColumnType::kFloat32:
      case ColumnType::kFloat64: col.AppendDouble(src.As<double>()[row]); break;
      case ColumnType::kInt32: col.AppendInt32(src.As<int32_t>()[row]); break;
      case ColumnType::kBool: col.AppendBool(src.values[row] != 0); break;
      case ColumnType::kSymbol: col.AppendString(symbol); break;
      case ColumnType::kString: {
        uint32_t block = 0;
        col.AppendString(src.StringAt(row, &block));
        break;
      }
    }
  }
}

}  // namespace strata
