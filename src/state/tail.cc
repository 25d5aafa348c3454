// Tail (strata/state.h): the last n rows of a series without scanning the day.
#include <limits>

#include "strata/state.h"

namespace strata {

Result<RecordBatch> Tail(Database* db, std::string_view table, std::string_view symbol, size_t n) {
  return TailAt(db, table, symbol, n, std::numeric_limits<int64_t>::max());
}

Result<RecordBatch> TailAt(Database* db, std::string_view table, std::string_view symbol, size_t n, int64_t at_ts) {
  ASSIGN_OR_RETURN(TableDef def, db->GetTable(table));
  RecordBatch latest;
  RETURN_IF_ERROR(db->Latest(table, symbol, &latest));
  int64_t last = latest.column(static_cast<size_t>(def.schema.ts_index())).int64s()[0];
  if (n == 0) return RecordBatch(def.schema);
  if (last > at_ts) last = at_ts;  // the windows then end at at_ts (and may find nothing there)
  ScanRequest req;
  req.table = std::string(table);
  req.symbols = {std::string(symbol)};
  req.to_ts = last == std::numeric_limits<int64_t>::max() ? last : last + 1;
  // A window boundary is a timestamp: rows tied at it are all in or all out, so the last n rows of
  // a window holding at least n rows are the last n of the series.
  int64_t width = 1'000'000'000;  // 1 s of event time first
  for (;;) {
    // last - INT64_MIN in unsigned arithmetic (it exceeds INT64_MAX for last >= 0).
    const bool whole = width == std::numeric_limits<int64_t>::max() ||
                       static_cast<uint64_t>(last) - static_cast<uint64_t>(std::numeric_limits<int64_t>::min()) <=
                           static_cast<uint64_t>(width);
    req.from_ts = whole ? std::numeric_limits<int64_t>::min() : last - width;
    ASSIGN_OR_RETURN(std::vector<RecordBatch> batches, db->Scan(req));
    size_t rows = 0;
    for (const RecordBatch& b : batches) rows += b.num_rows();
    if (rows >= n || whole) {
      RecordBatch out(def.schema);
      size_t skip = rows > n ? rows - n : 0;
      for (const RecordBatch& b : batches) {
        if (skip >= b.num_rows()) {
          skip -= b.num_rows();
          continue;
        }
        RETURN_IF_ERROR(out.Append(b.Slice(skip, b.num_rows() - skip)));
        skip = 0;
      }
      return out;
    }
    width = width > std::numeric_limits<int64_t>::max() / 8 ? std::numeric_limits<int64_t>::max() : width * 8;
  }
}

}  // namespace strata
