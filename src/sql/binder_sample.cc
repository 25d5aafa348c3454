// QuestDB's SAMPLE BY: a GROUP BY of the time bucket of the table's timestamp and the SELECT
// list's non-aggregate columns, then FILL for the empty buckets, in bucket order. And the
// rewrite of OHLCV aggregates of trades (SAMPLE BY or GROUP BY time_bucket) onto the engine's
// bars, which derived bar tables answer without reading the rows.
#include <algorithm>
#include <map>

#include "query/bars.h"
#include "query/batch_stream.h"
#include "sql/binder_internal.h"
#include "sql/literal.h"

namespace strata::sql::internal {

namespace {

constexpr int64_t kSampleDayNs = 86'400'000'000'000LL;

// An interval literal or a time_bucket(INTERVAL, ts) call's width; 0 when it is not one.
int64_t BucketStep(const Expr& key, const Scope& s) {
  if (key.kind != ExprKind::kFunction || key.name.size() != 1 || key.name[0] != "time_bucket" || key.args.size() != 2) {
    return 0;
  }
  const Expr& w = *key.args[0];
  if (w.kind != ExprKind::kLiteral || w.literal.kind != LiteralKind::kInterval) return 0;
  return IsColumn(*key.args[1], s.ts_column, s) ? w.literal.int_value : 0;
}

// Fixed-width keys of one row's key columns, for grouping rows in the fill.
std::string RowKey(const RecordBatch& b, size_t row, const std::vector<int>& cols) {
  std::string k;
  for (int c : cols) {
    const Column& col = b.column(c);
    if (col.IsNull(row)) {
      k += '\0';
      continue;
    }
    k += '\1';
    switch (col.type()) {
      case ColumnType::kInt64:
      case ColumnType::kTimestamp: k.append(reinterpret_cast<const char*>(&col.int64s()[row]), 8); break;
      case ColumnType::kInt32: k.append(reinterpret_cast<const char*>(&col.int32s()[row]), 4); break;
      case ColumnType::kFloat32:
      case ColumnType::kFloat64: k.append(reinterpret_cast<const char*>(&col.doubles()[row]), 8); break;
      case ColumnType::kBool: k += col.bools()[row] ? '1' : '0'; break;
      default: {
        const std::string_view v = col.GetString(row);
        const uint64_t n = v.size();
        k.append(reinterpret_cast<const char*>(&n), 8);
        k.append(v);
      }
    }
  }
  return k;
}

Status AppendFillValue(Column* col, const q::Value& v) {
  if (v.is_null) {
    col->AppendNull();
    return Status::OK();
  }
  const bool is_float = v.type == q::ExprType::kFloat64;
  const bool number = is_float || v.type == q::ExprType::kInt64;
  switch (number ? col->type() : ColumnType::kString) {
    case ColumnType::kFloat64: col->AppendDouble(is_float ? v.d : static_cast<double>(v.i)); return Status::OK();
    case ColumnType::kFloat32:  // the nearest float
      col->AppendDouble(static_cast<float>(is_float ? v.d : static_cast<double>(v.i)));
      return Status::OK();
    case ColumnType::kInt64:
      if (is_float) break;
      col->AppendInt64(v.i);
      return Status::OK();
    case ColumnType::kInt32:
      if (is_float || v.i < INT32_MIN || v.i > INT32_MAX) break;
      col->AppendInt32(static_cast<int32_t>(v.i));
      return Status::OK();
    case ColumnType::kString:
      if (v.type != q::ExprType::kString ||
          (col->type() != ColumnType::kString && col->type() != ColumnType::kSymbol)) {
        break;
      }
      col->AppendString(v.s);
      return Status::OK();
    default: break;
  }
  return Status::InvalidArgument("FILL value " + v.ToString() + " does not fit a column of type " +
                                 std::string(ColumnTypeName(col->type())));
}

// Linear interpolation at `k` of `n` steps between rows a and b of `col` (nulls at either end: null).
void AppendLinear(Column* out, const Column& col, size_t a, size_t b, int64_t k, int64_t n) {
  if (col.IsNull(a) || col.IsNull(b)) {
    out->AppendNull();
    return;
  }
  switch (col.type()) {
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: {
      const double y0 = col.doubles()[a], y1 = col.doubles()[b];
      const double y = y0 + (y1 - y0) * static_cast<double>(k) / static_cast<double>(n);
      out->AppendDouble(col.type() == ColumnType::kFloat32 ? static_cast<float>(y) : y);  // f32: the nearest float
      return;
    }
    case ColumnType::kInt64: {
      const __int128 y0 = col.int64s()[a], y1 = col.int64s()[b];
      out->AppendInt64(static_cast<int64_t>(y0 + (y1 - y0) * k / n));
      return;
    }
    case ColumnType::kInt32: {
      const int64_t y0 = col.int32s()[a], y1 = col.int32s()[b];
      out->AppendInt32(static_cast<int32_t>(y0 + (y1 - y0) * k / n));
      return;
    }
    default: out->AppendNull();
  }
}

}  // namespace

Result<q::Expr> SampleBucket(const Query& query, const Scope& s, bool from_table) {
  const SampleBy& sb = *query.sample_by;
  if (!from_table) return NotYet(sb.pos, "SAMPLE BY over a subquery, a join or LATEST ON");
  if (!sb.align_calendar) return NotYet(sb.pos, "SAMPLE BY ... ALIGN TO FIRST OBSERVATION");
  if (kSampleDayNs % sb.step_ns != 0 && sb.step_ns != 7 * kSampleDayNs) {
    return NotYet(sb.pos, "SAMPLE BY " + FormatSampleStep(sb.step_ns) +
                              " (a step that does not divide a day; 1w is the only longer one)");
  }
  if (s.used != nullptr && std::find(s.used->begin(), s.used->end(), s.ts_column) == s.used->end()) {
    s.used->push_back(s.ts_column);
  }
  // Calendar alignment in UTC: for steps dividing a day, multiples of the step from midnight;
  // 1w starts on Mondays (time_bucket's origin 2000-01-03, a Monday).
  return q::Func("time_bucket", {q::Lit(q::Value::OfInterval(q::Interval{0, 0, sb.step_ns})), q::Col(s.ts_column)});
}

Status FinishSample(const Query& query, const std::vector<int>& agg_item, BoundSelect* b) {
  const SampleBy& sb = *query.sample_by;
  if (query.order_by.empty()) {
    // QuestDB answers in bucket order; then by the other keys.
    for (size_t k = 0; k < b->keys.size(); ++k) b->order.push_back({q::Col("__k" + std::to_string(k))});
  }
  bool none = false, other = false;
  for (const Fill& f : sb.fills) (f.kind == FillKind::kNone ? none : other) = true;
  if (!other) return Status::OK();
  if (none) return NotYet(sb.fills[0].pos, "FILL(NONE) mixed with other fills");
  std::vector<int> items;  // the SELECT items with aggregates, in order
  for (int i : agg_item) {
    if (i >= 0 && std::find(items.begin(), items.end(), i) == items.end()) items.push_back(i);
  }
  std::sort(items.begin(), items.end());
  if (sb.fills.size() != 1 && sb.fills.size() != items.size()) {
    return Err(sb.fills[0].pos, "FILL has " + std::to_string(sb.fills.size()) + " values for " +
                                    std::to_string(items.size()) + " aggregate columns (give one, or one per column)");
  }
  auto fill = std::make_shared<BoundFill>();
  fill->bucket = "__k0";
  fill->step_ns = sb.step_ns;
  for (size_t k = 1; k < b->keys.size(); ++k) fill->keys.push_back("__k" + std::to_string(k));
  for (size_t a = 0; a < b->aggs.size(); ++a) {
    BoundFill::Agg fa;
    fa.column = b->aggs[a].name;
    const Fill* f = &sb.fills[0];
    if (sb.fills.size() > 1) {
      auto it = std::find(items.begin(), items.end(), agg_item[a]);
      f = it == items.end() ? nullptr : &sb.fills[it - items.begin()];
    }
    fa.kind = f == nullptr ? FillKind::kNull : f->kind;
    if (fa.kind == FillKind::kValue) {
      const Literal& l = f->value->literal;
      switch (l.kind) {
        case LiteralKind::kInteger: fa.value = q::Value::Int64(l.int_value); break;
        case LiteralKind::kFloat: fa.value = q::Value::Float64(l.float_value); break;
        case LiteralKind::kString: fa.value = q::Value::String(l.text); break;
        case LiteralKind::kNull: fa.kind = FillKind::kNull; break;
        default: return NotYet(f->pos, "a FILL value other than a number or a string");
      }
    }
    fill->aggs.push_back(std::move(fa));
  }
  b->fill = std::move(fill);
  return Status::OK();
}

void TryBars(const Query& query, const Scope& s, const TableDef& def, const std::vector<const Expr*>& key_exprs,
             const std::vector<const Expr*>& agg_exprs, BoundSelect* b) {
  if (!b->from_table || b->where || b->empty_range || b->scan.limit || b->aggs.size() != agg_exprs.size()) return;
  const Schema& schema = def.schema;
  const int price = schema.FieldIndex("price"), size = schema.FieldIndex("size");
  if (price < 0 || size < 0) return;
  const Field& pf = schema.field(price);
  const Field& sf = schema.field(size);
  // Bars skip rows with a null price or size; SQL's first/last would not: only non-null columns.
  if (pf.type != ColumnType::kFloat64 || pf.nullable || sf.nullable ||
      (sf.type != ColumnType::kInt64 && sf.type != ColumnType::kInt32)) {
    return;
  }
  const std::string& sym = schema.field(schema.symbol_index()).name;
  std::vector<q::NamedExpr> map;
  int64_t step = 0;
  bool by_symbol = false;
  for (size_t k = 0; k < b->keys.size(); ++k) {
    const std::string name = "__k" + std::to_string(k);
    const Expr* e = key_exprs[k];
    if (e == nullptr && query.sample_by && k == 0) {
      step = query.sample_by->step_ns;
      map.push_back({name, q::Col("ts")});
    } else if (e != nullptr && step == 0 && BucketStep(*e, s) > 0) {
      step = BucketStep(*e, s);
      map.push_back({name, q::Col("ts")});
    } else if (e != nullptr && !by_symbol && IsColumn(*e, sym, s)) {
      by_symbol = true;
      map.push_back({name, q::Col("symbol")});
    } else {
      return;
    }
  }
  // Bars are epoch-aligned, time_bucket from 2000-01-03: the same buckets when the step divides a day.
  if (step < q::kMinBarInterval || step > q::kMaxBarInterval || step % 1'000'000'000 != 0 || kSampleDayNs % step != 0) {
    return;
  }
  if (!by_symbol && b->scan.symbols.size() != 1) return;  // bars are per symbol
  for (size_t i = 0; i < b->aggs.size(); ++i) {
    const q::AggregateSpec& a = b->aggs[i];
    const Expr& e = *agg_exprs[i];
    if (a.distinct) return;
    const bool on_price = e.args.size() == 1 && IsColumn(*e.args[0], pf.name, s);
    const bool on_size = e.args.size() == 1 && IsColumn(*e.args[0], sf.name, s);
    std::string col;
    switch (a.kind) {
      case q::AggKind::kFirst: col = on_price ? "open" : ""; break;
      case q::AggKind::kLast: col = on_price ? "close" : ""; break;
      case q::AggKind::kMax: col = on_price ? "high" : ""; break;
      case q::AggKind::kMin: col = on_price ? "low" : ""; break;
      case q::AggKind::kSum: col = on_size && sf.type == ColumnType::kInt64 ? "volume" : ""; break;
      case q::AggKind::kCountStar: col = "count"; break;
      case q::AggKind::kCount: col = on_price || on_size ? "count" : ""; break;
      default: break;
    }
    if (col.empty()) return;
    map.push_back({a.name, q::Col(col)});
  }
  auto bars = std::make_shared<BoundBars>();
  bars->plan = b->scan;
  bars->plan.columns.clear();
  bars->plan.bar_interval_ns = step;
  bars->plan.allow_derived_bars = true;
  bars->map = std::move(map);
  b->bars = std::move(bars);
}

Result<std::unique_ptr<q::BatchStream>> MakeFillStream(std::unique_ptr<q::BatchStream> in, const BoundFill& fill) {
  const std::vector<Field> fields = in->fields();
  const int bucket = q::FindField(fields, fill.bucket);
  std::vector<int> keys, aggs;
  for (const std::string& k : fill.keys) keys.push_back(q::FindField(fields, k));
  for (const BoundFill::Agg& a : fill.aggs) aggs.push_back(q::FindField(fields, a.column));
  if (bucket < 0) return Status::Internal("SAMPLE BY fill: no bucket column");
  for (size_t i = 0; i < aggs.size(); ++i) {  // a FILL value that does not fit: an error whatever the rows
    if (fill.aggs[i].kind != FillKind::kValue || aggs[i] < 0) continue;
    RecordBatch scratch(std::vector<Field>{fields[aggs[i]]});
    RETURN_IF_ERROR(AppendFillValue(&scratch.column(0), fill.aggs[i].value));
  }
  ASSIGN_OR_RETURN(RecordBatch all, q::Collect(in.get()));
  // The rows of each key, by bucket; the range of buckets over all keys.
  std::vector<std::string> order;
  std::map<std::string, std::map<int64_t, size_t>> groups;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (size_t r = 0; r < all.num_rows(); ++r) {
    if (all.column(bucket).IsNull(r)) continue;
    const int64_t t = all.column(bucket).int64s()[r];
    lo = std::min(lo, t);
    hi = std::max(hi, t);
    const std::string k = RowKey(all, r, keys);
    auto [it, fresh] = groups.try_emplace(k);
    if (fresh) order.push_back(k);
    it->second[t] = r;
  }
  std::vector<Field> out_fields = fields;
  for (int a : aggs) out_fields[a].nullable = true;  // filled buckets may be null
  RecordBatch out(out_fields);
  if (!groups.empty()) {
    const uint64_t buckets = static_cast<uint64_t>((static_cast<__int128>(hi) - lo) / fill.step_ns) + 1;
    if (buckets > fill.max_rows / groups.size()) {
      return Status::InvalidArgument("SAMPLE BY FILL would make " + std::to_string(buckets) + " buckets for " +
                                     std::to_string(groups.size()) + " keys (more than " +
                                     std::to_string(fill.max_rows) + " rows); narrow the time range");
    }
  }
  for (const std::string& k : order) {
    const std::map<int64_t, size_t>& rows = groups[k];
    const size_t first_row = rows.begin()->second;
    for (int64_t t = lo;; t += fill.step_ns) {
      auto at = rows.find(t);
      if (at != rows.end()) {
        for (size_t c = 0; c < fields.size(); ++c) out.column(c).AppendFrom(all.column(c), at->second);
      } else {
        auto next = rows.upper_bound(t);
        auto prev = next == rows.begin() ? rows.end() : std::prev(next);
        for (size_t c = 0; c < fields.size(); ++c) {
          Column& col = out.column(c);
          const int ci = static_cast<int>(c);
          if (ci == bucket) {
            col.AppendInt64(t);
            continue;
          }
          auto ai = std::find(aggs.begin(), aggs.end(), ci);
          if (ai == aggs.end()) {  // a key column (or, in a keyed fill, another key)
            col.AppendFrom(all.column(c), first_row);
            continue;
          }
          const BoundFill::Agg& a = fill.aggs[ai - aggs.begin()];
          switch (a.kind) {
            case FillKind::kPrev:
              if (prev == rows.end()) {
                col.AppendNull();
              } else {
                col.AppendFrom(all.column(c), prev->second);
              }
              break;
            case FillKind::kLinear:
              if (prev == rows.end() || next == rows.end()) {
                col.AppendNull();
              } else {
                const int64_t n = (next->first - prev->first) / fill.step_ns;
                const int64_t i = (t - prev->first) / fill.step_ns;
                AppendLinear(&col, all.column(c), prev->second, next->second, i, n);
              }
              break;
            case FillKind::kValue: RETURN_IF_ERROR(AppendFillValue(&col, a.value)); break;
            default: col.AppendNull();
          }
        }
      }
      if (t >= hi) break;
    }
  }
  std::vector<RecordBatch> batches;
  if (out.num_rows() > 0) batches.push_back(std::move(out));
  return q::MakeVectorStream(out_fields, std::move(batches));
}

}  // namespace strata::sql::internal
