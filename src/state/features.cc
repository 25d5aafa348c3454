// Feature windows and walk-forward folds (strata/state.h).
#include <cstdint>
#include <limits>
#include <string>

#include "strata/state.h"

namespace strata {

namespace {
constexpr uint64_t kMaxFolds = 1'000'000;
}  // namespace

Result<RecordBatch> LatestFeatures(Database* db, std::string_view table, std::string_view symbol) {
  RecordBatch latest;
  RETURN_IF_ERROR(db->Latest(table, symbol, &latest));
  return latest;
}

Result<RecordBatch> FeatureWindow(Database* db, std::string_view table, std::string_view symbol, size_t last_n,
                                  int64_t duration_ns) {
  if (last_n > 0) return Tail(db, table, symbol, last_n);
  if (duration_ns <= 0) {
    return Status::InvalidArgument("a feature window needs a row count or a duration > 0");
  }
  ASSIGN_OR_RETURN(TableDef def, db->GetTable(table));
  RecordBatch latest;
  RETURN_IF_ERROR(db->Latest(table, symbol, &latest));
  const int64_t last = latest.column(static_cast<size_t>(def.schema.ts_index())).int64s()[0];
  ScanRequest req;
  req.table = std::string(table);
  req.symbols = {std::string(symbol)};
  // (last - duration_ns, last] without signed overflow: the whole series when it reaches INT64_MIN.
  const bool whole = static_cast<uint64_t>(last) - static_cast<uint64_t>(std::numeric_limits<int64_t>::min()) <
                     static_cast<uint64_t>(duration_ns);
  req.from_ts = whole ? std::numeric_limits<int64_t>::min() : last - duration_ns + 1;
  req.to_ts = last == std::numeric_limits<int64_t>::max() ? last : last + 1;
  ASSIGN_OR_RETURN(std::vector<RecordBatch> batches, db->Scan(req));
  if (batches.size() == 1) return std::move(batches[0]);
  RecordBatch out(def.schema);
  for (const RecordBatch& b : batches) RETURN_IF_ERROR(out.Append(b));
  return out;
}

Result<std::vector<Fold>> WalkForwardFolds(int64_t from, int64_t to, int64_t train_ns, int64_t test_ns,
                                           int64_t step_ns) {
  if (train_ns <= 0 || test_ns <= 0 || step_ns <= 0) {
    return Status::InvalidArgument("walk-forward folds need --train, --test and --step > 0");
  }
  if (from >= to) return Status::InvalidArgument("walk-forward folds need --from before --to");
  std::vector<Fold> folds;
  // Lengths compared in unsigned arithmetic: to - start may exceed INT64_MAX.
  const auto room = [to](int64_t start) { return static_cast<uint64_t>(to) - static_cast<uint64_t>(start); };
  const auto train = static_cast<uint64_t>(train_ns), test = static_cast<uint64_t>(test_ns);
  if (train + test <= room(from)) {
    const uint64_t count = (room(from) - train - test) / static_cast<uint64_t>(step_ns) + 1;
    if (count > kMaxFolds) {
      return Status::InvalidArgument("walk-forward folds: " + std::to_string(count) + " folds (more than " +
                                     std::to_string(kMaxFolds) + "): use a larger --step");
    }
    folds.reserve(count);
  }
  for (int64_t start = from;; start += step_ns) {
    if (train > room(start) || test > room(start) - train) break;  // the fold would end past `to`
    Fold f;
    f.index = static_cast<int>(folds.size());
    f.train_from = start;
    f.train_to = start + train_ns;
    f.test_from = f.train_to;
    f.test_to = f.test_from + test_ns;
    folds.push_back(f);
    if (static_cast<uint64_t>(step_ns) > room(start)) break;
  }
  return folds;
}

ScanRequest FoldScan(std::string_view table, const Fold& fold, bool train) {
  ScanRequest req;
  req.table = std::string(table);
  req.from_ts = train ? fold.train_from : fold.test_from;
  req.to_ts = train ? fold.train_to : fold.test_to;
  return req;
}

}  // namespace strata
